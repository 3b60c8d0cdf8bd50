"""Elasticsearch away for 30 seconds while articles keep flowing: the indexer neither exits nor drops
anything, resumes by itself, and announces every article exactly once.

The worker reaches Elasticsearch through a fault-injecting TCP proxy (``tests/support/proxy.py``): for
the first half of the outage the server is frozen (requests hang, as with SIGSTOP), for the second half
it refuses connections; other tests on the shared server are not affected."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.broker import produce, read_all
from bench.messages import enriched
from bench.workers import Workers
from tests.support.polling import eventually
from tests.support.proxy import FaultyProxy
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.observe import read_dead_letters
from wirewatch.schemas import STAGES, IndexedBatch
from wirewatch.services.indexer.settings import ES_TIMEOUT_S

pytestmark = [pytest.mark.integration, pytest.mark.slow]
INDEXER = STAGES["indexer"]

OUTAGE_S = 30.0  # as the issue asks; the rest of the test takes about 30 s more
RESUME_WITHIN_S = 15.0  # retry delays are capped at 5 s in the indexer


@pytest.mark.parametrize("outage_s", [OUTAGE_S])
@pytest.mark.timeout(OUTAGE_S + 120)
async def test_elasticsearch_outage_loses_nothing_and_indexing_resumes(
    initialised: CommonSettings, tmp_path: Path, outage_s: float
) -> None:
    settings = initialised
    es_url = urlsplit(settings.es_url)
    proxy = await FaultyProxy(es_url.hostname or "127.0.0.1", es_url.port or 9200).start()
    workers = Workers(
        settings.model_copy(update={"es_url": proxy.url}),
        tmp_path / "logs",
        extra_env={"WIREWATCH_INDEXER_BATCH_MAX": "25"},
    )
    es = make_es(settings)
    produced: list[str] = []
    try:
        await _send(settings, range(0, 50), produced)
        workers.start("indexer")
        await eventually(lambda: _searchable(es, settings, 50), timeout=60, every=0.2, what="the first 50")

        stop = asyncio.Event()
        flow = asyncio.create_task(_keep_producing(settings, produced, stop, start=1000))
        await asyncio.sleep(1.0)
        before = await _count(es, settings)
        accepted_before = proxy.accepted
        proxy.freeze()
        await asyncio.sleep(outage_s / 2)
        proxy.refuse()
        await asyncio.sleep(outage_s / 2)
        # the articles produced during the outage could not have been written, and the worker kept trying
        during = await _count(es, settings)
        assert workers.alive() == {"indexer": True}, workers.log_tail("indexer")
        assert proxy.accepted > accepted_before + 1, "the indexer did not retry during the outage"
        restored_at = time.monotonic()
        proxy.restore()
        stop.set()
        await flow
        total = len(produced)
        assert during < total, "the outage did not hold anything back: the test proves nothing"

        await eventually(
            lambda: _searchable(es, settings, total),
            timeout=RESUME_WITHIN_S + 30,
            every=0.2,
            what=f"all {total} articles after the outage",
        )
        resumed_s = time.monotonic() - restored_at
        print(
            f"outage {outage_s:.0f}s: {before} searchable before, {during} at its end, "
            f"all {total} searchable {resumed_s:.1f}s after it ended"
        )
        assert resumed_s < RESUME_WITHIN_S + 5  # backoff cap + one batch + the poll
        assert await _ids(es, settings) == set(produced)  # nothing lost, nothing extra

        await asyncio.sleep(2)  # let the last announcement land
        announced = Counter(
            d.id for raw in await read_all(settings, INDEXER.output) for d in IndexedBatch.from_bytes(raw).docs
        )
        assert set(announced) == set(produced)
        assert max(announced.values()) == 1, "an article was announced twice"
        letters = await read_dead_letters(settings)
        assert letters == [], f"the outage dead-lettered articles: {letters[0].reason}"
        log = (tmp_path / "logs" / "indexer.log").read_text(errors="replace")
        assert "retriable failure" in log
        if outage_s / 2 > ES_TIMEOUT_S + 1:  # the frozen half lasted longer than the client's timeout
            assert "did not answer in time" in log, "a frozen server must surface as a timeout"
        assert workers.alive() == {"indexer": True}
    finally:
        proxy.restore()
        codes = workers.stop()
        await proxy.stop()
        await es.close()
    assert codes == {"indexer": 0}  # stopped cleanly by SIGTERM, it never crashed


async def _send(settings: CommonSettings, numbers: range, produced: list[str]) -> None:
    articles = [enriched(n) for n in numbers]
    await produce(settings, INDEXER.input, articles)
    produced.extend(a.id for a in articles)


async def _keep_producing(settings: CommonSettings, produced: list[str], stop: asyncio.Event, *, start: int) -> None:
    n = start
    while not stop.is_set():
        await _send(settings, range(n, n + 10), produced)
        n += 10
        await asyncio.sleep(0.5)


async def _count(es, settings: CommonSettings) -> int:  # type: ignore[no-untyped-def]
    await es.indices.refresh(index=settings.index_name("articles"))
    return int((await es.count(index=settings.index_name("articles"))).body["count"])


async def _searchable(es, settings: CommonSettings, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return await _count(es, settings) >= expected


async def _ids(es, settings: CommonSettings) -> set[str]:  # type: ignore[no-untyped-def]
    response = await es.search(index=settings.index_name("articles"), size=10000, source=False, query={"match_all": {}})
    hits = response.body["hits"]["hits"]
    assert response.body["hits"]["total"]["value"] == len(hits)
    return {hit["_id"] for hit in hits}
