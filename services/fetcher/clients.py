"""The fetcher's HTTP client built from the settings, for the worker and the CLI (``feeds add``) alike: the
installation's address policy, a hosts file's pins (tests and drills only), the timeouts, and proxies from
the environment when ``WIREWATCH_USE_PROXY`` is on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiohttp.abc import AbstractResolver

from wirewatch.core.outbound import policy_for
from wirewatch.services.fetcher.addresses import exempt_networks, read_hosts_file
from wirewatch.services.fetcher.http import SafeFetcher, Timeouts
from wirewatch.services.fetcher.proxies import Proxies
from wirewatch.services.fetcher.settings import FetcherSettings


def hosts_of(settings: FetcherSettings) -> dict[str, list[str]] | None:
    """``WIREWATCH_FETCHER_HOSTS_FILE``'s names and addresses, or ``None``."""
    return read_hosts_file(settings.fetcher_hosts_file) if settings.fetcher_hosts_file else None


def fetcher_for(
    settings: FetcherSettings,
    *,
    hosts: Mapping[str, Sequence[str]] | None = None,
    resolver: AbstractResolver | None = None,
) -> SafeFetcher:
    """The HTTP client with this installation's outbound policy; ``hosts`` pins names, exempting exactly
    their addresses."""
    policy = policy_for(settings).allowing(exempt_networks(hosts or {}))
    return SafeFetcher(
        user_agent=settings.fetcher_user_agent,
        policy=policy,
        hosts=hosts,
        resolver=resolver,
        timeouts=Timeouts(
            total_s=settings.fetcher_timeout_s,
            connect_s=min(10.0, settings.fetcher_timeout_s),
            read_s=min(20.0, settings.fetcher_timeout_s),
        ),
        proxies=Proxies.from_environment() if settings.use_proxy else None,
    )
