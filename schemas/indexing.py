"""What the indexer reports after Elasticsearch acknowledged a batch: ids that are now searchable."""

from __future__ import annotations

import hashlib

from pydantic import Field, model_validator

from wirewatch.schemas._base import AwareDatetime, Message
from wirewatch.schemas.stages import Lane
from wirewatch.schemas.timelines import Timeline


class IndexedDoc(Message):
    id: str
    version: int = Field(description="external version written (fetch time in ms)")
    fetched_at: AwareDatetime
    timeline: Timeline = Field(default_factory=Timeline, description="the article's stamps up to searchable")


def batch_id_for(ids: list[str]) -> str:
    """Deterministic: a replayed batch gets the same id (and so the same partition)."""
    return hashlib.sha256("\x00".join(ids).encode()).hexdigest()[:16]


class IndexedBatch(Message):
    """Ids that became searchable together (the batch was written with refresh=wait_for)."""

    batch_id: str = Field(
        default="", description="hash of the ids (filled in when empty): the key, so batches spread over the partitions"
    )
    index: str
    docs: list[IndexedDoc]
    searchable_at: AwareDatetime
    lane: Lane = "live"

    @model_validator(mode="after")
    def _fill_batch_id(self) -> IndexedBatch:
        if not self.batch_id:
            self.batch_id = batch_id_for([d.id for d in self.docs])
        return self
