"""Outbound proxies from the environment, only when the operator opts in (``WIREWATCH_USE_PROXY``).

``HTTPS_PROXY``/``HTTP_PROXY`` (either case) name the proxy for each scheme and ``NO_PROXY`` the hosts
reached directly, comma-separated as curl reads them: a name matches itself and its subdomains (a leading
dot is ignored), ``host:port`` only that port, an address or CIDR network the literal addresses in it,
``*`` everything.

A proxy must not become a way around the address policy: it resolves and connects to the target itself,
where our connector would have refused it. So :class:`~wirewatch.services.fetcher.http.SafeFetcher`
resolves the *target* through the same checking resolver before a request is handed to the proxy, and
refuses it there (the proxy never hears of it). The proxy's own address is the operator's choice and is
exempt from the policy, by its host name only (metadata and link-local stay blocked whatever it is called).
The proxy resolves the name again: a DNS answer that changes between our check and its connect is not
caught here, so an egress proxy should enforce its own policy too (``SECURITY.md``).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from yarl import URL

SCHEMES = ("http", "https")


@dataclass(frozen=True, slots=True)
class Proxies:
    """The proxy URL per scheme and the ``NO_PROXY`` list; empty means "connect directly"."""

    by_scheme: Mapping[str, str] = field(default_factory=dict)
    no_proxy: str = ""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Proxies:
        """Read ``HTTPS_PROXY``, ``HTTP_PROXY`` and ``NO_PROXY`` (lower case wins, as in curl and urllib)."""
        env = os.environ if environ is None else environ
        by_scheme = {}
        for scheme in SCHEMES:
            value = _variable(env, f"{scheme}_proxy")
            if value:
                by_scheme[scheme] = value if "://" in value else f"http://{value}"
        return cls(by_scheme, _variable(env, "no_proxy"))

    def proxy_for(self, url: str) -> str | None:
        """The proxy to send ``url`` through, or ``None`` to connect directly."""
        parts = urlsplit(url)
        proxy = self.by_scheme.get(parts.scheme.lower())
        if proxy is None or not parts.hostname:
            return None
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        if any(_bypasses(entry.strip().lower(), parts.hostname.lower(), port) for entry in self.no_proxy.split(",")):
            return None
        return proxy

    def hosts(self) -> frozenset[str]:
        """The proxies' host names (lower case), which the connector may reach whatever the policy says."""
        return frozenset(URL(proxy).raw_host or "" for proxy in self.by_scheme.values()) - {""}


def _bypasses(entry: str, host: str, port: int) -> bool:
    """Whether the ``NO_PROXY`` entry ``entry`` covers ``host:port``."""
    if not entry:
        return False
    if entry == "*":
        return True
    name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
    if entry_port and entry_port != str(port):
        return False
    name = name.strip("[]").lstrip(".").rstrip(".")
    try:
        return ipaddress.ip_address(host.strip("[]")) in ipaddress.ip_network(name, strict=False)
    except ValueError:
        pass
    host = host.rstrip(".")
    return host == name or host.endswith(f".{name}")


def _variable(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or env.get(name.upper()) or "").strip()
