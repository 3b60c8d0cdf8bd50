"""What the indexer reports after Elasticsearch acknowledged a batch: ids that are now searchable."""

from __future__ import annotations

from pydantic import Field

from schemas._base import AwareDatetime, Message
from schemas.pages import Lane


class IndexedDoc(Message):
    id: str
    version: int = Field(description="external version written (fetch time in ms)")
    fetched_at: AwareDatetime


class IndexedBatch(Message):
    """Ids that became searchable together (the batch was written with refresh=wait_for)."""

    index: str
    docs: list[IndexedDoc]
    searchable_at: AwareDatetime
    lane: Lane = "live"
