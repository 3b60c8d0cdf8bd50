"""Feed onboarding (``wirewatch feeds add URL``): the feeds behind a URL, which may be a homepage.

1. the URL itself, if it answers with a feed or sitemap;
2. else the feeds its page announces (``<link rel="alternate">`` of a feed type, :func:`discover_feeds`),
   each fetched and read, at most ``MAX_ANNOUNCED``;
3. else the common places at the site's root (``COMMON_PATHS``: ``/feed``, ``/rss``, ``/rss.xml`` …).

Every request goes through the caller's :class:`~wirewatch.services.fetcher.http.SafeFetcher` (the address
policy on every hop, size caps, the total deadline) and every document through
:func:`~wirewatch.services.fetcher.feedparsing.parse_feed` with its item caps: a homepage can make us ask
for at most ``1 + MAX_ANNOUNCED + len(COMMON_PATHS)`` documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from wirewatch.services.fetcher.discovery import discover_feeds
from wirewatch.services.fetcher.errors import FeedParseError, FetchError
from wirewatch.services.fetcher.feedmodels import DEFAULT_LIMITS, FeedLimits
from wirewatch.services.fetcher.feedparsing import parse_feed
from wirewatch.services.fetcher.http import FetchResult, SafeFetcher
from wirewatch.services.fetcher.urls import host_of

if TYPE_CHECKING:
    from wirewatch.services.fetcher.settings import FetcherSettings

MAX_ANNOUNCED = 10
COMMON_PATHS = (
    "/feed",
    "/rss",
    "/rss.xml",
    "/atom.xml",
    "/feed.xml",
    "/index.xml",
    "/feed.json",
    "/feeds/all.atom.xml",
)
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FoundFeed:
    """A feed (or sitemap) found for a URL, with what it says about itself."""

    url: str
    kind: str
    title: str | None
    items: int
    how: str  # "given", "announced" or "common path"

    @property
    def is_sitemap(self) -> bool:
        return self.kind in ("sitemap", "sitemap_index", "news_sitemap")


@dataclass(frozen=True, slots=True)
class Onboarding:
    """What :func:`find_feeds` found; ``page_error`` says why the given URL was no feed itself."""

    url: str
    feeds: list[FoundFeed]
    page_error: str | None = None


async def find_feeds(
    fetcher: SafeFetcher,
    url: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limits: FeedLimits = DEFAULT_LIMITS,
    headers: Mapping[str, str] | None = None,
) -> Onboarding:
    """The feeds behind ``url``, in the order of the module docstring; a :class:`FetchError` if ``url``
    itself cannot be fetched."""
    result = await fetcher.fetch(url, max_bytes=max_bytes, headers=headers)
    try:
        return Onboarding(url, [_read(result, url, "given", limits)])
    except FeedParseError as exc:
        page_error = exc.reason
    reader = _Prober(fetcher, max_bytes, limits, headers, host_of(url))
    announced = discover_feeds(result.body, result.final_url)[:MAX_ANNOUNCED]
    found = await reader.read_all(announced, "announced")
    if not found:
        root = _origin(result.final_url)
        found = await reader.read_all([root + path for path in COMMON_PATHS], "common path")
    return Onboarding(url, found, page_error)


async def onboard(url: str, settings: FetcherSettings, headers: Mapping[str, str] | None = None) -> Onboarding:
    """:func:`find_feeds` through the client, caps and outbound policy ``settings`` describe: what ``wirewatch
    feeds add`` and the workspace's feed form both run. ``headers`` go to ``url``'s host only."""
    from wirewatch.services.fetcher.clients import fetcher_for, hosts_of

    async with fetcher_for(settings, hosts=hosts_of(settings)) as fetcher:
        return await find_feeds(
            fetcher, url, max_bytes=settings.fetcher_max_feed_bytes, limits=settings.feed_limits(), headers=headers
        )


@dataclass(slots=True)
class _Prober:
    fetcher: SafeFetcher
    max_bytes: int
    limits: FeedLimits
    headers: Mapping[str, str] | None
    host: str  # the given URL's: its headers go to this host only

    async def read_all(self, urls: list[str], how: str) -> list[FoundFeed]:
        """The candidates that are feeds, each once (two paths redirecting to one feed count once)."""
        found: dict[str, FoundFeed] = {}
        for candidate in urls:
            feed = await self.read(candidate, how)
            if feed is not None and feed.url not in found:
                found[feed.url] = feed
        return list(found.values())

    async def read(self, url: str, how: str) -> FoundFeed | None:
        """``url`` as a feed, or ``None`` if it is none (or cannot be fetched)."""
        try:
            headers = self.headers if host_of(url) == self.host else None
            result = await self.fetcher.fetch(url, max_bytes=self.max_bytes, headers=headers)
            return _read(result, url, how, self.limits)
        except FetchError:
            return None


def _read(result: FetchResult, url: str, how: str, limits: FeedLimits) -> FoundFeed:
    parsed = parse_feed(
        result.body, url=result.final_url, content_type=result.content_type, charset=result.charset, limits=limits
    )
    # a permanent redirect is where the feed lives now; a temporary one is not to be stored
    where = result.permanent_redirect or url
    return FoundFeed(url=where, kind=parsed.kind, title=parsed.title, items=len(parsed.items), how=how)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
