"""robots.txt read as RFC 9309 says (issue 15, item 4): ``*`` and ``$`` in paths, the longest match wins (``Allow``
on a tie), the most specific user-agent group applies, ``Crawl-delay`` and ``Sitemap`` are read. Each file is
served by a real loopback server and asked through :class:`RobotsCache`."""

from __future__ import annotations

import pytest
from aiohttp import web

from tests.unit.fetcher.conftest import Serve, app_with
from wirewatch.services.fetcher.http import SafeFetcher
from wirewatch.services.fetcher.robots import MAX_SITEMAPS, RobotsCache

WILDCARDS = """User-agent: *
Disallow: /*.pdf$
Disallow: /search/*
Disallow: /*?print=1
"""

PRECEDENCE = """User-agent: *
Disallow: /news/
Allow: /news/public/
Disallow: /news/public/drafts
Allow: /page
Disallow: /page
"""

GROUPS = """User-agent: *
Disallow: /

User-agent: wirewatchbot
User-agent: otherbot
Disallow: /only-for-us/
Crawl-delay: 7

User-agent: WirewatchBot-Images
Disallow: /images-bot/

Sitemap: https://example.org/sitemap.xml
"""


async def cache_for(serve: Serve, fetcher: SafeFetcher, text: str) -> tuple[RobotsCache, str]:
    async def robots(request: web.Request) -> web.Response:
        return web.Response(text=text, content_type="text/plain")

    base = await serve(app_with({"/robots.txt": robots}))
    return RobotsCache(fetcher, agent="WirewatchBot"), base


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/files/report.pdf", False),
        ("/files/report.pdf?download=1", True),  # `$`: the path must end there
        ("/files/report.pdfx", True),
        ("/search/", False),
        ("/search/anything?q=x", False),
        ("/searching", True),
        ("/story/1?print=1", False),
        ("/story/1?print=10", False),  # a prefix match, as every rule without `$`
        ("/story/1?print=0", True),
        ("/story/1", True),
    ],
)
async def test_wildcard_rules(serve: Serve, fetcher: SafeFetcher, path: str, allowed: bool) -> None:
    cache, base = await cache_for(serve, fetcher, WILDCARDS)
    assert await cache.allowed(base + path) is allowed  # urllib.robotparser allowed every one of these


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/news/world", False),
        ("/news/public/story", True),  # the longer Allow beats the shorter Disallow, whatever their order
        ("/news/public/drafts/1", False),  # and a still longer Disallow beats that Allow
        ("/page", True),  # equally long: Allow wins
        ("/other", True),
    ],
)
async def test_longest_match_wins(serve: Serve, fetcher: SafeFetcher, path: str, allowed: bool) -> None:
    cache, base = await cache_for(serve, fetcher, PRECEDENCE)
    assert await cache.allowed(base + path) is allowed


async def test_the_group_naming_our_agent_applies_alone(serve: Serve, fetcher: SafeFetcher) -> None:
    cache, base = await cache_for(serve, fetcher, GROUPS)
    assert not await cache.allowed(f"{base}/only-for-us/page")
    assert await cache.allowed(f"{base}/anything-else")  # the `*` group's `Disallow: /` is not ours
    assert await cache.allowed(f"{base}/images-bot/x")  # another product's group
    rules = await cache.rules(base)
    assert rules.crawl_delay_s("WirewatchBot") == 7.0
    assert rules.sitemaps == ["https://example.org/sitemap.xml"]


async def test_without_a_group_of_ours_the_star_group_applies(serve: Serve, fetcher: SafeFetcher) -> None:
    cache, base = await cache_for(serve, fetcher, GROUPS.replace("wirewatchbot", "somebot"))
    assert not await cache.allowed(f"{base}/anything")
    assert await cache.allowed(f"{base}/robots.txt")  # robots.txt itself is always allowed


async def test_garbage_is_no_rules(serve: Serve, fetcher: SafeFetcher) -> None:
    garbage = "\x00\xff<html><body>not robots</body></html>\nDisallow /x\n:::\nUser-agent\n" * 50
    cache, base = await cache_for(serve, fetcher, garbage)
    assert await cache.allowed(f"{base}/x")


async def test_sitemaps_are_capped(serve: Serve, fetcher: SafeFetcher) -> None:
    text = "".join(f"Sitemap: https://example.org/s{n}.xml\n" for n in range(MAX_SITEMAPS * 3))
    cache, base = await cache_for(serve, fetcher, text)
    assert len((await cache.rules(base)).sitemaps) == MAX_SITEMAPS
