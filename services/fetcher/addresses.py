"""Which IP addresses the fetcher may connect to, and a resolver that enforces it.

Server-side request forgery is the risk: a feed (or a redirect, or a DNS answer) pointing at
``127.0.0.1``, ``10.x``, or a cloud metadata endpoint such as ``169.254.169.254``. The defence:

* :class:`SafeResolver` is the connector's only resolver: it resolves, checks *every* address against
  the :class:`AddressPolicy`, and hands the connector exactly the addresses it checked, so there is no
  gap between the check and the connect for a rebinding DNS server to exploit;
* IP-literal URLs never reach a resolver, so :func:`check_literal_host` covers them before each hop;
* addresses embedded in IPv6 (v4-mapped, 6to4, Teredo, NAT64) are checked as the IPv4 they carry.

Strict by default. ``allow_private_networks`` opens private/loopback ranges (local development) but never
the metadata endpoints; ``allowed_networks`` exempts specific networks (tests use it to treat one
loopback address as "public").

:func:`read_hosts_file` reads ``WIREWATCH_FETCHER_HOSTS_FILE``, a setting for tests and hostile-input
drills only: it pins names to addresses and exempts exactly those addresses, so a worker can treat a
loopback test server as a "public" first hop while every other private address (a redirect to
``127.0.0.1``, ``10.0.0.1``, the metadata endpoint) stays refused. It is unset by default, and a file
naming a metadata address is refused outright.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from wirewatch.services.fetcher.errors import BlockedAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task credentials
        "169.254.169.253",  # AWS VPC DNS
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::253",
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Decides whether an address is fetchable; ``check`` returns why not, or ``None``."""

    allow_private_networks: bool = False
    allowed_networks: tuple[IPNetwork, ...] = field(default=())

    @classmethod
    def exempting(cls, *networks: str) -> AddressPolicy:
        """Strict, except for ``networks`` (e.g. ``"127.0.0.2/32"`` for a test server)."""
        return cls(allowed_networks=tuple(ipaddress.ip_network(network) for network in networks))

    def check(self, address: str) -> str | None:
        """``None`` if ``address`` may be connected to, else a short reason."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"not an IP address: {address!r}"
        return self._check_ip(ip)

    def _check_ip(self, ip: IPAddress) -> str | None:
        if any(ip in network for network in self.allowed_networks if network.version == ip.version):
            return None
        if ip in METADATA_ADDRESSES:
            return "cloud metadata endpoint"
        if (embedded := _embedded_ipv4(ip)) is not None:
            return self._check_ip(embedded)
        if self.allow_private_networks:
            return None
        return _non_public_reason(ip)


def read_hosts_file(path: Path) -> dict[str, list[str]]:
    """``ADDRESS NAME [NAME…]`` lines (``#`` comments) → ``{name: [address, …]}``; ``ValueError`` if bad."""
    hosts: dict[str, list[str]] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        address, names = fields[0], fields[1:]
        try:
            ip = ipaddress.ip_address(address)
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: {address!r} is not an IP address") from exc
        if ip in METADATA_ADDRESSES or not names:
            raise ValueError(f"{path}:{number}: metadata addresses and lines without names are refused")
        for name in names:
            hosts.setdefault(name.lower().rstrip("."), []).append(str(ip))
    return hosts


def exempt_networks(hosts: Mapping[str, Sequence[str]]) -> tuple[IPNetwork, ...]:
    """Exactly the addresses a hosts file pins (each as a single-address network)."""
    addresses = sorted({address for listed in hosts.values() for address in listed})
    return tuple(ipaddress.ip_network(address) for address in addresses)


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _non_public_reason(ip: IPAddress) -> str | None:
    for reason, flag in (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("not globally routable", not ip.is_global),
    ):
        if flag:
            return reason
    return None


def check_literal_host(host: str, policy: AddressPolicy, *, url: str) -> None:
    """Raise :class:`BlockedAddress` if ``host`` is an IP literal the policy refuses.

    Legacy IPv4 spellings (``2130706433``, ``0x7f.1``, ``127.1``) count as the address they mean.
    """
    if (address := literal_address(host)) is None:
        return  # a name: the resolver checks what it resolves to
    if (reason := policy.check(address)) is not None:
        raise BlockedAddress(f"address {host} refused: {reason}", url=url)


def literal_address(host: str) -> str | None:
    """The IP address ``host`` spells, or ``None`` if it is a name."""
    bare = host.strip("[]").rstrip(".")
    try:
        return str(ipaddress.ip_address(bare.split("%", 1)[0]))
    except ValueError:
        pass
    if not all(part.isalnum() for part in bare.split(".")) or not bare[:1].isdigit():
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(bare))
    except OSError:
        return None


class SafeResolver(AbstractResolver):
    """Resolves with the system resolver (or ``hosts`` overrides), then refuses any blocked address."""

    def __init__(
        self,
        policy: AddressPolicy,
        hosts: Mapping[str, Sequence[str]] | None = None,
        inner: AbstractResolver | None = None,
    ) -> None:
        self._policy = policy
        self._hosts = {name.lower().rstrip("."): list(addresses) for name, addresses in (hosts or {}).items()}
        self._inner = inner or ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Every address ``host`` resolves to, all of them checked; :class:`BlockedAddress` otherwise."""
        override = self._hosts.get(host.lower().rstrip("."))
        results = _static(host, port, override) if override else await self._inner.resolve(host, port, family)
        for result in results:
            if (reason := self._policy.check(result["host"])) is not None:
                raise BlockedAddress(f"{host} resolves to {result['host']}: {reason}", url=None)
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
