"""Which addresses a host name stands for, as the connector will see them: one cached resolver for both.

Politeness must know a request's address *before* the request, so that many names on one machine
(``a1.victim.example``, ``a2.victim.example``, … all resolving to one address) share one budget instead of
each getting its own. Two ways were possible: take the politeness turn inside the connector's resolver
hook, or resolve first and key politeness by the answer. The hook only runs for new connections (a
pooled connection skips it) and cannot hold a slot for the length of a request, so we resolve first: a
:class:`CachingResolver` sits under both the connector's
:class:`~wirewatch.services.fetcher.addresses.SafeResolver` and the :class:`AddressBook` that politeness
asks, so both read the same cached answer and the address politeness waited for is the address connected
to (a rebinding DNS server cannot answer one thing to politeness and another to the connector, except when
an answer expires between the two). The cache is a :class:`~wirewatch.core.caches.BoundedCache`, so names
from a hostile feed never pile up; failures are not cached.

A name that cannot be resolved, or resolves to a refused address, fails in :meth:`AddressBook.addresses`
with the error the fetch would have raised (:class:`DNSError`, :class:`BlockedAddress`): politeness never
lets a request through without knowing where it goes.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping, Sequence

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from wirewatch.core.caches import BoundedCache
from wirewatch.services.fetcher.addresses import AddressPolicy, SafeResolver, literal_address
from wirewatch.services.fetcher.errors import DNSError, FetchError

DNS_TTL_S = 300.0  # what the connector's own DNS cache keeps an answer for


class CachingResolver(AbstractResolver):
    """An inner resolver's answers kept for ``ttl_s`` (at most ``max_entries`` names)."""

    def __init__(
        self,
        inner: AbstractResolver | None = None,
        *,
        max_entries: int = 10_000,
        ttl_s: float = DNS_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner or ThreadedResolver()
        self._answers: BoundedCache[tuple[str, int], list[ResolveResult]] = BoundedCache(
            max_entries, ttl_s, clock=clock
        )

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The cached answer for ``host`` (resolved now if there is none), for ``port``."""
        key = (host.lower().rstrip("."), int(family))
        answer = self._answers.get(key)
        if answer is None:
            answer = await self._inner.resolve(host, 0, family)
            self._answers.put(key, answer)
        return [_with_port(result, port) for result in answer]

    async def close(self) -> None:
        """Release the inner resolver."""
        await self._inner.close()


class AddressBook:
    """``addresses(host)``: the checked addresses ``host`` resolves to, through the connector's cache."""

    def __init__(
        self,
        policy: AddressPolicy,
        hosts: Mapping[str, Sequence[str]] | None = None,
        resolver: CachingResolver | None = None,
    ) -> None:
        self._resolver = SafeResolver(policy, hosts, resolver or CachingResolver())

    async def addresses(self, host: str) -> tuple[str, ...]:
        """Sorted, distinct addresses of ``host`` (an IP literal is its own); a ``FetchError`` otherwise."""
        if (literal := literal_address(host)) is not None:
            return (literal,)
        try:
            results = await self._resolver.resolve(host, 0, socket.AF_UNSPEC)
        except FetchError:
            raise
        except OSError as exc:  # what the connector would turn into ClientConnectorDNSError
            raise DNSError(f"cannot resolve host {host}: {exc}", url=None) from exc
        return tuple(sorted({result["host"] for result in results}))


def _with_port(result: ResolveResult, port: int) -> ResolveResult:
    copy = result.copy()
    copy["port"] = port
    return copy
