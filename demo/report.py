"""The summary ``make demo`` ends with: what a user wants to see after ingesting the sample."""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch
from rich.console import Console
from rich.table import Table

from demo.site_server import DemoServer
from wirewatch.core.query import HIGHLIGHT, Filters, build_query
from wirewatch.core.settings import CommonSettings

EXAMPLE_QUERY = "withdrawal OR drawdown"


async def _aggregate(es: AsyncElasticsearch, index: str, ids: list[str]) -> dict[str, Any]:
    aggs = {
        name: {"terms": {"field": field, "size": 8}}
        for name, field in (
            ("feeds", "feed_id"),
            ("persons", "persons"),
            ("organizations", "organizations"),
            ("locations", "locations"),
            ("sources", "source"),
        )
    }
    response = await es.search(index=index, size=0, query={"ids": {"values": ids}}, aggs=aggs)
    return dict(response.body["aggregations"])


def _top_table(aggs: dict[str, Any]) -> Table:
    table = Table(title="Top entities in the sample")
    columns = ("persons", "organizations", "locations")
    for column in ("people", "organisations", "places"):
        table.add_column(column)
    rows = [[f"{b['key']} ({b['doc_count']})" for b in aggs[c]["buckets"]] for c in columns]
    for i in range(max(len(r) for r in rows)):
        table.add_row(*[r[i] if i < len(r) else "" for r in rows])
    return table


def _feeds_table(aggs: dict[str, Any], entries: list[dict[str, Any]]) -> Table:
    table = Table(title="Articles per source")
    table.add_column("source")
    table.add_column("articles", justify="right")
    table.add_column("in the sample", justify="right")
    expected: dict[str, int] = {}
    for entry in entries:
        expected[entry["outlet"]] = expected.get(entry["outlet"], 0) + 1
    for bucket in aggs["sources"]["buckets"]:
        table.add_row(bucket["key"], str(bucket["doc_count"]), str(expected.get(bucket["key"], "")))
    return table


async def _example_search(console: Console, es: AsyncElasticsearch, index: str, ids: list[str]) -> None:
    response = await es.search(
        index=index,
        query=build_query(EXAMPLE_QUERY, Filters(ids=ids)),
        size=3,
        highlight=HIGHLIGHT,
        source=["title", "source", "published_at"],
    )
    total = response.body["hits"]["total"]["value"]
    console.print(f"\n[bold]Example search[/bold]: wirewatch search '{EXAMPLE_QUERY}'  → {total} articles")
    for hit in response.body["hits"]["hits"]:
        src = hit["_source"]
        console.print(f"  • [bold]{src['title']}[/bold] — {src.get('source')}, {(src.get('published_at') or '')[:10]}")
        for fragment in hit.get("highlight", {}).get("text", [])[:1]:
            console.print(f"      …{' '.join(fragment.split())}…")


async def _stories(console: Console, es: AsyncElasticsearch, index: str, ids: list[str]) -> None:
    """The sample's stories told by more than one article (copies the indexer put in one story)."""
    response = await es.search(
        index=index,
        size=0,
        query={"ids": {"values": ids}},
        aggs={
            "stories": {
                "terms": {"field": "story_id", "min_doc_count": 2, "size": 5},
                "aggs": {"copies": {"top_hits": {"size": 5, "_source": ["title", "source"], "sort": ["fetched_at"]}}},
            }
        },
    )
    for bucket in response.body["aggregations"]["stories"]["buckets"]:
        copies = [hit["_source"] for hit in bucket["copies"]["hits"]["hits"]]
        outlets = ", ".join(str(copy.get("source")) for copy in copies)
        console.print(f"\n[bold]One story, {bucket['doc_count']} copies[/bold]: “{copies[0]['title']}” ({outlets})")


async def _alert(console: Console, es: AsyncElasticsearch, settings: CommonSettings, server: DemoServer) -> None:
    response = await es.search(
        index=settings.index_name("alerts"),
        size=3,
        sort=[{"matched_at": "desc"}],
        query={"term": {"status": "delivered"}},
    )
    hits = response.body["hits"]["hits"]
    total = response.body["hits"]["total"]["value"]
    console.print(
        f"\n[bold]Alerts delivered[/bold]: {total} (webhook POSTs received in this run: {len(server.alerts)})"
    )
    for hit in hits:
        a = hit["_source"]
        copies = len(a.get("article_ids") or [])
        story = f", story of {copies} copies from {len(a.get('sources') or [])} sources" if copies > 1 else ""
        console.print(f"  🔔 rule [bold]{a['rule_name']}[/bold] → “{a['title']}” ({a.get('source')}{story})")
        if a.get("snippet"):
            console.print(f"      {' '.join(a['snippet'].split())[:200]}")


def _cold_start(first_s: float | None) -> str:
    if first_s is None:
        return "cold start not measured: an earlier demo run had already made the sample searchable"
    return f"first article searchable {first_s:.1f} s after `wirewatch run` started"


async def print_summary(
    console: Console,
    es: AsyncElasticsearch,
    settings: CommonSettings,
    entries: list[dict[str, Any]],
    ids: list[str],
    server: DemoServer,
    elapsed: float,
    first_s: float | None = None,
) -> None:
    index = settings.index_name("articles")
    aggs = await _aggregate(es, index, ids)
    console.print(
        f"\n[green]All {len(ids)} sample articles are searchable[/green] ({elapsed:.0f}s after the workers started)"
    )
    console.print(_cold_start(first_s) + "\n")
    console.print(_feeds_table(aggs, entries))
    console.print(_top_table(aggs))
    await _example_search(console, es, index, ids)
    await _stories(console, es, index, ids)
    await _alert(console, es, settings, server)
    console.print(
        "\nThe stack is still running: try [bold]wirewatch search 'Kurdistan Region'[/bold] "
        "or [bold]wirewatch status[/bold]; [bold]make down[/bold] stops it."
    )
