"""Politeness against real servers: robots.txt, per-host concurrency and delay, Retry-After."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from tests.unit.fetcher.conftest import Serve, app_with
from wirewatch.services.fetcher.errors import HTTPStatusError, RobotsDisallowed
from wirewatch.services.fetcher.http import SafeFetcher
from wirewatch.services.fetcher.politeness import Politeness
from wirewatch.services.fetcher.robots import RobotsCache
from wirewatch.services.fetcher.urls import host_of

ROBOTS = """User-agent: *
Disallow: /private/
Crawl-delay: 0

User-agent: WirewatchBot
Disallow: /no-bots/
"""


@dataclass
class Recorder:
    """A site that records how many requests are in flight and when each arrived."""

    hold_s: float = 0.03
    active: int = 0
    max_active: int = 0
    arrivals: list[float] = field(default_factory=list)
    robots_hits: int = 0

    async def page(self, request: web.Request) -> web.Response:
        self.arrivals.append(time.monotonic())
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await asyncio.sleep(self.hold_s)
        finally:
            self.active -= 1
        return web.Response(text="ok")

    async def robots(self, request: web.Request) -> web.Response:
        self.robots_hits += 1
        return web.Response(text=ROBOTS, content_type="text/plain")

    def app(self) -> web.Application:
        return app_with({"/robots.txt": self.robots, "/{tail:.*}": self.page})


async def poll_many(politeness: Politeness, fetcher: SafeFetcher, urls: list[str]) -> list[float]:
    starts: list[float] = []

    async def one(url: str) -> None:
        async with politeness.slot(url):
            starts.append(time.monotonic())
            await fetcher.fetch(url)

    await asyncio.gather(*(one(url) for url in urls))
    return sorted(starts)


async def test_concurrency_and_delay_per_host(serve: Serve, fetcher: SafeFetcher) -> None:
    site = Recorder()
    base = await serve(site.app())
    politeness = Politeness(RobotsCache(fetcher), per_host_limit=2, min_delay_s=0.02)
    starts = await poll_many(politeness, fetcher, [f"{base}/item/{n}" for n in range(50)])
    assert len(site.arrivals) == 50 and site.robots_hits == 1
    assert site.max_active == 2  # requests overlapped, but never more than two
    client_gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(client_gaps) >= 0.02 - 1e-3
    server_gaps = [b - a for a, b in zip(site.arrivals, site.arrivals[1:], strict=False)]
    assert min(server_gaps) >= 0.01  # arrival times also carry loopback and scheduling jitter


async def test_without_politeness_the_same_load_overlaps(serve: Serve, fetcher: SafeFetcher) -> None:
    """The control for the test above: the recorder does see higher concurrency when not limited."""
    site = Recorder()
    base = await serve(site.app())
    unlimited = Politeness(per_host_limit=50, min_delay_s=0.0)
    await poll_many(unlimited, fetcher, [f"{base}/item/{n}" for n in range(50)])
    assert site.max_active > 2


async def test_hosts_do_not_wait_for_each_other(serve: Serve, fetcher: SafeFetcher) -> None:
    first, second = Recorder(hold_s=0.0), Recorder(hold_s=0.0)
    base_a = await serve(first.app(), host="127.0.0.1")
    base_b = await serve(second.app(), host="127.0.0.3")
    politeness = Politeness(per_host_limit=1, min_delay_s=0.2)
    started = time.monotonic()
    await poll_many(politeness, fetcher, [f"{base_a}/x", f"{base_b}/y"])
    assert time.monotonic() - started < 0.15  # different hosts: no shared delay


@pytest.mark.parametrize(
    ("robots_txt", "disallowed", "allowed"),
    [
        ("User-agent: *\nDisallow: /private/\n", "/private/report", "/public/story"),
        (ROBOTS, "/no-bots/page", "/private/report"),  # our own group replaces the * group
    ],
)
async def test_robots_disallow_is_respected(
    serve: Serve, fetcher: SafeFetcher, robots_txt: str, disallowed: str, allowed: str
) -> None:
    site = Recorder()

    async def robots(request: web.Request) -> web.Response:
        site.robots_hits += 1
        return web.Response(text=robots_txt)

    base = await serve(app_with({"/robots.txt": robots, "/{tail:.*}": site.page}))
    politeness = Politeness(RobotsCache(fetcher), min_delay_s=0.0)
    with pytest.raises(RobotsDisallowed) as caught:
        async with politeness.slot(base + disallowed):
            pytest.fail("entered a disallowed slot")
    assert caught.value.error_class == "robots" and not caught.value.retriable
    async with politeness.slot(base + allowed):
        await fetcher.fetch(base + allowed)
    assert site.robots_hits == 1  # cached per origin
    assert len(site.arrivals) == 1


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (403, True), (500, False), (503, False), (429, False)])
async def test_robots_errors(serve: Serve, fetcher: SafeFetcher, status: int, allowed: bool) -> None:
    async def robots(request: web.Request) -> web.Response:
        return web.Response(status=status, text="no robots here")

    base = await serve(app_with({"/robots.txt": robots}))
    cache = RobotsCache(fetcher)
    assert await cache.allowed(f"{base}/anything") is allowed


async def test_robots_unreachable_is_retried_after_the_error_ttl(serve: Serve, fetcher: SafeFetcher) -> None:
    answers = iter([500, 200])
    hits = 0

    async def robots(request: web.Request) -> web.Response:
        nonlocal hits
        hits += 1
        status = next(answers)
        return web.Response(status=status, text="User-agent: *\nDisallow: /x\n")

    now = [1000.0]
    base = await serve(app_with({"/robots.txt": robots}))
    cache = RobotsCache(fetcher, ttl_s=3600, error_ttl_s=60, clock=lambda: now[0])
    assert await cache.allowed(f"{base}/y") is False  # 5xx: nothing for now
    now[0] += 30
    assert await cache.allowed(f"{base}/y") is False and hits == 1
    now[0] += 31
    assert await cache.allowed(f"{base}/y") is True and hits == 2
    assert await cache.allowed(f"{base}/x") is False


async def test_concurrent_callers_share_one_robots_fetch(serve: Serve, fetcher: SafeFetcher) -> None:
    site = Recorder()
    base = await serve(site.app())
    cache = RobotsCache(fetcher)
    results = await asyncio.gather(*(cache.allowed(f"{base}/p/{n}") for n in range(20)))
    assert all(results) and site.robots_hits == 1


async def test_retry_after_backs_the_host_off(serve: Serve, fetcher: SafeFetcher) -> None:
    arrivals: list[float] = []

    async def limited(request: web.Request) -> web.Response:
        arrivals.append(time.monotonic())
        if len(arrivals) == 1:
            return web.Response(status=429, headers={"Retry-After": "1"})
        return web.Response(text="ok")

    base = await serve(app_with({"/feed": limited}))
    politeness = Politeness(min_delay_s=0.0)
    with pytest.raises(HTTPStatusError) as caught:
        async with politeness.slot(f"{base}/feed", check_robots=False):
            await fetcher.fetch(f"{base}/feed")
    politeness.observe(f"{base}/feed", caught.value.status, caught.value.retry_after_s)
    assert politeness.backoff_remaining_s(host_of(base)) > 0.9
    async with politeness.slot(f"{base}/feed", check_robots=False):
        await fetcher.fetch(f"{base}/feed")
    assert arrivals[1] - arrivals[0] >= 0.95


async def test_back_off_reaches_requests_already_waiting() -> None:
    politeness = Politeness(min_delay_s=0.05)
    url = "http://news.example/feed"
    async with politeness.slot(url, check_robots=False):
        pass
    started = time.monotonic()
    waiter = asyncio.ensure_future(politeness.slot(url, check_robots=False).__aenter__())
    await asyncio.sleep(0.01)
    politeness.back_off("news.example", 0.3)  # arrives while the waiter sleeps off the delay
    await waiter
    assert time.monotonic() - started >= 0.3 - 1e-3


def test_observe_ignores_ordinary_answers() -> None:
    politeness = Politeness()
    politeness.observe("http://a.example/", 200)
    politeness.observe("http://a.example/", 404)
    assert politeness.backoff_remaining_s("a.example") == 0.0
    politeness.observe("http://a.example/", 503)
    assert politeness.backoff_remaining_s("a.example") == pytest.approx(60.0, abs=1.0)


async def test_crawl_delay_is_honoured_up_to_the_cap(serve: Serve, fetcher: SafeFetcher) -> None:
    site = Recorder(hold_s=0.0)

    async def robots(request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nCrawl-delay: 5\n")

    base = await serve(app_with({"/robots.txt": robots, "/{tail:.*}": site.page}))
    politeness = Politeness(RobotsCache(fetcher), min_delay_s=0.0, max_crawl_delay_s=0.2)
    starts = await poll_many(politeness, fetcher, [f"{base}/a", f"{base}/b", f"{base}/c"])
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.2 - 1e-3 and max(gaps) < 1.0
