"""Fetcher settings (``WIREWATCH_FETCHER_*``, plus the shared ``WIREWATCH_POLL_INTERVAL``)."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from wirewatch.settings import CommonSettings


class FetcherSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore", frozen=True)

    fetcher_replicas: int = Field(default=1, ge=1, description="fetcher replicas; feeds are split by host")
    fetcher_replica: int = Field(default=0, ge=0, description="this replica's number, 0-based")
    fetcher_feed_concurrency: int = Field(default=64, gt=0, description="feeds polled at once at most")
    fetcher_per_host: int = Field(default=2, gt=0, description="requests in flight to one host at most")
    fetcher_min_delay_s: float = Field(default=1.0, ge=0, description="gap between requests to one host")
    fetcher_max_feed_bytes: int = Field(default=5 * 1024 * 1024, gt=0, description="feed size cap (decompressed)")
    fetcher_max_page_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="page size cap (decompressed)")
    fetcher_timeout_s: float = Field(default=30.0, gt=0, description="total timeout of one request")
    fetcher_user_agent: str = Field(
        default="WirewatchBot/0.1 (+https://github.com/wirewatch/wirewatch#bot; news feed monitor)",
        description="User-Agent with a contact URL")
    fetcher_refresh_s: float = Field(default=5.0, gt=0, description="how often the feed list is re-read")
    fetcher_page_attempts: int = Field(default=5, ge=1, description="transient page failures before dead-lettering")

    @model_validator(mode="after")
    def _replica_in_range(self) -> FetcherSettings:
        if self.fetcher_replica >= self.fetcher_replicas:
            raise ValueError("WIREWATCH_FETCHER_REPLICA must be below WIREWATCH_FETCHER_REPLICAS")
        return self
