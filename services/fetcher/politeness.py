"""Per-host politeness: robots.txt, a concurrency limit, a minimum delay, and backing off when asked.

``async with politeness.slot(url): ...`` is the only way a worker should touch a host. It

1. checks robots.txt (:class:`~wirewatch.services.fetcher.robots.RobotsCache`, whose own fetch takes a turn
   like any request), raising :class:`~wirewatch.services.fetcher.errors.RobotsDisallowed` if the URL is off
   limits (retriable when robots.txt is only unreachable for now);
2. waits for one of the host's ``per_host_limit`` slots;
3. waits until ``min_delay_s`` (or the site's ``Crawl-delay``, up to ``max_crawl_delay_s``) has passed
   since the previous request to that host *started*, and until any back-off has expired.

``back_off(host, seconds)`` (or ``observe`` with a 429/503 and its ``Retry-After``) pushes the host's
next start into the future; requests already waiting honour it. State lives in this process only:
one replica owns a host, so no cross-process locking is needed.

**Per address too.** With an :class:`~wirewatch.services.fetcher.addressbook.AddressBook`, the host's name is
resolved before its turn (through the cache the connector reads, see that module for why this way) and the
request must also win a turn at each of its addresses: ``per_address_limit`` slots and an
``address_min_delay_s`` gap, shared by every name on that address. By default an address carries the pace
of four hosts (four times the slots, a quarter of the gap; ``WIREWATCH_FETCHER_PER_ADDRESS``,
``…_ADDRESS_MIN_DELAY_S``): many unrelated publishers sit behind one CDN address and should not share one
site's budget, while a feed listing ``a1.victim.example`` … ``a20000.victim.example``, all resolving to one
machine, reaches it at four hosts' pace, not 20,000. (The site's ``Crawl-delay`` and
``Retry-After`` back-offs stay with the host name that sent them: one tenant of a shared address must not
be able to stop us fetching its neighbours.)

**Bounded state.** Host and address states live in a :class:`~wirewatch.core.caches.BoundedCache`: at most
``max_hosts`` idle entries, each forgotten ``host_ttl_s`` after its last use (or when its back-off ends, if
later). A state with a request waiting or in flight is never dropped, so no request gets a fresh budget.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from wirewatch.core.caches import BoundedCache
from wirewatch.services.fetcher.addressbook import AddressBook
from wirewatch.services.fetcher.errors import FetchError, RobotsDisallowed
from wirewatch.services.fetcher.robots import RobotsCache
from wirewatch.services.fetcher.urls import host_of

BACK_OFF_STATUSES = frozenset({429, 503})
ADDRESS_SHARE = 4  # by default one address carries the pace of this many hosts
ADDRESS = "address "  # key prefix: an address's state never shares a key with a host's (an IP-literal host)


@dataclass(slots=True)
class HostState:
    """What we know about one host's traffic: its slots and when the next request may start."""

    slots: asyncio.Semaphore
    next_start: float = 0.0
    backoff_until: float = 0.0
    users: int = 0  # requests waiting for or holding a slot: while > 0 the state must not be evicted


class Politeness:
    """Per-host limits for one worker process."""

    def __init__(
        self,
        robots: RobotsCache | None = None,
        *,
        per_host_limit: int = 2,
        min_delay_s: float = 1.0,
        max_crawl_delay_s: float = 30.0,
        default_backoff_s: float = 60.0,
        addresses: AddressBook | None = None,
        per_address_limit: int | None = None,
        address_min_delay_s: float | None = None,
        max_hosts: int = 10_000,
        host_ttl_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.robots = robots
        self.per_host_limit = per_host_limit
        self.min_delay_s = min_delay_s
        self.max_crawl_delay_s = max_crawl_delay_s
        self.default_backoff_s = default_backoff_s
        self.addresses = addresses
        self.per_address_limit = per_address_limit or ADDRESS_SHARE * per_host_limit
        self.address_min_delay_s = min_delay_s / ADDRESS_SHARE if address_min_delay_s is None else address_min_delay_s
        self.host_ttl_s = host_ttl_s
        self._clock, self._sleep = clock, sleep
        self._hosts: BoundedCache[str, HostState] = BoundedCache(
            max_hosts, host_ttl_s, clock=clock, pinned=lambda state: state.users > 0
        )
        if robots is not None and robots.gate is None:
            robots.gate = self._turn

    def tracked(self) -> int:
        """How many hosts and addresses have state kept (at most ``max_hosts``, plus those in use)."""
        return len(self._hosts)

    @asynccontextmanager
    async def slot(self, url: str, *, check_robots: bool = True) -> AsyncIterator[None]:
        """Hold one of ``url``'s host slots, started no sooner than politeness allows."""
        delay = self.min_delay_s
        if check_robots and self.robots is not None:
            delay = await self._robots_delay(self.robots, url)
        async with self._turn(url, delay):
            yield

    @asynccontextmanager
    async def _turn(self, url: str, delay: float | None = None) -> AsyncIterator[None]:
        """The host's turn and, with an address book, each of its addresses' turns (always in that order)."""
        host = host_of(url)
        addresses = await self._addresses_of(host, url)
        states = [
            self._state(host),
            *(self._state(ADDRESS + address, self.per_address_limit) for address in addresses),
        ]
        delays = [self.min_delay_s if delay is None else delay, *(self.address_min_delay_s for _ in addresses)]
        async with AsyncExitStack() as stack:
            for state in states:  # pinned from now on, so waiting never loses its place to an eviction
                state.users += 1
                stack.callback(self._release, state)
            for state in states:
                await stack.enter_async_context(state.slots)
            await self._wait_turn(states, delays)
            yield

    async def _addresses_of(self, host: str, url: str) -> Sequence[str]:
        if self.addresses is None:
            return ()
        try:
            return await self.addresses.addresses(host)
        except FetchError as exc:
            exc.url = exc.url or url
            raise

    def _release(self, state: HostState) -> None:
        state.users -= 1

    def back_off(self, host: str, seconds: float) -> None:
        """Start no request to ``host`` for ``seconds`` from now (longer back-offs win)."""
        state = self._state(host)
        state.backoff_until = max(state.backoff_until, self._clock() + max(seconds, 0.0))
        self._keep(host, state)  # remembered at least until the back-off ends

    def observe(self, url: str, status: int | None, retry_after_s: float | None = None) -> None:
        """Feed back an answer: a 429/503 (or any ``Retry-After``) backs the host off."""
        if status in BACK_OFF_STATUSES or retry_after_s is not None:
            self.back_off(host_of(url), retry_after_s if retry_after_s is not None else self.default_backoff_s)

    def backoff_remaining_s(self, host: str) -> float:
        """Seconds until ``host`` may be contacted again because of a back-off (0 when free)."""
        state = self._hosts.get(host)
        return max(0.0, state.backoff_until - self._clock()) if state is not None else 0.0

    async def _robots_delay(self, robots: RobotsCache, url: str) -> float:
        rules = await robots.rules(url)
        if not rules.allows(url, robots.agent):
            error = RobotsDisallowed(f"robots.txt disallows ({rules.reason})", url=url)
            error.retriable = rules.disallow_all  # unreachable robots.txt: "no" for now, not for ever
            raise error
        crawl_delay = rules.crawl_delay_s(robots.agent) or 0.0
        return max(self.min_delay_s, min(crawl_delay, self.max_crawl_delay_s))

    def _state(self, key: str, limit: int | None = None) -> HostState:
        """The state for ``key``, created if needed; each use keeps it ``host_ttl_s`` longer."""
        state = self._hosts.get(key)
        if state is None:
            state = HostState(slots=asyncio.Semaphore(limit or self.per_host_limit))
        self._keep(key, state)
        return state

    def _keep(self, key: str, state: HostState) -> None:
        self._hosts.put(key, state, expires_at=max(self._clock() + self.host_ttl_s, state.backoff_until))

    async def _wait_turn(self, states: Sequence[HostState], delays: Sequence[float]) -> None:
        """Sleep until this request may start at every one of ``states``, then reserve their next starts.

        No lock is needed: between reading ``next_start`` and writing it there is no ``await``.
        """
        while True:
            now = self._clock()
            start = max(now, *(max(state.next_start, state.backoff_until) for state in states))
            if start <= now:
                for state, delay in zip(states, delays, strict=True):
                    state.next_start = now + delay
                return
            await self._sleep(start - now)
