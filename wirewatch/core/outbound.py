"""Which addresses any outbound client may connect to: the one address policy of Wirewatch.

Server-side request forgery is the risk: a feed, a redirect, a DNS answer, a webhook URL of a rule or a
WebSub hub pointing at ``127.0.0.1``, ``10.x``, the stack's own Elasticsearch, or a cloud's metadata and
credential endpoints. Every outbound client (the fetcher, the alerter's webhooks and chat bodies, WebSub
hub requests, an SMTP sender) checks its destinations with :class:`AddressPolicy`; the resolver and the
connect helpers that enforce it at connect time are in :mod:`wirewatch.core.destinations`.

Three tiers, checked in this order on the address *after* normalisation (IPv4 embedded in IPv6 — v4-mapped,
v4-compatible, 6to4, Teredo, NAT64 — is checked as the IPv4 it carries, as well as itself):

1. **always blocked**, whatever the settings say: cloud metadata and credential endpoints (AWS, GCP, Azure
   including its wire server ``168.63.129.16``, Alibaba, Oracle, the ``fd00:ec2::/32`` range) and *all* of
   link-local (``169.254.0.0/16``, ``fe80::/10``), where such endpoints live;
2. **allowed**: the networks and host names of the allow-list (``WIREWATCH_OUTBOUND_ALLOW``, a hosts file's
   pinned addresses in drills), or any private address when ``allow_private_networks`` is on (development);
3. **strict**: everything not globally routable is refused (loopback, private, site-local ``fec0::/10``,
   shared, reserved, multicast, unspecified).

:func:`read_hosts_file` reads the fetcher's test-and-drill hosts file; a line naming an always-blocked
address (in any spelling) is refused outright. :func:`parse_allow_list` reads the allow-list setting and
refuses an entry that names only always-blocked addresses, so such a setting fails at start.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wirewatch.core.settings import CommonSettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: the one reason a refused destination is recorded with where a receiver could read it (ledger, dead
#: letters): no detail, so refusals never tell an internal host's state apart
NOT_ALLOWED = "destination not allowed by the outbound policy"

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task credentials
        "169.254.170.23",  # AWS EKS pod identity credentials
        "169.254.169.253",  # AWS VPC DNS
        "169.254.0.23",  # Tencent Cloud metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::253",
        "fd00:ec2::23",  # AWS EKS pod identity over IPv6
        "168.63.129.16",  # Azure wire server (a globally routable address only the host answers)
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)
METADATA_NETWORKS = (ipaddress.ip_network("fd00:ec2::/32"),)  # AWS's IPv6 endpoints (IMDS, DNS, credentials)
LINK_LOCAL_NETWORKS = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
SITE_LOCAL = ipaddress.ip_network("fec0::/10")  # deprecated, but routed by some stacks
NAT64 = ipaddress.ip_network("64:ff9b::/96")
V4_COMPATIBLE = ipaddress.ip_network("::/96")
#: names of metadata services; refused in the allow-list (they resolve into link-local anyway)
METADATA_NAMES = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "instance-data"})

_HOST_NAME = re.compile(r"(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?")


@dataclass(frozen=True, slots=True)
class AllowList:
    """The networks and host names an operator declared internal receivers (``WIREWATCH_OUTBOUND_ALLOW``)."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Decides whether an address may be connected to; ``check`` returns why not, or ``None``."""

    allow_private_networks: bool = False
    allowed_networks: tuple[IPNetwork, ...] = field(default=())
    allowed_hosts: frozenset[str] = field(default=frozenset())

    @classmethod
    def exempting(cls, *networks: str) -> AddressPolicy:
        """Strict, except for ``networks`` (e.g. ``"127.0.0.2/32"`` for a test server)."""
        return cls(allowed_networks=tuple(ipaddress.ip_network(network) for network in networks))

    @classmethod
    def of(cls, allow: AllowList, *, allow_private_networks: bool = False) -> AddressPolicy:
        return cls(allow_private_networks, allow.networks, allow.hosts)

    def allowing(self, networks: Iterable[IPNetwork]) -> AddressPolicy:
        """This policy with ``networks`` exempted too (a hosts file's pinned addresses)."""
        return AddressPolicy(self.allow_private_networks, (*self.allowed_networks, *networks), self.allowed_hosts)

    def check(self, address: str, *, host: str | None = None) -> str | None:
        """``None`` if ``address`` (which ``host`` resolved to, if given) may be connected to, else a reason."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"not an IP address: {address!r}"
        candidates = [ip] if (embedded := embedded_ipv4(ip)) is None else [ip, embedded]
        for candidate in candidates:
            if (reason := always_blocked(candidate)) is not None:
                return reason
        if host is not None and normal_host(host) in self.allowed_hosts:
            return None
        if any(_within(candidate, self.allowed_networks) for candidate in candidates):
            return None
        if self.allow_private_networks:
            return None
        return _non_public_reason(candidates[-1])


def policy_for(settings: CommonSettings) -> AddressPolicy:
    """The policy every outbound client of this installation uses: strict, plus ``WIREWATCH_OUTBOUND_ALLOW``,
    plus private networks if ``WIREWATCH_ALLOW_PRIVATE_NETWORKS`` (development) is on."""
    return AddressPolicy.of(
        parse_allow_list(settings.outbound_allow), allow_private_networks=settings.allow_private_networks
    )


def always_blocked(ip: IPAddress) -> str | None:
    """Why no setting can open ``ip`` (metadata or link-local), or ``None``; ``ip`` as given, not unwrapped."""
    if ip in METADATA_ADDRESSES or _within(ip, METADATA_NETWORKS):
        return "cloud metadata endpoint"
    if _within(ip, LINK_LOCAL_NETWORKS):
        return "link-local"
    return None


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (v4-mapped, v4-compatible, 6to4, Teredo, NAT64), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64 or (ip in V4_COMPATIBLE and int(ip) > 1):  # ``::`` and ``::1`` are not IPv4
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _within(ip: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(ip in network for network in networks if network.version == ip.version)


def _non_public_reason(ip: IPAddress) -> str | None:
    for reason, flag in (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("site-local", ip.version == 6 and ip in SITE_LOCAL),
        ("reserved", ip.is_reserved),
        ("not globally routable", not ip.is_global),
    ):
        if flag:
            return reason
    return None


def normal_host(host: str) -> str:
    """A host name as compared: lower case, without brackets or the trailing dot."""
    return host.strip("[]").rstrip(".").lower()


def literal_address(host: str) -> str | None:
    """The IP address ``host`` spells, or ``None`` if it is a name.

    Legacy IPv4 spellings (``2130706433``, ``0x7f.1``, ``127.1``) count as the address they mean.
    """
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


def parse_allow_list(text: str) -> AllowList:
    """``"10.2.0.0/16, hooks.internal, fd12::7"`` → an :class:`AllowList`; ``ValueError`` naming a bad entry."""
    networks: list[IPNetwork] = []
    hosts: set[str] = set()
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        if (network := _network(entry)) is not None:
            networks.append(network)
        elif _HOST_NAME.fullmatch(name := normal_host(entry)) and not name.replace(".", "").isdigit():
            if name in METADATA_NAMES:
                raise ValueError(f"outbound allow-list entry {entry!r}: metadata services can never be allowed")
            hosts.add(name)
        else:
            raise ValueError(f"outbound allow-list entry {entry!r} is neither a CIDR, an IP address nor a host name")
    return AllowList(tuple(networks), frozenset(hosts))


def _network(entry: str) -> IPNetwork | None:
    try:
        network = ipaddress.ip_network(entry.strip("[]"))
    except ValueError as exc:
        if "/" in entry or literal_address(entry) is not None:
            raise ValueError(f"outbound allow-list entry {entry!r} is not a valid CIDR or IP address: {exc}") from exc
        return None
    first = network.network_address
    blocked = [first] if (embedded := embedded_ipv4(first)) is None else [first, embedded]
    only_blocked = (network.num_addresses == 1 and any(always_blocked(ip) for ip in blocked)) or any(
        network.version == other.version and network.subnet_of(other)  # type: ignore[arg-type]
        for other in (*METADATA_NETWORKS, *LINK_LOCAL_NETWORKS)
    )
    if only_blocked:
        raise ValueError(f"outbound allow-list entry {entry!r}: metadata and link-local addresses can never be allowed")
    return network


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
        unwrapped = [ip] if (embedded := embedded_ipv4(ip)) is None else [ip, embedded]
        if any(always_blocked(candidate) for candidate in unwrapped) or not names:
            raise ValueError(f"{path}:{number}: metadata, link-local addresses and lines without names are refused")
        for name in names:
            hosts.setdefault(normal_host(name), []).append(str(ip))
    return hosts


def exempt_networks(hosts: Mapping[str, Sequence[str]]) -> tuple[IPNetwork, ...]:
    """Exactly the addresses a hosts file pins (each as a single-address network)."""
    addresses = sorted({address for listed in hosts.values() for address in listed})
    return tuple(ipaddress.ip_network(address) for address in addresses)
