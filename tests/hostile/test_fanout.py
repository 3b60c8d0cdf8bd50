"""Fan-out and state growth in the fetcher (issue 13, finding 4), against real loopback servers.

A hostile feed lists thousands of items: the fetcher must keep a bounded number of page fetches (and of
asyncio tasks) in flight, leave room for other feeds, and treat many names resolving to one address as
one host. Names are pinned to loopback addresses the way ``WIREWATCH_FETCHER_HOSTS_FILE`` pins them;
servers count what they see themselves, so the bounds are measured where a victim would feel them.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from tests.hostile.test_page_outcomes import MemoryKnownUrls
from tests.unit.fetcher.conftest import FAST
from wirewatch.core.kafka import Outgoing
from wirewatch.schemas import FeedItem
from wirewatch.services.fetcher.addressbook import AddressBook, CachingResolver
from wirewatch.services.fetcher.addresses import AddressPolicy, exempt_networks
from wirewatch.services.fetcher.http import SafeFetcher
from wirewatch.services.fetcher.ingest import PageIngest, Source
from wirewatch.services.fetcher.politeness import Politeness

PAGE = "<html><body><article><p>Filler for a hostile feed.</p></article></body></html>"


@dataclass
class Spread:
    """One site answering on several loopback addresses (one port); counts requests in flight per address."""

    addresses: Sequence[str]
    hold_s: float = 0.01
    port: int = 0
    active: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)
    total_active: int = 0
    total_peak: int = 0
    arrivals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    served: Counter[str] = field(default_factory=Counter)  # by Host header's first label

    async def page(self, request: web.Request) -> web.Response:
        address = request.transport.get_extra_info("sockname")[0] if request.transport else "?"
        self.arrivals[address].append(time.monotonic())
        self.active[address] += 1
        self.total_active += 1
        self.peak[address] = max(self.peak[address], self.active[address])
        self.total_peak = max(self.total_peak, self.total_active)
        try:
            await asyncio.sleep(self.hold_s)
        finally:
            self.active[address] -= 1
            self.total_active -= 1
        self.served[request.host.split(".", 1)[1].split(":")[0]] += 1
        # one connection per request: no idle keep-alive handlers left around to blur the task count
        return web.Response(text=PAGE, content_type="text/html", headers={"Connection": "close"})

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Spread]:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self.page)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        try:
            for address in self.addresses:  # the first picks a free port, the others share it
                await web.TCPSite(runner, address, self.port).start()
                self.port = self.port or runner.addresses[0][1]
            yield self
        finally:
            await runner.cleanup()


@dataclass
class Fetching:
    """The worker's page path (``PageIngest`` + politeness by host and address + ``SafeFetcher``)."""

    ingest: PageIngest
    sent: list[Outgoing]

    def items(self, names: Sequence[str], port: int, feed: str = "f") -> list[FeedItem]:
        return [FeedItem(link=f"http://{name}:{port}/{feed}/{n}") for n, name in enumerate(names)]


@asynccontextmanager
async def fetching(
    hosts: Mapping[str, Sequence[str]],
    *,
    max_in_flight: int,
    per_feed: int,
    per_host: int = 2,
    delay_s: float = 0.0,
    per_address: int | None = None,
    address_delay_s: float | None = None,
) -> AsyncIterator[Fetching]:
    policy = AddressPolicy(allowed_networks=exempt_networks(hosts))
    resolver = CachingResolver()
    sent: list[Outgoing] = []

    async def send(messages: Sequence[Outgoing]) -> None:
        sent.extend(messages)

    async with SafeFetcher(policy=policy, hosts=hosts, resolver=resolver, timeouts=FAST) as fetcher:
        politeness = Politeness(
            None,
            per_host_limit=per_host,
            min_delay_s=delay_s,
            per_address_limit=per_address,
            address_min_delay_s=address_delay_s,
            addresses=AddressBook(policy, hosts, resolver),
        )
        ingest = PageIngest(
            fetcher=fetcher,
            politeness=politeness,
            known=MemoryKnownUrls(),  # type: ignore[arg-type]
            send=send,
            pages_topic="t.pages",
            deadletter_topic="t.deadletters",
            max_bytes=1024 * 1024,
            attempts=3,
            max_in_flight=max_in_flight,
            per_feed=per_feed,
        )
        yield Fetching(ingest, sent)


@asynccontextmanager
async def task_sampler() -> AsyncIterator[list[int]]:
    """Samples how many asyncio tasks exist, every few milliseconds, while the block runs."""
    samples: list[int] = []

    async def sample() -> None:
        while True:
            samples.append(len(asyncio.all_tasks()))
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(sample())
    try:
        yield samples
    finally:
        ticker.cancel()


def spread_names(count: int, addresses: Sequence[str], domain: str) -> dict[str, list[str]]:
    """``count`` distinct names under ``domain``, pinned round-robin to ``addresses``."""
    cycle: Iterator[str] = itertools.cycle(addresses)
    return {f"s{n}.{domain}": [next(cycle)] for n in range(count)}


async def test_a_feed_of_thousands_of_items_keeps_a_bounded_number_in_flight() -> None:
    """2,000 items on 2,000 names over 16 addresses: at most ``per_feed`` reach the servers at once, and the
    worker never holds a task per item (before the fix: one task per item, ~100 requests at once)."""
    addresses = [f"127.0.3.{n}" for n in range(1, 17)]
    hosts = spread_names(2000, addresses, "spread.test")
    async with (
        Spread(addresses).running() as site,
        fetching(hosts, max_in_flight=16, per_feed=6) as rig,
        task_sampler() as tasks,
    ):
        outcome = await asyncio.wait_for(rig.ingest.ingest(Source("f", None), rig.items(list(hosts), site.port)), 240)
    assert (outcome.new, outcome.pending) == (2000, 0) and len(rig.sent) == 2000
    assert site.total_peak <= 6, f"{site.total_peak} requests in flight at once for one feed bounded to 6"
    assert max(tasks) < 200, f"{max(tasks)} asyncio tasks at once for a bound of 6 fetches"


async def test_other_feeds_do_not_starve_behind_a_huge_one() -> None:
    """A feed of 1,500 slow items is under way when a feed of 5 items arrives: the small feed finishes
    while the huge one has barely started (before the fix: it queued behind the huge one's requests)."""
    addresses = [f"127.0.5.{n}" for n in range(1, 9)]
    huge_hosts = spread_names(1500, addresses, "huge.test")
    small_hosts = spread_names(5, addresses, "small.test")
    async with (
        Spread(addresses, hold_s=0.05).running() as site,
        fetching({**huge_hosts, **small_hosts}, max_in_flight=8, per_feed=4) as rig,
    ):
        huge = asyncio.create_task(rig.ingest.ingest(Source("huge", None), rig.items(list(huge_hosts), site.port)))
        while site.served["huge.test"] < 20:  # noqa: ASYNC110 — a counter the server bumps, with no event
            await asyncio.sleep(0.01)
        started = time.monotonic()
        small = await asyncio.wait_for(
            rig.ingest.ingest(Source("small", None), rig.items(list(small_hosts), site.port, feed="g")), 60
        )
        took, huge_done = time.monotonic() - started, site.served["huge.test"]
        huge.cancel()
    assert small.new == 5 and small.pending == 0 and site.served["small.test"] == 5
    assert huge_done < 750, f"the small feed waited until {huge_done} of the huge feed's 1,500 pages were served"
    assert took < 20


@pytest.mark.parametrize(
    ("per_address", "address_delay_s", "host_delay_s"),
    [(2, 0.25, 0.25), (None, None, 1.0)],  # explicit; the worker's default: four hosts' pace (8 slots, 0.25 s)
    ids=["explicit", "default"],
)
async def test_wildcard_names_on_one_address_share_one_host_budget(
    per_address: int | None, address_delay_s: float | None, host_delay_s: float
) -> None:
    """Twelve names (``a0.victim.test`` …) all resolving to one address: the address sees at most its limit
    at once and its gap between requests (before the fix: all twelve at once, one host's gap each)."""
    victim = "127.0.4.1"
    hosts = {f"a{n}.victim.test": [victim] for n in range(12)}
    async with (
        Spread([victim], hold_s=0.05).running() as site,
        fetching(
            hosts,
            max_in_flight=64,
            per_feed=64,
            per_host=2,
            delay_s=host_delay_s,
            per_address=per_address,
            address_delay_s=address_delay_s,
        ) as rig,
    ):
        outcome = await asyncio.wait_for(rig.ingest.ingest(Source("f", None), rig.items(list(hosts), site.port)), 60)
    arrivals = site.arrivals[victim]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert outcome.new == 12 and len(arrivals) == 12
    limit = per_address or 8
    assert site.peak[victim] <= limit, f"{site.peak[victim]} requests at once at one address (limit {limit})"
    assert min(gaps) > 0.15, f"requests to one address {min(gaps):.3f} s apart (gap 0.25 s)"
    assert arrivals[-1] - arrivals[0] > 11 * 0.2
