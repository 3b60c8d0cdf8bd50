"""``wirewatch search``: Lucene query syntax (as in Kibana) with facet filters, a table or JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from elasticsearch import AsyncElasticsearch
from rich.table import Table

from wirewatch.commands._common import console, print_json, settings, with_es
from wirewatch.query import HIGHLIGHT, Filters, build_query, sort_clause

JSON_FIELDS = ["url", "title", "authors", "published_at", "source", "language", "text", "persons",
               "organizations", "locations", "entities"]


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO date or datetime") from exc
    return moment if moment.tzinfo else moment.astimezone()


async def run_search(es: AsyncElasticsearch, query: str, filters: Filters, *, limit: int,
                     order: str) -> dict[str, Any]:
    response = await es.search(index=settings().index_name("articles"), query=build_query(query, filters),
                               size=limit, sort=sort_clause(order), highlight=HIGHLIGHT,
                               source=JSON_FIELDS, track_total_hits=True)
    return dict(response.body)


def _rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for hit in body["hits"]["hits"]:
        rows.append({"id": hit["_id"], "score": hit.get("_score"), **hit["_source"],
                     "highlights": hit.get("highlight", {}).get("text", [])})
    return rows


def _table(rows: list[dict[str, Any]], total: int) -> Table:
    table = Table(title=f"{len(rows)} of {total} articles", show_lines=True)
    for column in ("published", "source", "title / highlight", "people · orgs · places"):
        table.add_column(column, overflow="fold")
    for row in rows:
        published = (row.get("published_at") or "")[:16].replace("T", " ")
        highlight = " … ".join(row["highlights"][:1])
        entities = " · ".join(", ".join(row.get(k, [])[:3]) for k in ("persons", "organizations", "locations"))
        table.add_row(published, row.get("source") or "", f"[bold]{row.get('title') or row['url']}[/bold]\n"
                      f"{highlight}", entities)
    return table


@click.command()
@click.argument("query", default="*")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 10000))
@click.option("--person", "persons", multiple=True, help="only articles naming this person (repeatable)")
@click.option("--org", "organizations", multiple=True, help="only articles naming this organisation")
@click.option("--place", "locations", multiple=True, help="only articles naming this place")
@click.option("--source", "sources", multiple=True, help="only this source (site name)")
@click.option("--lang", "languages", multiple=True, help="only this language code")
@click.option("--since", help="published at or after (ISO date/datetime)")
@click.option("--until", help="published at or before (ISO date/datetime)")
@click.option("--sort", "order", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print a JSON list of articles")
def search(query: str, limit: int, persons: tuple[str, ...], organizations: tuple[str, ...],
           locations: tuple[str, ...], sources: tuple[str, ...], languages: tuple[str, ...],
           since: str | None, until: str | None, order: str, as_json: bool) -> None:
    """Search articles with Lucene syntax, e.g. 'organizations:"Kataib Hezbollah" AND text:withdrawal'."""
    filters = Filters(persons=persons, organizations=organizations, locations=locations, sources=sources,
                      languages=languages, since=_when(since), until=_when(until))
    body = with_es(lambda es: run_search(es, query, filters, limit=limit, order=order))
    rows = _rows(body)
    if as_json:
        print_json(rows)
    else:
        console.print(_table(rows, body["hits"]["total"]["value"]))
