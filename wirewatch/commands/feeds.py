"""``wirewatch feeds add|import|list|remove``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from elasticsearch import AsyncElasticsearch
from rich.table import Table

from services.fetcher.store import FeedRecord, FeedStore, new_feed
from wirewatch.commands._common import console, print_json, settings, with_es


def _store(es: AsyncElasticsearch) -> FeedStore:
    return FeedStore(es, settings().index_name("feeds"))


@click.group()
def feeds() -> None:
    """Manage monitored feeds."""


@feeds.command()
@click.argument("url")
@click.option("--name", help="a display name")
@click.option("--interval", type=float, help="poll interval in seconds (obeyed as given)")
@click.option("--tag", "tags", multiple=True, help="a tag (repeatable)")
@click.option("--sitemap", is_flag=True, help="the URL is an XML sitemap, not a feed")
def add(url: str, name: str | None, interval: float | None, tags: tuple[str, ...], sitemap: bool) -> None:
    """Start monitoring a feed."""
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter("the feed URL must start with http:// or https://")
    feed = new_feed(url, name=name, interval_s=interval, tags=tags, kind="sitemap" if sitemap else "feed")
    added = with_es(lambda es: _store(es).add(feed))
    console.print(f"{'added' if added else 'already monitored'}: {feed.id} {url}")


@feeds.command(name="import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_opml(opml: Path) -> None:
    """Add every feed of an OPML file (folders become tags)."""
    from services.fetcher.feedparsing import parse_opml

    entries = parse_opml(opml.read_bytes())

    async def go(es: AsyncElasticsearch) -> int:
        store = _store(es)
        added = 0
        for entry in entries:
            added += await store.add(new_feed(entry.url, name=entry.title, tags=entry.tags))
        return added

    added = with_es(go)
    console.print(f"imported {len(entries)} feeds from {opml.name}: {added} new, {len(entries) - added} known")


def _age(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    seconds = (datetime.now(UTC) - moment).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if abs(seconds) >= size:
            return f"{seconds / size:.0f}{unit} ago" if seconds > 0 else f"in {-seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s ago" if seconds >= 0 else f"in {-seconds:.0f}s"


def _table(records: list[FeedRecord]) -> Table:
    table = Table(title=f"{len(records)} feeds")
    for column in ("id", "name / url", "interval", "last success", "last error", "fails", "items/day", "next poll"):
        table.add_column(column)
    for r in records:
        h = r.health
        error = f"{h.last_error_class} ({_age(h.last_error_at)})" if h.last_error_class else "-"
        interval = r.feed.interval_s or h.effective_interval_s
        table.add_row(r.feed.id, r.feed.name or r.feed.url, f"{interval:.0f}s" if interval else "auto",
                      _age(h.last_success_at), error, f"{h.consecutive_failures:g}",
                      f"{h.items_per_day:.1f}" if h.items_per_day is not None else "-", _age(h.next_poll_at))
    return table


@feeds.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def list_feeds(as_json: bool) -> None:
    """Feeds with their health: last success, last error and its class, failures, rate, next poll."""
    records = with_es(lambda es: _store(es).all())
    if as_json:
        print_json([r.to_doc() for r in records])
    else:
        console.print(_table(records))


@feeds.command()
@click.argument("feed_id")
def remove(feed_id: str) -> None:
    """Stop monitoring a feed."""
    if not with_es(lambda es: _store(es).remove(feed_id)):
        raise click.ClickException(f"no feed with id {feed_id}")
    console.print(f"removed {feed_id}")
