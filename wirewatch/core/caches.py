"""A small bounded cache: least-recently-used eviction plus per-entry expiry.

State a worker keeps per host, per origin or per name must not grow with what a hostile input names: a
feed listing 20,000 subdomains would otherwise leave 20,000 entries behind for ever. :class:`BoundedCache`
holds at most ``max_entries`` entries (evicting the least recently used) and forgets an entry once its
expiry (``ttl_s`` after it was stored, unless the caller gives its own) has passed.

An entry that is still in use (a host whose request slot is held, say) must not be dropped, or a fresh
copy would start with a fresh budget: ``pinned`` tells the cache which values to keep past their expiry
and past the bound. Pinned entries are bounded by whatever bounds their use (the fetches in flight).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most ``max_entries`` values (plus pinned ones), each forgotten after its expiry."""

    def __init__(
        self,
        max_entries: int,
        ttl_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        pinned: Callable[[V], bool] | None = None,
    ) -> None:
        if max_entries < 1:
            raise ValueError("a bounded cache needs room for at least one entry")
        self.max_entries, self.ttl_s = max_entries, ttl_s
        self._clock = clock
        self._pinned = pinned or (lambda _value: False)
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The live value for ``key`` (now the most recently used), or ``None``."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at <= self._clock() and not self._pinned(value):
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V, *, expires_at: float | None = None) -> None:
        """Store ``value`` until ``expires_at`` (default: ``ttl_s`` from now), evicting as needed."""
        now = self._clock()
        self._entries[key] = (now + self.ttl_s if expires_at is None else expires_at, value)
        self._entries.move_to_end(key)
        self._evict(now)

    def pop(self, key: K) -> V | None:
        """Forget ``key``; its value, if it had one."""
        entry = self._entries.pop(key, None)
        return entry[1] if entry is not None else None

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def keys(self) -> Iterator[K]:
        """Keys from least to most recently used (expired ones included until they are evicted)."""
        return iter(list(self._entries))

    def _evict(self, now: float) -> None:
        """Drop expired entries from the old end, then the least recently used beyond the bound.

        Pinned entries are skipped: the cache may sit above its bound while they are in use.
        """
        excess = len(self._entries) - self.max_entries
        doomed: list[K] = []
        for key, (expires_at, value) in self._entries.items():  # oldest first; stops at the first keeper
            if len(doomed) >= excess and expires_at > now:
                break
            if not self._pinned(value):
                doomed.append(key)
        for key in doomed:
            del self._entries[key]
