"""Parser settings (``WIREWATCH_PARSER_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from wirewatch.core.settings import CommonSettings


class ParserSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore", frozen=True, hide_input_in_errors=True)

    parser_budget_s: float = Field(default=10.0, gt=0, description="time budget of one page")
    parser_max_page_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="larger pages are refused")
    parser_batch_max: int = Field(default=16, gt=0, description="pages taken from the stream at once")
    parser_batch_within_s: float = Field(
        default=0.02, gt=0, description="a partial batch waits this long for more (latency at low load)"
    )
    parser_backfill_batch_max: int = Field(
        default=8, gt=0, description="backfill lane: records per batch at most (a live one may wait behind it)"
    )
    parser_backfill_batch_within_s: float = Field(
        default=0.1, gt=0, description="backfill lane: close a partial batch after this"
    )
