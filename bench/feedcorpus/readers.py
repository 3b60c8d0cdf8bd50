"""The parsers under comparison, each reduced to :class:`~bench.feedcorpus.scoring.Got` items: ours
(``parse_feed``; a sitemap index's children are its items) and feedparser with its default settings (imported on
first use; HTML sanitising on costs it about a third of its speed: 3.3x instead of 5.0x behind ours on the clean
feeds)."""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.feedcorpus.model import CorpusFeed
from bench.feedcorpus.scoring import FeedResult, Got, score
from wirewatch.core.errors import WirewatchError
from wirewatch.services.fetcher.feedparsing import parse_feed

Reader = Callable[[CorpusFeed], list[Got]]


def read_ours(feed: CorpusFeed) -> list[Got]:
    parsed = parse_feed(feed.body, url=feed.url, content_type=feed.content_type, charset=feed.charset)
    if parsed.kind == "sitemap_index":
        return [Got(link, None, None) for link in parsed.child_sitemaps]
    return [Got(item.link, item.title, item.published_at) for item in parsed.items]


def read_feedparser(feed: CorpusFeed) -> list[Got]:
    import feedparser

    headers = {"content-type": feed.content_type, "content-location": feed.url}
    parsed: Any = feedparser.parse(feed.body, response_headers=headers)  # its defaults, as it is used
    if parsed.bozo and not parsed.entries:
        raise FeedparserError(str(parsed.get("bozo_exception", "no entries")))
    return [Got(entry.get("link"), entry.get("title"), _fp_date(entry)) for entry in parsed.entries]


class FeedparserError(Exception):
    """feedparser read no entry from a document it found malformed (its own ``bozo`` flag)."""


def _fp_date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        if (parsed := entry.get(key)) is not None:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return None


def run(reader: Reader, feed: CorpusFeed, modelled: tuple[type[BaseException], ...]) -> FeedResult:
    """``reader`` on ``feed``, timed: its items scored, a ``modelled`` error recorded, anything else a crash."""
    started = time.perf_counter()
    try:
        result = FeedResult(feed, reader(feed))
    except modelled as exc:
        result = FeedResult(feed, [], error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        result = FeedResult(feed, [], crash=f"{type(exc).__name__}: {exc}")
    result.seconds = time.perf_counter() - started
    return score(result)


OURS_MODELLED: tuple[type[BaseException], ...] = (WirewatchError,)
FEEDPARSER_MODELLED: tuple[type[BaseException], ...] = (FeedparserError,)
