"""Alerter settings (``WIREWATCH_ALERTER_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from wirewatch.core.settings import CommonSettings


class AlerterSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore", frozen=True, hide_input_in_errors=True)

    alerter_attempts: int = Field(default=5, ge=1, description="delivery attempts before dead-lettering")
    alerter_backoff_s: float = Field(default=0.5, gt=0, description="first retry delay; doubles, with jitter")
    alerter_backoff_max_s: float = Field(default=30.0, gt=0, description="cap of one retry delay")
    alerter_timeout_s: float = Field(default=10.0, gt=0, description="total timeout of one webhook POST")
    alerter_rules_ttl_s: float = Field(default=2.0, ge=0, description="how long the rule cache is trusted")
    alerter_claim_s: float = Field(default=120.0, gt=0, description="lease of a replica on a pending alert")
    alerter_concurrency: int = Field(default=32, gt=0, description="webhook POSTs in flight at most")
    alerter_batch_max: int = Field(default=50, gt=0, description="indexed batches matched against the rules at once")
    # the matcher runs per batch, not per article: a short window keeps an alert's latency low
    alerter_batch_within_s: float = Field(default=0.05, gt=0, description="close a partial batch after this")
