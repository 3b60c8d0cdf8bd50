"""Documents our schema accepts but Elasticsearch's mapping refuses (HTTP 400 per item) go to the dead-letter
topic with Elasticsearch's own error type and reason; the rest of their batch is written and announced."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from bench.broker import produce, read_all
from bench.messages import enriched
from bench.workers import Workers
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.observe import read_dead_letters
from wirewatch.schemas import STAGES, DeadLetter, IndexedBatch

pytestmark = [pytest.mark.integration]
INDEXER = STAGES["indexer"]


async def test_documents_elasticsearch_refuses_are_dead_lettered_with_its_reason(
    initialised: CommonSettings, tmp_path: Path
) -> None:
    settings = initialised
    # `source` is a keyword without ignore_above: Lucene refuses a term over 32766 bytes
    immense = enriched(2, source="Wire " * 8000)
    # `entities.count` is an integer in the mapping; the schema only says int
    overflow = enriched(3, entities=[{"name": "Baghdad", "type": "LOC", "count": 2**40}])
    articles = [enriched(1), immense, overflow, enriched(4)]
    await produce(settings, INDEXER.input, articles)
    workers = Workers(settings, tmp_path / "logs")
    workers.start("indexer")
    try:
        letters = await eventually(lambda: _letters(settings, 2), timeout=60, what="two dead letters")
        by_id = {letter.item_id: letter for letter in letters}
        assert set(by_id) == {"doc00002", "doc00003"}
        for article in (immense, overflow):
            letter = by_id[article.id]
            assert letter.stage == "indexer" and letter.error_class == "document_rejected"
            assert base64.b64decode(letter.payload_b64) == article.to_bytes()  # replayable as it was
            assert letter.reason.startswith("document_parsing_exception: ")
            assert len(letter.reason) < 2000  # ES quotes the refused value; we do not keep 40 KB of it
        assert "failed to parse field [source]" in by_id["doc00002"].reason
        assert (
            "caused by illegal_argument_exception: Document contains at least one immense term"
            in by_id["doc00002"].reason
        )
        assert "failed to parse field [entities.count] of type [integer]" in by_id["doc00003"].reason
        assert "out of range of int" in by_id["doc00003"].reason

        announced = await eventually(lambda: _announced(settings), timeout=30, what="the announcement")
        assert sorted(announced) == ["doc00001", "doc00004"]
        es = make_es(settings)
        try:
            await es.indices.refresh(index=settings.index_name("articles"))
            found = await es.search(index=settings.index_name("articles"), source=False, size=10)
            assert sorted(h["_id"] for h in found.body["hits"]["hits"]) == ["doc00001", "doc00004"]
        finally:
            await es.close()
        assert workers.alive() == {"indexer": True}
    finally:
        workers.stop()


async def _letters(settings: CommonSettings, at_least: int) -> list[DeadLetter] | None:
    letters = await read_dead_letters(settings)
    return letters if len(letters) >= at_least else None


async def _announced(settings: CommonSettings) -> list[str]:
    batches = [IndexedBatch.from_bytes(raw) for raw in await read_all(settings, INDEXER.output)]
    return [doc.id for batch in batches for doc in batch.docs]
