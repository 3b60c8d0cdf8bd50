"""``wirewatch search``: Lucene ``query_string`` syntax (KQL, Kibana's default, only with ``--kql``, translated by
``wirewatch.core.kql``) with facet filters, over the articles or (``--alerts``) the alert ledger; a table or JSON."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import click

from wirewatch.cli._common import checked_query, console, facet_options, print_json, safe, settings, with_es
from wirewatch.core.query import HIGHLIGHT, Filters, QueryError, build_query, sort_clause

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch, BadRequestError
    from rich.table import Table

JSON_FIELDS = [
    "url",
    "title",
    "authors",
    "published_at",
    "source",
    "language",
    "text",
    "persons",
    "organizations",
    "locations",
    "entities",
]


def _when(value: str | None, *, end_of_day: bool = False) -> datetime | None:
    """An ISO date or datetime; without a zone it is local time. A bare date given as ``--until``
    means the end of that day, so ``--since 2026-11-18 --until 2026-11-18`` is that whole day."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO date or datetime") from exc
    if end_of_day and _is_bare_date(value):
        moment = datetime.combine(moment.date() + timedelta(days=1), time()) - timedelta(milliseconds=1)
    return moment if moment.tzinfo else moment.astimezone()


def _is_bare_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return "T" not in value and " " not in value.strip()


def _reason(exc: BadRequestError) -> str:
    """The most specific reason Elasticsearch gave (the root cause of a failed query parse)."""
    error = exc.body.get("error", {}) if isinstance(exc.body, dict) else {}
    causes = error.get("root_cause") or []
    cause = error.get("caused_by") or {}
    while isinstance(cause.get("caused_by"), dict):
        cause = cause["caused_by"]
    found = cause or (causes[0] if causes else error)
    return str(found.get("reason") or exc.message)


#: what ``--alerts`` shows of each alert (the columns of Kibana's alert searches, and where it points)
ALERT_FIELDS = [
    "rule_name",
    "rule_id",
    "title",
    "source",
    "status",
    "attempts",
    "matched_at",
    "published_at",
    "url",
    "article_id",
    "persons",
    "organizations",
    "locations",
]
#: fields a bare term searches in the alert ledger
ALERT_DEFAULT_FIELDS = ["title^3", "snippet", "rule_name^2", "persons", "organizations", "locations", "source"]

#: syndicated copies of one story share a cluster id; a search shows the story once, listing its copies
COLLAPSE = {
    "field": "cluster_id",
    "inner_hits": {"name": "copies", "size": 5, "_source": ["url", "source"], "sort": [{"fetched_at": "asc"}]},
}


async def run_search(
    es: AsyncElasticsearch, query: str, filters: Filters, *, limit: int, order: str, collapse: bool = True
) -> dict[str, Any]:
    from elasticsearch import BadRequestError

    try:
        response = await es.search(
            index=settings().index_name("articles"),
            query=build_query(query, filters),
            size=limit,
            sort=sort_clause(order),
            highlight=HIGHLIGHT,
            source_includes=JSON_FIELDS,
            track_total_hits=True,
            collapse=COLLAPSE if collapse else None,
        )
    except BadRequestError as exc:
        raise QueryError(f"Elasticsearch cannot run the query {query!r}: {_reason(exc)}", query=query) from exc
    return dict(response.body)


async def run_alert_search(es: AsyncElasticsearch, query: str, filters: Filters, *, limit: int) -> dict[str, Any]:
    """The alert ledger, newest match first (what Kibana's alert searches sort by)."""
    from elasticsearch import BadRequestError

    built = build_query(query, filters)
    for clause in built["bool"]["must"]:
        if "query_string" in clause:
            clause["query_string"]["fields"] = ALERT_DEFAULT_FIELDS
    try:
        response = await es.search(
            index=settings().index_name("alerts"),
            query=built,
            size=limit,
            sort=[{"matched_at": {"order": "desc", "missing": "_last"}}],
            source_includes=ALERT_FIELDS,
            track_total_hits=True,
        )
    except BadRequestError as exc:
        raise QueryError(f"Elasticsearch cannot run the query {query!r}: {_reason(exc)}", query=query) from exc
    return dict(response.body)


def _alert_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": hit["_id"], **hit["_source"]} for hit in body["hits"]["hits"]]


def _alert_table(rows: list[dict[str, Any]], total: int) -> Table:
    from rich.table import Table

    table = Table(title=f"{len(rows)} of {total} alerts", show_lines=True)
    for column in ("matched", "rule", "status", "source", "title"):
        table.add_column(column, overflow="fold")
    for row in rows:
        status = f"{row.get('status') or ''} ({row.get('attempts') or 0} attempts)"
        table.add_row(
            safe((row.get("matched_at") or "")[:16].replace("T", " ")),
            safe(row.get("rule_name") or ""),
            safe(status),
            safe(row.get("source") or ""),
            safe(row.get("title") or row.get("url") or ""),
        )
    return table


def _rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for hit in body["hits"]["hits"]:
        highlight = hit.get("highlight", {})
        copies = [
            {"id": c["_id"], **c["_source"]}
            for c in hit.get("inner_hits", {}).get("copies", {}).get("hits", {}).get("hits", [])
            if c["_id"] != hit["_id"]
        ]
        rows.append(
            {
                "id": hit["_id"],
                "score": hit.get("_score"),
                **hit["_source"],
                "highlights": highlight.get("text", []),
                "title_highlight": highlight.get("title", []),
                "copies": copies,
            }
        )
    return rows


def _table(rows: list[dict[str, Any]], total: int) -> Table:
    """Every value comes from the articles (feeds and pages anyone may write): shown as written, never
    read as Rich markup or terminal escapes (see ``_common.safe``)."""
    from rich.table import Table

    table = Table(title=f"{len(rows)} of {total} articles", show_lines=True)
    for column in ("published", "source", "title / highlight", "people · orgs · places"):
        table.add_column(column, overflow="fold")
    for row in rows:
        published = (row.get("published_at") or "")[:16].replace("T", " ")
        title = " ".join(row.get("title_highlight") or []) or row.get("title") or row["url"]
        highlight = " … ".join(row.get("highlights", [])[:1])
        facets = ("persons", "organizations", "locations")
        entities = " · ".join(", ".join(row.get(k, [])[:3]) for k in facets)
        copies = row.get("copies") or []
        where = ", ".join(c.get("source") or c["url"] for c in copies)
        also = f"\n[dim]also in: {safe(where)}[/dim]" if copies else ""
        table.add_row(
            safe(published),
            safe(row.get("source") or ""),
            f"[bold]{safe(title)}[/bold]\n{safe(highlight)}{also}",
            safe(entities),
        )
    return table


@click.command()
@click.argument("query", default="*")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 10000))
@facet_options
@click.option("--since", help="published at or after (ISO date/datetime)")
@click.option("--until", help="published at or before (ISO date/datetime; a bare date includes that day)")
@click.option("--sort", "order", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print a JSON list of articles")
@click.option("--all-copies", is_flag=True, help="list syndicated copies separately (default: once, with 'copies')")
@click.option("--kql", is_flag=True, help="QUERY is KQL (Kibana's query language, a subset), not Lucene")
@click.option("--alerts", is_flag=True, help="search the alerts (the alert ledger), newest first, not the articles")
def search(
    query: str,
    limit: int,
    persons: tuple[str, ...],
    organizations: tuple[str, ...],
    locations: tuple[str, ...],
    sources: tuple[str, ...],
    languages: tuple[str, ...],
    since: str | None,
    until: str | None,
    order: str,
    as_json: bool,
    all_copies: bool,
    kql: bool,
    alerts: bool,
) -> None:
    """Search articles with Lucene query syntax; facet filters narrow the results.

    For example: 'organizations:"Kataib Hezbollah" AND text:withdrawal'. With --kql the query is KQL, as in
    Kibana's query bar: 'organizations:* and locations:(Baghdad or Erbil)' (a subset; see the README's
    "Query syntax"). Facet filters are exact names, case-insensitive, and stack (every one must match)."""
    query = checked_query(query, kql=kql) or "*"
    if alerts and languages:
        raise click.BadParameter("alerts carry no language", param_hint="--lang")
    start, end = _when(since), _when(until, end_of_day=True)
    if start and end and start > end:
        raise click.BadParameter(f"--since {since} is after --until {until}")
    filters = Filters(
        persons=persons,
        organizations=organizations,
        locations=locations,
        sources=sources,
        languages=languages,
        since=start,
        until=end,
    )
    if alerts:
        found = with_es(lambda es: run_alert_search(es, query, filters, limit=limit))
        alert_rows = _alert_rows(found)
        if as_json:
            print_json(alert_rows)
        else:
            console.print(_alert_table(alert_rows, found["hits"]["total"]["value"]))
        return
    body = with_es(lambda es: run_search(es, query, filters, limit=limit, order=order, collapse=not all_copies))
    rows = _rows(body)
    if as_json:
        print_json(rows)
    else:
        console.print(_table(rows, body["hits"]["total"]["value"]))
