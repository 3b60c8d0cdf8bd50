"""The indexer on the real broker and server: searchable, announced, idempotent across kill -9 and
replays, rejected documents dead-lettered, newer data never overwritten by a replay of older data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.broker import produce, read_all
from bench.messages import enriched
from bench.workers import Workers
from tests.support.indices import count_docs
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.observe import read_dead_letters
from wirewatch.schemas import STAGES, DeadLetter, IndexedBatch

pytestmark = [pytest.mark.integration]
INDEXER = STAGES["indexer"]


async def announced_ids(settings: CommonSettings) -> list[str]:
    return [d.id for raw in await read_all(settings, INDEXER.output) for d in IndexedBatch.from_bytes(raw).docs]


async def test_index_kill_restart_and_replay_change_nothing(initialised: CommonSettings, tmp_path: Path) -> None:
    settings = initialised
    await produce(settings, INDEXER.input, [enriched(i) for i in range(300)])
    workers = Workers(settings, tmp_path / "logs", extra_env={"WIREWATCH_INDEXER_BATCH_MAX": "20"})
    workers.start("indexer")
    await eventually(lambda: count_docs(settings), timeout=60, every=0.2, what="the first documents")
    workers.kill("indexer")  # mid-stream: some batches written, offsets possibly not committed
    workers.start("indexer")
    try:
        await eventually(lambda: _equals(count_docs(settings), 300), timeout=90, what="all 300 documents")
        assert set(await announced_ids(settings)) == {f"doc{i:05d}" for i in range(300)}
        # replaying the whole topic again (an older copy of every article) changes nothing
        older = [enriched(i, fetched_at=datetime(2026, 1, 1, tzinfo=UTC), title="STALE") for i in range(300)]
        await produce(settings, INDEXER.input, older)
        await eventually(lambda: _lag_zero(settings), timeout=60, what="the replay to be consumed")
        assert await count_docs(settings) == 300
        es = make_es(settings)
        try:
            stale = await es.count(index=settings.index_name("articles"), query={"match": {"title": "STALE"}})
            assert stale.body["count"] == 0
        finally:
            await es.close()
    finally:
        workers.stop()


async def test_newer_fetch_replaces_and_rejected_document_is_dead_lettered(
    initialised: CommonSettings, tmp_path: Path
) -> None:
    settings = initialised
    first = enriched(1, title="First version")
    newer = enriched(1, title="Second version", fetched_at=first.fetched_at + timedelta(hours=1))
    bad = enriched(2).model_dump(mode="json")
    bad["published_at"] = "2026-11-18T10:00:00+00:00"
    await produce(settings, INDEXER.input, [first, newer])
    # a document Elasticsearch must reject: a geo point outside its range passes our schema only as raw JSON
    raw = enriched(3).to_bytes().replace(b'"location_points":[]', b'"location_points":[{"lat":10,"lon":10}]')
    raw = raw.replace(b'"title":"Story number 3"', b'"title":"Story number 3","unknown_field":1')
    await produce(settings, INDEXER.input, [raw], key="doc00003")
    workers = Workers(settings, tmp_path / "logs")
    workers.start("indexer")
    try:
        letters = await eventually(lambda: _letters(settings), timeout=60, what="a dead letter")
        assert letters[0].stage == "indexer" and letters[0].error_class == "schema_error"
        es = make_es(settings)
        try:
            doc = await eventually(lambda: _get(es, settings, "doc00001"), timeout=30, what="doc00001")
            assert doc["title"] == "Second version"
        finally:
            await es.close()
    finally:
        workers.stop()


async def _letters(settings: CommonSettings) -> list[DeadLetter]:
    return await read_dead_letters(settings)


async def _get(es, settings: CommonSettings, doc_id: str):  # type: ignore[no-untyped-def]
    response = await es.options(ignore_status=404).get(index=settings.index_name("articles"), id=doc_id)
    return response.body.get("_source")


async def _equals(value, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return (await value) == expected


async def _lag_zero(settings: CommonSettings) -> bool:
    from wirewatch.ops.observe import stage_status

    [indexer] = [s for s in await stage_status(settings) if s.stage == "indexer"]
    return indexer.lag == 0 and indexer.processed > 0
