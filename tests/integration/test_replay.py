"""Backfill on the real stack: `wirewatch replay --stage indexer` reprocesses stored articles on the
backfill lane; they replace their own copies (same fetch time) and nothing is duplicated."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bench.broker import produce, read_all
from bench.messages import enriched
from bench.workers import Workers, worker_env
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES, IndexedBatch

pytestmark = [pytest.mark.integration]
INDEXER = STAGES["indexer"]


async def indexed_at(settings: CommonSettings) -> dict[str, str]:
    es = make_es(settings)
    try:
        await es.indices.refresh(index=settings.index_name("articles"))
        response = await es.search(index=settings.index_name("articles"), size=100, source=["indexed_at"])
        return {hit["_id"]: hit["_source"]["indexed_at"] for hit in response.body["hits"]["hits"]}
    finally:
        await es.close()


async def lanes(settings: CommonSettings) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {"live": set(), "backfill": set()}
    for raw in await read_all(settings, INDEXER.output):
        batch = IndexedBatch.from_bytes(raw)
        seen[batch.lane] |= {d.id for d in batch.docs}
    return seen


async def test_replay_reindexes_on_the_backfill_lane(initialised: CommonSettings, tmp_path: Path) -> None:
    settings = initialised
    ids = {f"doc{i:05d}" for i in range(20)}
    await produce(settings, INDEXER.input, [enriched(i) for i in range(20)])
    workers = Workers(settings, tmp_path / "logs")
    workers.start(INDEXER.name)
    try:
        first = await eventually(lambda: _all(indexed_at(settings), ids), timeout=60, what="20 documents")
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "wirewatch", "replay", "--stage", INDEXER.name],
            env=worker_env(settings),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "copied 20 messages" in done.stdout
        await eventually(lambda: _lane_has(settings, ids), timeout=60, what="the backfill lane to announce all ids")
        again = await indexed_at(settings)
        assert set(again) == ids  # replaced in place: still exactly one document per id
        assert all(again[i] > first[i] for i in ids)  # every one was written again
    finally:
        workers.stop()


async def _all(found, ids: set[str]):  # type: ignore[no-untyped-def]
    result = await found
    return result if set(result) == ids else None


async def _lane_has(settings: CommonSettings, ids: set[str]) -> bool:
    return ids <= (await lanes(settings))["backfill"]
