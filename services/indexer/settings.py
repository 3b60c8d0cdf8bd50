"""Indexer settings (``WIREWATCH_INDEXER_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from wirewatch.settings import CommonSettings


class IndexerSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore", frozen=True)

    indexer_batch_max: int = Field(default=500, gt=0, description="documents per bulk request at most")
    indexer_batch_bytes: int = Field(default=8 * 1024 * 1024, gt=0, description="bytes per bulk request at most")
    indexer_batch_within_s: float = Field(default=0.25, gt=0, description="close a partial batch after this")
