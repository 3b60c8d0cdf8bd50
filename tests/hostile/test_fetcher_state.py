"""State growth in the fetcher (issue 13, finding 4): robots.txt verdicts and per-host politeness state are
bounded in number and forgotten after their expiry, and a huge robots.txt is capped and parsed without
stalling the event loop. Robots files come from a real loopback server; clocks are injected where time
matters."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import protego
import pytest
from aiohttp import web

from tests.unit.fetcher.conftest import FAST, Serve, app_with
from wirewatch.services.fetcher.http import SafeFetcher
from wirewatch.services.fetcher.politeness import Politeness
from wirewatch.services.fetcher.robots import MAX_RULES, RobotsCache

AGENT = "WirewatchBot"
#: ~500 KiB of the shortest rules there are (tens of thousands), just under the body cap
MANY_RULES = "User-agent: *\nDisallow: /private/\n" + "".join(f"Disallow: /x{n}\n" for n in range(28_000))
MANY_BYTES = MANY_RULES.encode()  # encoded once, so the server's copies are not counted as the client's memory
HUGE = 4 * 1024 * 1024


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def origins(serve: Serve) -> AsyncIterator[tuple[SafeFetcher, int, Counter[str]]]:
    """Names ``o0.test`` … pinned to one loopback server; robots.txt requests counted by origin name."""
    hits: Counter[str] = Counter()

    async def robots(request: web.Request) -> web.StreamResponse:
        name = request.host.split(":")[0]
        hits[name] += 1
        if name == "huge.test":  # several MiB, chunked: only the first 500 KiB is ever read
            response = web.StreamResponse(headers={"Content-Type": "text/plain"})
            await response.prepare(request)
            for _ in range(HUGE // len(MANY_BYTES) + 1):
                await response.write(MANY_BYTES)
            return response
        body = MANY_BYTES if name == "many.test" else b"User-agent: *\nDisallow: /private/\n"
        return web.Response(body=body, content_type="text/plain")

    base = await serve(app_with({"/robots.txt": robots}))
    port = int(base.rsplit(":", 1)[1])
    hosts = {name: ["127.0.0.1"] for name in [*(f"o{n}.test" for n in range(6)), "many.test", "huge.test"]}
    async with SafeFetcher(allow_private_networks=True, hosts=hosts, timeouts=FAST) as fetcher:
        yield fetcher, port, hits


async def test_robots_verdicts_are_evicted_beyond_the_bound_and_after_expiry(
    origins: tuple[SafeFetcher, int, Counter[str]],
) -> None:
    fetcher, port, hits = origins
    clock = Clock()
    robots = RobotsCache(fetcher, agent=AGENT, ttl_s=100, max_entries=3, clock=clock)
    for n in range(6):
        assert not await robots.allowed(f"http://o{n}.test:{port}/private/a")
    assert robots.cached() == 3  # before the fix: one verdict per origin for ever
    await robots.allowed(f"http://o5.test:{port}/a")  # still held: not fetched again
    await robots.allowed(f"http://o0.test:{port}/a")  # evicted: fetched again
    assert (hits["o5.test"], hits["o0.test"]) == (1, 2)
    clock.now += 101
    await robots.allowed(f"http://o1.test:{port}/a")  # everything expired: swept when the next verdict is stored
    assert robots.cached() == 1 and hits["o1.test"] == 2


async def test_host_state_is_bounded_and_expires_but_a_host_in_use_keeps_its_budget() -> None:
    clock = Clock()
    politeness = Politeness(per_host_limit=1, min_delay_s=0.0, max_hosts=10, host_ttl_s=60, clock=clock)
    async with politeness.slot("http://busy.test/a", check_robots=False):
        for n in range(500):  # a feed naming 500 hosts
            async with politeness.slot(f"http://h{n}.test/a", check_robots=False):
                pass
        assert politeness.tracked() <= 11  # before the fix: 501 states, kept for ever
        second = asyncio.ensure_future(politeness.slot("http://busy.test/b", check_robots=False).__aenter__())
        await asyncio.sleep(0.05)
        assert not second.done(), "busy.test's state was evicted while in use: a second request got a fresh slot"
    await asyncio.wait_for(second, 1)
    clock.now += 61
    async with politeness.slot("http://late.test/a", check_robots=False):
        pass
    assert politeness.tracked() <= 2  # the idle states expired and were swept (busy.test is still held)


async def test_a_huge_robots_txt_is_capped_and_parsed_off_the_event_loop(
    origins: tuple[SafeFetcher, int, Counter[str]],
) -> None:
    fetcher, port, _ = origins
    robots = RobotsCache(fetcher, agent=AGENT)
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.002)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    tracemalloc.start()  # tracing also slows a parse on the loop ×5, and so its stall; a thread's turns stay short
    try:
        many = await robots.rules(f"http://many.test:{port}/")
        huge = await robots.rules(f"http://huge.test:{port}/")
        await asyncio.sleep(0.02)  # let the ticker wake and record the gap a stall would have left
        ticking.cancel()
        held = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(True, f"{Path(protego.__file__).parent}/*")]
        )
    finally:
        tracemalloc.stop()
        ticking.cancel()
    assert not many.allows(f"http://many.test:{port}/private/a", AGENT)  # the rules before the cap still hold
    assert many.parser is not None
    kept = sum(len(group._rules) for group in many.parser._user_agents.values())
    assert kept <= MAX_RULES, f"{kept} rules kept for one origin"
    # several MiB: only the first 500 KiB read and parsed (RFC 9309), so its rules still hold
    assert huge.parser is not None and not huge.allows(f"http://huge.test:{port}/private/a", AGENT)
    retained = sum(stat.size for stat in held.statistics("filename"))  # what the parsed rules still hold
    assert retained < 512 * 1024, f"{retained / 2**20:.1f} MiB of parsed rules held for two origins"
    assert max(gaps) < 0.5, f"the event loop stalled {max(gaps):.2f} s while robots.txt was parsed"
