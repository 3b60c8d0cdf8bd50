"""``wirewatch feeds add|import|list|remove``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from wirewatch.cli._common import console, print_json, safe, settings, with_es

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch
    from rich.table import Table

    from wirewatch.core.stores.feeds import FeedHealth, FeedRecord, FeedStore


def _store(es: AsyncElasticsearch) -> FeedStore:
    from wirewatch.core.stores.feeds import FeedStore

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
    from wirewatch.core.stores.feeds import new_feed

    feed = new_feed(url, name=name, interval_s=interval, tags=tags, kind="sitemap" if sitemap else "feed")
    added = with_es(lambda es: _store(es).add(feed))
    console.print(f"{'added' if added else 'already monitored'}: {feed.id} {safe(url)}")


@feeds.command(name="import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_opml(opml: Path) -> None:
    """Add every feed of an OPML file (folders become tags)."""
    from wirewatch.core.stores.feeds import new_feed
    from wirewatch.services.fetcher import parse_opml

    entries = parse_opml(opml.read_bytes())

    async def go(es: AsyncElasticsearch) -> int:
        store = _store(es)
        added = 0
        for entry in entries:
            added += await store.add(new_feed(entry.url, name=entry.title, tags=entry.tags))
        return added

    added = with_es(go)
    known = len(entries) - added
    console.print(f"imported {len(entries)} feeds from {safe(opml.name)}: {added} new, {known} known")


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if abs(seconds) >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def _age(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    seconds = (datetime.now(UTC) - moment).total_seconds()
    return f"{_duration(seconds)} ago" if seconds >= 0 else f"in {_duration(-seconds)}"


def _label(record: FeedRecord) -> str:
    """The name if there is one, else the URL without its scheme (the column is cut at its width)."""
    return record.feed.name or record.health.title or record.feed.url.split("://", 1)[-1]


def _summary(records: list[FeedRecord]) -> str:
    failing = Counter(r.health.last_error_class or "?" for r in records if r.health.consecutive_failures > 0)
    pushed = sum(1 for r in records if _push(r.health) != "-")
    classes = ", ".join(f"{safe(name)} {count}" for name, count in failing.most_common())
    failed = f"{sum(failing.values())} failing ({classes})" if failing else "0 failing"
    return f"{len(records)} feeds · {failed} · {pushed} with WebSub push"


def _push(health: FeedHealth) -> str:
    """How long the WebSub lease still runs, or ``-``."""
    left = (health.websub_lease_until - datetime.now(UTC)).total_seconds() if health.websub_lease_until else 0
    return f"{_duration(left)} left" if left > 0 else "-"


def _table(records: list[FeedRecord]) -> Table:
    """One line per feed; only the feed label shrinks (to ``…``) when the terminal is narrow. Names and titles
    come from the feeds themselves: shown as written, never read as markup (``_common.safe``)."""
    from rich import box
    from rich.table import Table

    table = Table(title=_summary(records), title_justify="left", pad_edge=False, box=box.SIMPLE_HEAD)
    table.add_column("id", no_wrap=True, min_width=16, style="dim")
    table.add_column("feed", no_wrap=True, overflow="ellipsis", min_width=12, max_width=40)
    pushed = any(_push(r.health) != "-" for r in records)
    widths = {"every": 5, "success": 8, "error": 16, "fails": 5, "/day": 5, "next": 7, "push": 7}
    for column in ("every", "success", "error", "fails", "/day", "next", *(["push"] if pushed else [])):
        table.add_column(
            column, no_wrap=True, min_width=widths[column], justify="right" if column in ("fails", "/day") else "left"
        )
    for r in records:
        h = r.health
        error = f"{safe(h.last_error_class)} {_age(h.last_error_at)}" if h.last_error_class else "-"
        if h.items_capped_at is not None and not h.last_error_class:
            error = f"[yellow]capped {h.items_capped_at}[/yellow]"  # the rest of the document was not read
        interval = r.feed.interval_s or h.effective_interval_s
        failing = h.consecutive_failures > 0
        rate = f"{h.items_per_day:.1f}" if h.items_per_day is not None else "-"
        table.add_row(
            safe(r.feed.id),
            safe(_label(r)),
            _duration(interval) if interval else "auto",
            _age(h.last_success_at),
            f"[red]{error}[/red]" if failing else error,
            f"{h.consecutive_failures:g}",
            rate,
            _age(h.next_poll_at),
            *([_push(h)] if pushed else []),
        )
    return table


def _print_table(table: Table) -> None:
    """On a terminal, fit its width; piped (to less, grep, a file), print whole lines."""
    from rich.measure import Measurement

    if not console.is_terminal:
        natural = Measurement.get(console, console.options.update_width(1000), table).maximum
        console.width = max(console.width, natural)
    console.print(table)


@feeds.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output (every field but secrets)")
@click.option("--failing", is_flag=True, help="only feeds whose last polls failed")
def list_feeds(as_json: bool, failing: bool) -> None:
    """Feeds with their health: last success, last error and its class, failures, rate, next poll, push."""
    records = with_es(lambda es: _store(es).all())
    if failing:
        records = [r for r in records if r.health.consecutive_failures > 0]
    if as_json:
        print_json([r.to_public() for r in records])
    else:
        _print_table(_table(records))


@feeds.command()
@click.argument("feed_id")
def remove(feed_id: str) -> None:
    """Stop monitoring a feed."""
    if not with_es(lambda es: _store(es).remove(feed_id)):
        raise click.ClickException(f"no feed with id {feed_id}")
    console.print(f"removed {feed_id}")
