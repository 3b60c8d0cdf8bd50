"""``wirewatch stories``: the stories the indexer keeps in ``<prefix>-stories`` (copies of one event from
several outlets, see ``wirewatch/core/stories.py``), as tables or JSON.

``list`` gives the latest stories first, ``show ID`` one story with its member articles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from wirewatch.cli._common import console, print_json, safe, settings, with_es

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch


@click.group()
def stories() -> None:
    """Stories: copies of one event from several outlets, as the indexer clusters them."""


@stories.command("list")
@click.option("--min-sources", default=1, show_default=True, type=click.IntRange(1), help="told by this many outlets")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="print a JSON list")
def list_stories(min_sources: int, limit: int, as_json: bool) -> None:
    """List stories, the most recently seen first."""
    index = settings().index_name("stories")

    async def latest(es: AsyncElasticsearch) -> list[dict[str, Any]]:
        response = await es.options(ignore_status=404).search(
            index=index,
            size=limit,
            sort=[{"last_seen": "desc"}],
            query={"range": {"source_count": {"gte": min_sources}}},
        )
        return [hit["_source"] for hit in response.body.get("hits", {}).get("hits", [])]

    found = with_es(latest)
    if as_json:
        print_json(found)
        return
    from rich.table import Table

    table = Table(title=f"{len(found)} stories")
    for column in ("story", "headline", "articles", "sources", "last seen"):
        table.add_column(column, overflow="fold")
    for story in found:
        table.add_row(
            safe(story["story_id"]),
            safe(story.get("headline") or ""),
            str(story["article_count"]),
            safe(", ".join(story.get("sources") or [])),
            safe((story.get("last_seen") or "")[:16]),
        )
    console.print(table)


@stories.command("show")
@click.argument("story_id")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def show(story_id: str, as_json: bool) -> None:
    """One story: first and last seen, sources, the people, organisations and places it names, and its
    articles (the first 50). STORY_ID is the id of its first article."""
    common = settings()

    async def one(es: AsyncElasticsearch) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        got = await es.options(ignore_status=404).get(index=common.index_name("stories"), id=story_id)
        if not got.body.get("found"):
            return None, []
        story: dict[str, Any] = got.body["_source"]
        articles = await es.mget(
            index=common.index_name("articles"),
            ids=story["article_ids"],
            source=["id", "title", "source", "url", "fetched_at"],
        )
        return story, [doc["_source"] for doc in articles.body["docs"] if doc.get("found")]

    story, articles = with_es(one)
    if story is None:
        raise click.ClickException(f"no story {story_id!r}")
    if as_json:
        print_json({**story, "articles": articles})
        return
    console.print(f"[bold]{safe(story.get('headline') or story_id)}[/bold]  story {safe(story_id)}")
    console.print(
        f"articles: {story['article_count']}  sources: {story['source_count']}"
        f"  first seen: {safe(story['first_seen'])}  last seen: {safe(story['last_seen'])}"
    )
    for field, label in (("persons", "persons"), ("organizations", "organisations"), ("locations", "places")):
        if story.get(field):
            console.print(f"{label}: {safe(', '.join(story[field]))}")
    for article in articles:
        console.print(
            f"  • {safe((article.get('fetched_at') or '')[:16])}  {safe(article.get('source') or '?')}: "
            f"{safe(article.get('title') or '')}  {safe(article.get('url') or '')}"
        )
