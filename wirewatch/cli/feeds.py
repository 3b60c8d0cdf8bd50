"""``wirewatch feeds add|set|import|list|show|remove``."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from wirewatch.cli._common import console, plain, print_json, safe, settings, with_es

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch
    from pydantic import SecretStr
    from rich.table import Table

    from wirewatch.core.stores.feeds import FeedHealth, FeedRecord, FeedStore
    from wirewatch.schemas import Feed
    from wirewatch.services.fetcher import FoundFeed, Onboarding


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
@click.option("--sitemap", is_flag=True, help="the URL is an XML sitemap, not a feed (added as given)")
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="a request header of this feed's own (repeatable): stored encrypted, never printed, sent to its host only",
)
@click.option("--cookie", "cookies", multiple=True, metavar="NAME=VALUE", help="a cookie, like --header")
@click.option("--all", "add_all", is_flag=True, help="add every feed found, not only the first")
@click.option("--pick", type=click.IntRange(min=1), metavar="N", help="add the Nth feed found instead of the first")
@click.option("--as-is", "as_is", is_flag=True, help="add the URL without fetching it (no discovery)")
def add(
    url: str,
    name: str | None,
    interval: float | None,
    tags: tuple[str, ...],
    sitemap: bool,
    headers: tuple[str, ...],
    cookies: tuple[str, ...],
    add_all: bool,
    pick: int | None,
    as_is: bool,
) -> None:
    """Start monitoring a feed. URL may be a site's page: its feeds are found (the links it announces, else
    /feed, /rss, /atom.xml …), listed, and the first is added (``--all``: all, ``--pick N``: the Nth)."""
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter("the feed URL must start with http:// or https://")
    from wirewatch.core.stores.feeds import new_feed, request_headers

    try:
        secret = request_headers(headers, cookies)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--header/--cookie") from exc
    if sitemap or as_is:
        feed = new_feed(url, name=name, interval_s=interval, tags=tags, kind="sitemap" if sitemap else "feed")
        _add_feeds([feed.model_copy(update={"request_headers": secret})])
        return
    onboarding = _discover(url, secret)
    if isinstance(onboarding, str):  # the URL could not be fetched: added as given, the poller will say more
        console.print(f"[yellow]could not check {safe(url)} ({safe(onboarding)}); adding it as given[/yellow]")
        _add_feeds([new_feed(url, name=name, interval_s=interval, tags=tags, headers=secret)])
        return
    found = onboarding.feeds
    if not found:
        why = f" ({onboarding.page_error})" if onboarding.page_error else ""
        raise click.ClickException(
            f"no feed found at {plain(url)}{plain(why)}: neither the feed links it announces nor the usual paths "
            "(/feed, /rss, /rss.xml, /atom.xml …) answer with a feed; give the feed's own URL, or --as-is"
        )
    if pick is not None and pick > len(found):
        raise click.BadParameter(f"only {len(found)} feed(s) found", param_hint="--pick")
    chosen = found if add_all else [found[(pick or 1) - 1]]
    feeds = [
        new_feed(
            choice.url,
            name=name if len(chosen) == 1 else None,
            interval_s=interval,
            tags=tags,
            kind="sitemap" if choice.is_sitemap else "feed",
            headers=secret if _same_host(choice.url, url) else None,
        )
        for choice in chosen
    ]
    _add_feeds(feeds, found=found)


def _discover(url: str, secret: SecretStr | None) -> Onboarding | str:
    """The feeds behind ``url`` through the fetcher's own client and caps; why not, if ``url`` failed."""
    from pydantic import ValidationError

    from wirewatch.core.stores.feeds import pairs_of
    from wirewatch.services.fetcher import FetchError, FetcherSettings, HTTPStatusError, onboard

    try:
        fetcher_settings = FetcherSettings()
    except ValidationError as exc:
        raise click.UsageError(f"bad WIREWATCH_* setting: {exc}") from exc

    async def go() -> Onboarding:
        return await onboard(url, fetcher_settings, headers=dict(pairs_of(secret)))

    try:
        return asyncio.run(go())
    except HTTPStatusError as exc:  # the server answered: a wrong URL, not one to poll in vain
        raise click.ClickException(f"{plain(url)} answered {exc.status}; give the feed's URL, or --as-is") from exc
    except FetchError as exc:
        return f"{exc.error_class}: {exc}"


def _same_host(a: str, b: str) -> bool:
    from urllib.parse import urlsplit

    return (urlsplit(a).hostname or "") == (urlsplit(b).hostname or "")


def _add_feeds(feeds: list[Feed], *, found: Sequence[FoundFeed] = ()) -> None:
    """Store ``feeds`` and say so, the first line ``added: ID URL``; list what else was found."""

    async def go(es: AsyncElasticsearch) -> list[bool]:
        store = _store(es)
        return [await store.add(feed) for feed in feeds]

    added = with_es(go)
    for feed, new in zip(feeds, added, strict=True):
        console.print(f"{'added' if new else 'already monitored'}: {feed.id} {safe(feed.url)}")
    chosen = {feed.url for feed in feeds}
    others = [(n, f) for n, f in enumerate(found, 1) if f.url not in chosen]
    if found and len(found) > 1:
        console.print(f"found {len(found)} feeds:" if not others else f"also found ({len(others)}; --pick N or --all):")
        for n, candidate in enumerate(found, 1):
            if not others or candidate.url not in chosen:
                title = f" — {safe(candidate.title)}" if candidate.title else ""
                detail = f"{candidate.kind}, {candidate.items} items, {candidate.how}"
                console.print(f"  {n}. {safe(candidate.url)} ({detail}){title}")


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
        if h.warnings_count and not failing:  # read, but items lost a date or were repaired (`feeds show`)
            error = f"{'' if error == '-' else error + ' '}[yellow]{h.warnings_count} warnings[/yellow]"
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


@feeds.command(name="set")
@click.argument("feed_id")
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="a request header (repeatable)")
@click.option("--cookie", "cookies", multiple=True, metavar="NAME=VALUE", help="a cookie (repeatable)")
@click.option("--clear-headers", is_flag=True, help="remove the feed's own headers and cookies")
def set_headers(feed_id: str, headers: tuple[str, ...], cookies: tuple[str, ...], clear_headers: bool) -> None:
    """Replace a feed's own request headers and cookies (all of them at once; values are never printed)."""
    from wirewatch.core.stores.feeds import request_headers

    if not (headers or cookies or clear_headers):
        raise click.UsageError("give --header/--cookie, or --clear-headers")
    try:
        secret = None if clear_headers else request_headers(headers, cookies)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--header/--cookie") from exc
    if not with_es(lambda es: _store(es).set_headers(feed_id, secret)):
        raise click.ClickException(f"no feed with id {feed_id}")
    names = [name.split(":", 1)[0].strip() for name in headers] + (["Cookie"] if cookies else [])
    console.print(f"{feed_id}: request headers {safe(', '.join(names)) if names else 'cleared'}")


@feeds.command()
@click.argument("feed_id")
def show(feed_id: str) -> None:
    """One feed's definition and health as JSON (its own request headers by name only)."""
    records = with_es(lambda es: _store(es).all())
    record = next((r for r in records if r.feed.id == feed_id), None)
    if record is None:
        raise click.ClickException(f"no feed with id {feed_id}")
    print_json(record.to_public())


@feeds.command()
@click.argument("feed_id")
def remove(feed_id: str) -> None:
    """Stop monitoring a feed."""
    if not with_es(lambda es: _store(es).remove(feed_id)):
        raise click.ClickException(f"no feed with id {feed_id}")
    console.print(f"removed {feed_id}")
