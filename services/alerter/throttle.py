"""Throttled rules (``rule.throttle_minutes``): at most one message per rule per window.

The first match after a quiet window is sent at once and opens a window; matches inside the window are
held back (ledger status ``throttled``) and go out together as one digest when it ends, which opens the
next window. State lives in the ledger (when the rule's last message went out, when its held alerts are
due), so a restarted alerter picks up where the last one stopped; this process keeps a copy per rule.

Replicas each keep their own copy: two replicas that see the same rule in the same instant may both
send. That is the price of not serialising every throttled match through Elasticsearch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wirewatch.schemas import Rule

#: when a throttled rule last sent a message and when its held alerts are due (both may be unknown)
WindowState = tuple[datetime | None, datetime | None]
WindowLoader = Callable[[str], Awaitable[WindowState]]
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Window:
    """One rule's throttle window."""

    length: timedelta
    last_message_at: datetime | None = None
    digest_due: datetime | None = None

    def ends_at(self) -> datetime | None:
        return None if self.last_message_at is None else self.last_message_at + self.length

    def admit(self, now: datetime) -> datetime | None:
        """A new match: None means send it now (the window restarts now); otherwise hold it until the
        returned time, when the digest it joins is due. While a digest is pending, matches join it."""
        if self.digest_due is not None:
            return self.digest_due
        end = self.ends_at()
        if end is not None and now < end:
            self.digest_due = end
            return end
        self.last_message_at = now
        return None

    def flush_at(self, now: datetime) -> datetime | None:
        """Held alerts came due: None means send the digest now; otherwise they wait until the returned
        time (another message went out since they were held, so the window moved)."""
        end = self.ends_at()
        if end is not None and now < end:
            self.digest_due = end
            return end
        return None

    def sent(self, at: datetime) -> None:
        """A digest went out: it opens the next window and nothing is pending any more."""
        self.last_message_at = at
        self.digest_due = None


class Throttler:
    """The windows of every throttled rule this process has seen, loaded from the ledger on first use."""

    def __init__(self, load: WindowLoader, clock: Clock = utcnow) -> None:
        self.load = load
        self.clock = clock
        self._windows: dict[str, Window] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def window(self, rule: Rule) -> Window:
        length = timedelta(minutes=rule.throttle_minutes or 0)
        async with self._locks.setdefault(rule.id, asyncio.Lock()):
            window = self._windows.get(rule.id)
            if window is None:
                last, due = await self.load(rule.id)
                window = self._windows[rule.id] = Window(length, last, due)
            window.length = length  # the rule may have been edited
            return window

    async def admit(self, rule: Rule) -> datetime | None:
        """None: send now. Otherwise: hold until the returned time. Unthrottled rules always send now."""
        if not rule.throttle_minutes:
            return None
        return (await self.window(rule)).admit(self.clock())

    async def flush_at(self, rule: Rule) -> datetime | None:
        if not rule.throttle_minutes:
            return None
        return (await self.window(rule)).flush_at(self.clock())

    async def sent(self, rule: Rule, at: datetime) -> None:
        if rule.throttle_minutes:
            (await self.window(rule)).sent(at)
