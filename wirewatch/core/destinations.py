"""The outbound address policy (:mod:`wirewatch.core.outbound`) enforced at connect time.

* :class:`SafeResolver` is the only resolver of every outbound HTTP connector: it resolves, checks *every*
  address, and hands the connector exactly the addresses it checked, so a rebinding DNS server finds no gap
  between the check and the connect;
* :func:`check_url` covers what never reaches a resolver: the scheme and IP-literal hosts (legacy spellings
  such as ``2130706433`` included). A client calls it before each request and on every redirect hop;
* :func:`outbound_session` is an aiohttp session wired that way, which never decompresses by itself, keeps
  no cookies and ignores proxy variables (webhooks, chat);
* :func:`resolve_checked` is the same check for a client that opens its own socket (an SMTP sender): it
  returns the checked addresses, which are the only ones to connect to;
* :func:`refusal` answers "would this URL be refused?" ahead of time (``wirewatch rules add``/``import``).

Refusals raise :class:`~wirewatch.core.errors.BlockedDestination` before any connection is attempted.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable, Mapping, Sequence

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from wirewatch.core.errors import BlockedDestination
from wirewatch.core.outbound import AddressPolicy, literal_address, normal_host

SCHEMES = ("http", "https")


class SafeResolver(AbstractResolver):
    """Resolves with the system resolver (or ``hosts`` overrides), then refuses any blocked address."""

    def __init__(
        self,
        policy: AddressPolicy,
        hosts: Mapping[str, Sequence[str]] | None = None,
        inner: AbstractResolver | None = None,
    ) -> None:
        self._policy = policy
        self._hosts = {normal_host(name): list(addresses) for name, addresses in (hosts or {}).items()}
        self._inner = inner or ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Every address ``host`` resolves to, all of them checked; :class:`BlockedDestination` otherwise."""
        override = self._hosts.get(normal_host(host))
        results = _static(host, port, override) if override else await self._inner.resolve(host, port, family)
        for result in results:
            if (reason := self._policy.check(result["host"], host=host)) is not None:
                raise BlockedDestination(f"{host} resolves to {result['host']}: {reason}")
        return results

    async def close(self) -> None:
        """Release the inner resolver."""
        await self._inner.close()


def _static(host: str, port: int, addresses: Iterable[str]) -> list[ResolveResult]:
    return [
        ResolveResult(
            hostname=host,
            host=address,
            port=port,
            family=socket.AF_INET6 if ":" in address else socket.AF_INET,
            proto=0,
            flags=socket.AI_NUMERICHOST,
        )
        for address in addresses
    ]


def check_literal_host(host: str, policy: AddressPolicy, *, url: str | None = None) -> None:
    """Raise :class:`BlockedDestination` if ``host`` is an IP literal the policy refuses (a name: the
    resolver checks what it resolves to)."""
    if (address := literal_address(host)) is None:
        return
    if (reason := policy.check(address)) is not None:
        raise BlockedDestination(f"address {host} refused: {reason}", url=url)


def check_url(url: str, policy: AddressPolicy) -> URL:
    """The URL parsed exactly as aiohttp will parse it, after the scheme and IP-literal checks."""
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as exc:
        raise BlockedDestination(f"invalid URL: {exc}", url=url) from exc
    if parsed.scheme not in SCHEMES or not parsed.raw_host:
        raise BlockedDestination(f"only http(s) URLs with a host may be requested, not {url[:100]!r}", url=url)
    check_literal_host(parsed.raw_host, policy, url=url)
    return parsed


def outbound_session(
    policy: AddressPolicy,
    *,
    limit: int = 100,
    hosts: Mapping[str, Sequence[str]] | None = None,
    resolver: AbstractResolver | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: aiohttp.ClientTimeout | None = None,
    checking: type[SafeResolver] | None = None,
) -> aiohttp.ClientSession:
    """A session whose every connection goes through the policy (call :func:`check_url` before a request).

    Bodies arrive as sent (``auto_decompress=False``): a reader takes only the bytes it needs, so a small
    compressed answer can never inflate in memory. No per-host connection limit (callers that need one
    keep their own politeness), no cookies, no proxy from the environment. Given a ``resolver`` (a caching
    one that others consult too), the connector keeps no DNS cache of its own, so everyone agrees on the
    address connected to. ``checking`` is the resolver class that enforces the policy (a subclass raising a
    client's own error; :class:`SafeResolver` by default).
    """
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(
            resolver=(checking or SafeResolver)(policy, hosts, resolver),
            limit=limit,
            limit_per_host=0,
            use_dns_cache=resolver is None,
            ttl_dns_cache=300,
        ),
        headers=dict(headers or {}),
        timeout=timeout or aiohttp.ClientTimeout(total=None),
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        trust_env=False,
    )


async def resolve_checked(
    host: str, port: int, policy: AddressPolicy, *, resolver: AbstractResolver | None = None
) -> list[ResolveResult]:
    """The addresses to connect to for ``host:port``, every one allowed (a literal is checked as itself).

    For clients with their own sockets (SMTP): connect to one of *these* addresses, never resolve again.
    Raises :class:`BlockedDestination`, or ``OSError`` when the name does not resolve.
    """
    if (address := literal_address(host)) is not None:
        check_literal_host(host, policy)
        return _static(host, port, [address])
    safe = SafeResolver(policy, inner=resolver)
    try:
        return await safe.resolve(host, port, socket.AF_UNSPEC)
    finally:
        if resolver is None:
            await safe.close()


async def refusal(
    url: str, policy: AddressPolicy, *, resolver: AbstractResolver | None = None, timeout_s: float = 5.0
) -> str | None:
    """Why ``url`` would be refused now (its literal host, or what its name resolves to), else ``None``.

    A name that does not resolve (yet, or within ``timeout_s``) is not refused here: it is checked again at
    every connect.
    """
    try:
        parsed = check_url(url, policy)
        host = parsed.raw_host or ""
        if literal_address(host) is None:
            async with asyncio.timeout(timeout_s):
                await resolve_checked(host, parsed.port or 443, policy, resolver=resolver)
    except BlockedDestination as exc:
        return exc.reason
    except (OSError, TimeoutError):
        return None
    return None
