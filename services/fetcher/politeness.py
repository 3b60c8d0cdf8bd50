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
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from wirewatch.services.fetcher.errors import RobotsDisallowed
from wirewatch.services.fetcher.robots import RobotsCache
from wirewatch.services.fetcher.urls import host_of

BACK_OFF_STATUSES = frozenset({429, 503})


@dataclass(slots=True)
class HostState:
    """What we know about one host's traffic: its slots and when the next request may start."""

    slots: asyncio.Semaphore
    next_start: float = 0.0
    backoff_until: float = 0.0


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
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.robots = robots
        self.per_host_limit = per_host_limit
        self.min_delay_s = min_delay_s
        self.max_crawl_delay_s = max_crawl_delay_s
        self.default_backoff_s = default_backoff_s
        self._clock, self._sleep = clock, sleep
        self._hosts: dict[str, HostState] = {}
        if robots is not None and robots.gate is None:
            robots.gate = self._turn

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
        state = self._state(host_of(url))
        async with state.slots:
            await self._wait_turn(state, self.min_delay_s if delay is None else delay)
            yield

    def back_off(self, host: str, seconds: float) -> None:
        """Start no request to ``host`` for ``seconds`` from now (longer back-offs win)."""
        state = self._state(host)
        state.backoff_until = max(state.backoff_until, self._clock() + max(seconds, 0.0))

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

    def _state(self, host: str) -> HostState:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = HostState(slots=asyncio.Semaphore(self.per_host_limit))
        return state

    async def _wait_turn(self, state: HostState, delay: float) -> None:
        """Sleep until this request may start, then reserve the next start time.

        No lock is needed: between reading ``next_start`` and writing it there is no ``await``.
        """
        while True:
            now = self._clock()
            start = max(now, state.next_start, state.backoff_until)
            if start <= now:
                state.next_start = now + delay
                return
            await self._sleep(start - now)
