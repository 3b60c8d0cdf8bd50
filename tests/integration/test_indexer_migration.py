"""``wirewatch index migrate`` on the real server while the indexer keeps writing: an interrupted copy
resumes, search never drops below what was there (no gap) nor shows copies twice, writes made during the
copy are kept, a newer article written during the copy is not overwritten by the copy, and the alias ends
on v2 alone."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from click.testing import CliRunner

from bench.messages import enriched
from bench.workers import Workers, worker_env
from tests.support.polling import eventually
from wirewatch.cli import cli
from wirewatch.core.es import alias_members, make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.migration import migrate, versions_status
from wirewatch.schemas import STAGES, EnrichedArticle
from wirewatch.services.indexer.bulk import write

pytestmark = [pytest.mark.integration]
INDEXER = STAGES["indexer"]

EXISTING = 1500
NEW_FROM = 100_000


class Interrupted(Exception):
    """Stands in for Ctrl-C or a crash half-way through the copy."""


async def test_migrate_while_indexing_keeps_search_whole_and_loses_nothing(
    initialised: CommonSettings, tmp_path: Path
) -> None:
    settings = initialised
    alias = settings.index_name("articles")
    es = make_es(settings)
    workers = Workers(settings, tmp_path / "logs", extra_env={"WIREWATCH_INDEXER_BATCH_MAX": "20"})
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    stop = asyncio.Event()
    produced: list[str] = []
    counts: list[tuple[int, int]] = []  # (hits seen, upper bound without duplicates)
    try:
        outcome = await write(es, alias, [enriched(i) for i in range(EXISTING)], max_bytes=4 * 1024 * 1024)
        assert len(outcome.written) == EXISTING
        await producer.start()
        workers.start("indexer")
        await _produce(producer, settings, enriched(NEW_FROM), produced)
        await eventually(lambda: _count(es, alias, EXISTING + 1), timeout=60, what="the indexer to run")

        async def keep_producing() -> None:
            n = NEW_FROM + 1
            while not stop.is_set():
                for _ in range(5):
                    await _produce(producer, settings, enriched(n), produced)
                    n += 1
                await asyncio.sleep(0.1)

        async def keep_searching() -> None:
            while not stop.is_set():
                hits = (await es.count(index=alias)).body["count"]
                bound = EXISTING + len(produced) + 1  # +1: the re-fetched article below, old copy in v1
                counts.append((hits, bound))
                await asyncio.sleep(0.05)

        background = [asyncio.create_task(keep_producing()), asyncio.create_task(keep_searching())]
        # 1. interrupted half-way: the alias spans both versions, writes go to v2, search still whole
        with pytest.raises(Interrupted):
            await migrate(es, settings, force=True, overlap_s=0, page_size=100, progress=_interrupt_after(600))
        in_v1_at_switch = (await es.count(index=f"{alias}-v1")).body["count"]
        members = await alias_members(es, alias)
        assert sorted(members) == [f"{alias}-v1", f"{alias}-v2"] and members[f"{alias}-v2"]["is_write_index"]
        status = await versions_status(es, settings)
        assert status["state"] == "migrating" and status["write_index"] == f"{alias}-v2"
        # a newer fetch of an existing article arrives during the copy: the copy must not overwrite it
        refetched = enriched(
            7, title="Refetched during the migration", fetched_at=enriched(7).fetched_at + timedelta(hours=1)
        )
        await _produce(producer, settings, refetched, [])
        await asyncio.sleep(1.0)
        # 2. run again: it resumes from the checkpoint and swaps
        report = await migrate(es, settings, overlap_s=0, page_size=100)
        assert report.resumed and report.target == f"{alias}-v2" and report.source == f"{alias}-v1"
        assert 0 < report.copied < in_v1_at_switch - 500  # only what the first run had not copied yet
        await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*background)

        assert counts and min(hits for hits, _ in counts) >= EXISTING, "search lost documents"
        assert all(hits <= bound for hits, bound in counts), "search showed documents twice"
        assert await alias_members(es, alias) == {f"{alias}-v2": {"is_write_index": True}}
        total = EXISTING + len(produced)
        await eventually(lambda: _count(es, alias, total), timeout=60, what=f"all {total} documents")
        await es.indices.refresh(index=f"{alias}-v2")
        assert (await es.count(index=f"{alias}-v2")).body["count"] == total  # nothing lost, nothing twice
        in_v1 = (await es.count(index=f"{alias}-v1")).body["count"]
        assert EXISTING < in_v1 < total  # kept for a rollback; what came after the switch is only in v2
        doc = (await es.get(index=alias, id="doc00007")).body
        assert doc["_source"]["title"] == "Refetched during the migration"
        assert doc["_version"] == int(refetched.fetched_at.timestamp() * 1000)
        old = (await es.get(index=f"{alias}-v2", id="doc00008")).body
        assert old["_version"] == int(enriched(8).fetched_at.timestamp() * 1000)  # version preserved
        assert workers.alive() == {"indexer": True}
    finally:
        stop.set()
        workers.stop()
        await producer.stop()
        await es.close()
    # 3. the command: status shows v2 alone, and running migrate again has nothing to do
    env = {k: v for k, v in worker_env(settings).items() if k.startswith("WIREWATCH_")}
    shown = await asyncio.to_thread(CliRunner().invoke, cli, ["index", "status", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    status = json.loads(shown.stdout)
    assert status["targets"] == [f"{alias}-v2"] and status["state"] == "ok" and status["template_current"]
    assert [v["docs"] for v in status["versions"]] == [in_v1, total]
    again = await asyncio.to_thread(CliRunner().invoke, cli, ["index", "migrate"], env=env)
    assert again.exit_code == 0 and "nothing to do" in again.stdout, again.output


def _interrupt_after(copied: int):  # type: ignore[no-untyped-def]
    def progress(done: int, total: int) -> None:
        assert total >= EXISTING
        if done >= copied:
            raise Interrupted

    return progress


async def _produce(
    producer: AIOKafkaProducer, settings: CommonSettings, article: EnrichedArticle, produced: list[str]
) -> None:
    await producer.send_and_wait(settings.topic_name(INDEXER.input), article.to_bytes(), key=article.id.encode())
    produced.append(article.id)


async def _count(es, alias: str, expected: int) -> bool:  # type: ignore[no-untyped-def]
    await es.indices.refresh(index=alias)
    return int((await es.count(index=alias)).body["count"]) >= expected
