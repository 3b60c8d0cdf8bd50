"""Indexer settings (``WIREWATCH_INDEXER_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from wirewatch.core.settings import CommonSettings

#: a frozen Elasticsearch surfaces as a ConnectionTimeout after this long (never a hang) and the batch is
#: retried. A bulk of up to 8 MB plus the wait for the next refresh takes a few seconds at most; one that
#: answers later than this is simply sent again (its documents then come back 409: already written)
ES_TIMEOUT_S = 10.0
#: cap of one retry delay while Elasticsearch is away: a retry is one cheap request, and a short cap
#: means indexing resumes within seconds of the server coming back
MAX_BACKOFF_S = 5.0


class IndexerSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore", frozen=True, hide_input_in_errors=True)

    indexer_batch_max: int = Field(default=500, gt=0, description="documents per bulk request at most")
    indexer_batch_bytes: int = Field(default=8 * 1024 * 1024, gt=0, description="bytes per bulk request at most")
    indexer_batch_within_s: float = Field(
        default=0.05, gt=0, description="a partial batch waits this long for more (latency at low load)"
    )
    indexer_backfill_batch_max: int = Field(
        default=100, gt=0, description="backfill lane: records per batch at most (a live one may wait behind it)"
    )
    indexer_backfill_batch_within_s: float = Field(
        default=0.25, gt=0, description="backfill lane: close a partial batch after this"
    )
