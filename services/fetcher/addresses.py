"""The fetcher's view of the outbound address policy, which lives in ``wirewatch/core/`` (shared by every
outbound client): :mod:`wirewatch.core.outbound` decides (metadata and link-local always blocked, the
``WIREWATCH_OUTBOUND_ALLOW`` allow-list, private networks for development, strict otherwise) and
:mod:`wirewatch.core.destinations` enforces it at connect time.

The names the fetcher always used are kept here; the two that refuse raise the fetcher's own
:class:`~wirewatch.services.fetcher.errors.BlockedAddress` (a ``FetchError``, so polls and page fetches
record it like any other fetch failure) instead of the core ``BlockedDestination``.

:func:`read_hosts_file` reads ``WIREWATCH_FETCHER_HOSTS_FILE``, a setting for tests and hostile-input drills
only: it pins names to addresses and exempts exactly those addresses, so a worker can treat a loopback test
server as a "public" first hop while every other private address stays refused. A file naming a metadata or
link-local address, in any spelling (``::ffff:169.254.169.254``), is refused outright.
"""

from __future__ import annotations

import socket

from aiohttp.abc import ResolveResult

from wirewatch.core import destinations
from wirewatch.core.errors import BlockedDestination
from wirewatch.core.outbound import (
    METADATA_ADDRESSES,
    AddressPolicy,
    IPAddress,
    IPNetwork,
    exempt_networks,
    literal_address,
    read_hosts_file,
)
from wirewatch.services.fetcher.errors import BlockedAddress

__all__ = [
    "METADATA_ADDRESSES",
    "AddressPolicy",
    "IPAddress",
    "IPNetwork",
    "SafeResolver",
    "check_literal_host",
    "check_url",
    "exempt_networks",
    "literal_address",
    "read_hosts_file",
]


class SafeResolver(destinations.SafeResolver):
    """The core resolver, raising the fetcher's :class:`BlockedAddress`."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            return await super().resolve(host, port, family)
        except BlockedDestination as exc:
            raise BlockedAddress(exc.reason, url=exc.url) from exc


def check_url(url: str, policy: AddressPolicy) -> None:
    """The core scheme and IP-literal check (:func:`wirewatch.core.destinations.check_url`), raising
    :class:`BlockedAddress`."""
    try:
        destinations.check_url(url, policy)
    except BlockedDestination as exc:
        raise BlockedAddress(exc.reason, url=url) from exc


def check_literal_host(host: str, policy: AddressPolicy, *, url: str) -> None:
    """Raise :class:`BlockedAddress` if ``host`` is an IP literal the policy refuses."""
    try:
        destinations.check_literal_host(host, policy, url=url)
    except BlockedDestination as exc:
        raise BlockedAddress(exc.reason, url=url) from exc
