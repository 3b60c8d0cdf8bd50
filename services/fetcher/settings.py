"""Fetcher settings (``WIREWATCH_FETCHER_*``, plus the shared ``WIREWATCH_POLL_INTERVAL``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from wirewatch.core.settings import CommonSettings

if TYPE_CHECKING:
    from wirewatch.services.fetcher.feedmodels import FeedLimits


class FetcherSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore", frozen=True, hide_input_in_errors=True)

    fetcher_replicas: int = Field(default=1, ge=1, description="fetcher replicas; feeds are split by host")
    fetcher_replica: int = Field(default=0, ge=0, description="this replica's number, 0-based")
    fetcher_feed_concurrency: int = Field(default=64, gt=0, description="feeds polled at once at most")
    fetcher_per_host: int = Field(default=2, gt=0, description="requests in flight to one host at most")
    fetcher_min_delay_s: float = Field(default=1.0, ge=0, description="gap between requests to one host")
    fetcher_per_address: int | None = Field(
        default=None, gt=0, description="requests in flight to one IP address, whatever its names (unset: 4 hosts')"
    )
    fetcher_address_min_delay_s: float | None = Field(
        default=None, ge=0, description="gap between requests to one IP address (unset: a quarter of a host's)"
    )
    fetcher_max_in_flight: int = Field(default=64, gt=0, description="page fetches in flight at once, all feeds")
    fetcher_max_in_flight_per_feed: int = Field(
        default=8, gt=0, description="page fetches in flight for one feed (below the total: no feed starves)"
    )
    fetcher_host_cache_size: int = Field(
        default=10_000, gt=0, description="hosts and addresses whose politeness state (and DNS answer) is kept"
    )
    fetcher_host_ttl_s: float = Field(
        default=600.0, gt=0, description="idle host and address politeness state is forgotten after"
    )
    fetcher_robots_cache_size: int = Field(default=2_000, gt=0, description="origins whose robots.txt rules are kept")
    fetcher_robots_ttl_s: float = Field(default=3600.0, gt=0, description="robots.txt rules are re-read after")
    fetcher_max_feed_bytes: int = Field(default=5 * 1024 * 1024, gt=0, description="feed size cap (decompressed)")
    fetcher_max_page_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="page size cap (decompressed)")
    fetcher_max_feed_items: int = Field(
        default=1000, gt=0, description="items read from one RSS, Atom or JSON Feed document; the rest is ignored"
    )
    fetcher_max_sitemap_urls: int = Field(
        default=50_000,
        gt=0,
        description="URLs read from one sitemap (the sitemap protocol's limit); the rest is ignored",
    )
    fetcher_max_sitemap_children: int = Field(
        default=1000, gt=0, description="child sitemaps read from one sitemap index; the rest is ignored"
    )
    fetcher_timeout_s: float = Field(default=30.0, gt=0, description="total timeout of one request")
    fetcher_user_agent: str = Field(
        default="WirewatchBot/0.1 (+https://github.com/wirewatch/wirewatch#bot; news feed monitor)",
        description="User-Agent with a contact URL",
    )
    use_proxy: bool = Field(
        default=False,
        description="send feed and page fetches through HTTPS_PROXY/HTTP_PROXY (NO_PROXY honoured); each "
        "target is still checked against the address policy first",
    )
    fetcher_refresh_s: float = Field(default=5.0, gt=0, description="how often the feed list is re-read")
    fetcher_page_attempts: int = Field(default=5, ge=1, description="transient page failures before dead-lettering")
    fetcher_hosts_file: Path | None = Field(
        default=None,
        description="tests and hostile-input drills only: `ADDRESS NAME…` lines pinning "
        "names to addresses that are then exempt from the address policy (nothing else is)",
    )
    fetcher_callback_url: str | None = Field(
        default=None, description="public base URL of the WebSub callback (unset: no push, polling only)"
    )
    fetcher_callback_host: str = Field(default="0.0.0.0", description="address the WebSub callback listens on")  # noqa: S104 — hubs must reach it
    fetcher_callback_port: int = Field(default=8090, gt=0, lt=65536, description="port the WebSub callback listens on")
    fetcher_websub_lease_s: int = Field(default=10 * 86400, gt=0, description="WebSub lease asked of hubs")
    fetcher_websub_lease_min_s: int = Field(
        default=3600, gt=0, description="shortest WebSub lease believed (a shorter grant is renewed as this)"
    )
    fetcher_websub_lease_max_s: int = Field(
        default=30 * 86400, gt=0, description="longest WebSub lease believed (a longer grant is cut to this)"
    )
    fetcher_websub_fallback: float = Field(
        default=4.0, ge=1, description="poll interval multiplier while a WebSub lease is active"
    )
    fetcher_batch_max: int = Field(default=16, gt=0, description="fetch requests taken from the stream at once")
    fetcher_batch_within_s: float = Field(default=0.2, gt=0, description="close a partial batch after this")

    def feed_limits(self) -> FeedLimits:
        """The item caps :func:`~wirewatch.services.fetcher.feedparsing.parse_feed` applies to one document."""
        from wirewatch.services.fetcher.feedmodels import FeedLimits

        return FeedLimits(
            feed_items=self.fetcher_max_feed_items,
            sitemap_urls=self.fetcher_max_sitemap_urls,
            sitemap_children=self.fetcher_max_sitemap_children,
        )

    @model_validator(mode="after")
    def _replica_in_range(self) -> FetcherSettings:
        if self.fetcher_replica >= self.fetcher_replicas:
            raise ValueError("WIREWATCH_FETCHER_REPLICA must be below WIREWATCH_FETCHER_REPLICAS")
        return self

    @model_validator(mode="after")
    def _lease_in_bounds(self) -> FetcherSettings:
        if not self.fetcher_websub_lease_min_s <= self.fetcher_websub_lease_s <= self.fetcher_websub_lease_max_s:
            raise ValueError(
                "WIREWATCH_FETCHER_WEBSUB_LEASE_S must lie between WIREWATCH_FETCHER_WEBSUB_LEASE_MIN_S "
                "and WIREWATCH_FETCHER_WEBSUB_LEASE_MAX_S"
            )
        return self

    @field_validator("fetcher_hosts_file")
    @classmethod
    def _hosts_file_is_readable(cls, value: Path | None) -> Path | None:
        if value is not None:
            from wirewatch.services.fetcher.addresses import read_hosts_file

            try:
                read_hosts_file(value)  # fail at start, not at the first fetch
            except OSError as exc:
                raise ValueError(f"cannot read WIREWATCH_FETCHER_HOSTS_FILE: {exc}") from exc
        return value

    @field_validator("fetcher_callback_url")
    @classmethod
    def _callback_is_http(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"WIREWATCH_FETCHER_CALLBACK_URL must be an http(s) URL, got {value!r}")
        return value.strip().rstrip("/")
