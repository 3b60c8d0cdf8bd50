"""The local cluster under a broker's loss: ``wirewatch stack up --brokers 3 --es-nodes 3`` on its own ports
(Kafka 39092-39094, controllers 39095-39097, Elasticsearch 39200-39202 / 39300-39302) and state dir, topics
created with RF 3 and ``min.insync.replicas`` 2, the article index with a replica; articles stream through
the real extractor and indexer while the broker leading most partitions of ``articles.enriched`` is killed
with SIGKILL; afterwards every article is searchable exactly once (counted by id). The cluster is stopped
and purged at the end, failed or not.

It starts six JVMs (about 3.3 GB RSS), so it runs only when asked: ``make test`` runs it after the main
suite, through ``make test-cluster`` (``WIREWATCH_CLUSTER_SMOKE=1``), once the test stack is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from bench.workers import Workers
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.kafka import client_options
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.stack import cluster
from wirewatch.ops.stack.layout import Layout
from wirewatch.ops.stack.settings import StackSettings
from wirewatch.schemas import ParsedArticle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARTICLES = 240
#: sent at once; once they are searchable the workers are up, and the paced stream of the rest begins
WARM_UP = 20
#: the stream's pace: long enough for the kill to land mid-stream, short enough for CI (~11 s of sending)
SEND_EVERY_S = 0.05
KILL_AFTER = WARM_UP + (ARTICLES - WARM_UP) // 3
WORDS = [
    "river",
    "council",
    "harbour",
    "budget",
    "vote",
    "storm",
    "bridge",
    "market",
    "school",
    "court",
    "rail",
    "summit",
    "border",
    "drought",
]

#: every location setting the test stack exports in `make test` is overridden: this cluster is its own
CLUSTER_ENV = {
    "WIREWATCH_KAFKA_BOOTSTRAP": "localhost:39092,localhost:39093,localhost:39094",
    "WIREWATCH_KAFKA_CONTROLLER_PORT": "39095",
    "WIREWATCH_ES_URL": "http://localhost:39200,http://localhost:39201,http://localhost:39202",
    "WIREWATCH_ES_TRANSPORT_PORT": "39300",
    "WIREWATCH_STACK_BROKERS": "3",
    "WIREWATCH_STACK_ES_NODES": "3",
    "WIREWATCH_KAFKA_HEAP": "256m",
    "WIREWATCH_ES_HEAP": "512m",
    "WIREWATCH_START_TIMEOUT": "240",
    "WIREWATCH_STOP_TIMEOUT": "20",
    "WIREWATCH_TOPIC_PREFIX": "smoke.",
    "WIREWATCH_INDEX_PREFIX": "smoke",
    "WIREWATCH_TOPIC_REPLICATION": "0",
    "WIREWATCH_ES_REPLICAS": "-1",
}


def article(n: int) -> ParsedArticle:
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC) + timedelta(seconds=n)
    words = " ".join(WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(40))
    return ParsedArticle.model_validate(
        {
            "id": f"smoke{n:05d}",
            "url": f"https://smoke.example/{n}",
            "title": f"Dispatch {n} from Lisbon",
            "text": f"Dispatch number {n}. Officials in Lisbon met Maria Duarte on {words}. Report {n} ends.",
            "extractor": "test",
            "extractor_version": "0",
            "content_hash": f"{n:064x}",
            "simhash": f"{n * 2654435761 % (1 << 64):016x}",
            "fetched_at": now,
            "parsed_at": now,
        }
    )


@pytest.fixture
def cluster_env() -> Iterator[dict[str, str]]:
    """The cluster's environment, its own state dir; stopped and purged afterwards, whatever happened."""
    if not os.environ.get("WIREWATCH_CLUSTER_SMOKE"):
        pytest.skip("starts a 3-broker, 3-node cluster: run `make test-cluster` (WIREWATCH_CLUSTER_SMOKE=1)")
    state = Path(tempfile.mkdtemp(prefix="wirewatch-cluster-"))
    env = os.environ | CLUSTER_ENV | {"WIREWATCH_STATE_DIR": str(state)}
    try:
        yield env
    finally:
        subprocess.run(
            [sys.executable, "-m", "wirewatch", "stack", "down", "--purge"], env=env, check=False, timeout=180
        )
        shutil.rmtree(state, ignore_errors=True)


def settings_of(env: dict[str, str]) -> StackSettings:
    return StackSettings.model_validate(
        {
            "kafka_bootstrap": env["WIREWATCH_KAFKA_BOOTSTRAP"],
            "kafka_controller_port": 39095,
            "es_url": env["WIREWATCH_ES_URL"],
            "es_transport_port": 39300,
            "state_dir": Path(env["WIREWATCH_STATE_DIR"]),
            "stack_brokers": 3,
            "stack_es_nodes": 3,
            "topic_prefix": "smoke.",
            "index_prefix": "smoke",
        }
    )


async def searchable_ids(settings: CommonSettings) -> Counter[str]:
    """How often each article id is in the article index (every hit's ``id``, not Elasticsearch's ``_id``)."""
    es = make_es(settings)
    try:
        await es.indices.refresh(index=settings.index_name("articles"))
        found = await es.search(
            index=settings.index_name("articles"), size=ARTICLES * 2, source_includes=["id"], query={"match_all": {}}
        )
    finally:
        await es.close()
    return Counter(hit["_source"]["id"] for hit in found["hits"]["hits"])


async def replication_of(settings: CommonSettings) -> tuple[set[int], int]:
    """(replica counts of ``articles.enriched``'s partitions, the article index's number_of_replicas)."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        [topic] = await admin.describe_topics([settings.topic_name("articles.enriched")])
    finally:
        await admin.close()
    es = make_es(settings)
    try:
        index = await es.indices.get_settings(index=settings.index_name("articles"), name="index.number_of_replicas")
    finally:
        await es.close()
    [body] = index.body.values()
    return {len(p["replicas"]) for p in topic["partitions"]}, int(body["settings"]["index"]["number_of_replicas"])


async def send_stream(settings: CommonSettings, sent: list[str], numbers: range, pace_s: float) -> None:
    """Articles ``numbers``, idempotent with acks=all like the workers' producers, ``pace_s`` apart."""
    producer = AIOKafkaProducer(acks="all", enable_idempotence=True, **client_options(settings))
    await producer.start()
    try:
        for n in numbers:
            parsed = article(n)
            await producer.send_and_wait(
                settings.topic_name("articles.parsed"), parsed.to_bytes(), key=parsed.id.encode()
            )
            sent.append(parsed.id)
            await asyncio.sleep(pace_s)
    finally:
        await producer.stop()


@pytest.mark.timeout(420)
async def test_a_broker_killed_mid_stream_loses_and_duplicates_nothing(
    cluster_env: dict[str, str], tmp_path: Path
) -> None:
    started = time.monotonic()
    up = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "wirewatch", "stack", "up", "--brokers", "3", "--es-nodes", "3"],
        env=cluster_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert up.returncode == 0, up.stdout + up.stderr[-4000:]
    stack = settings_of(cluster_env)
    layout = Layout.of(stack)
    client = cluster.client_settings(stack, layout)
    print(f"\ncluster up in {time.monotonic() - started:.0f}s")

    partitions, index_replicas = await replication_of(client)
    assert partitions == {3}, "every articles.enriched partition on 3 brokers"
    assert index_replicas == 1

    workers = Workers(client, tmp_path / "workers", {"WIREWATCH_NER_MODEL": "en_core_web_sm"} | CLUSTER_ENV)
    workers.start("extractor", "indexer")
    sent: list[str] = []
    try:
        await send_stream(client, sent, range(WARM_UP), 0.0)
        await eventually(lambda: _indexed(client, WARM_UP), timeout=180, every=1.0, what="the warm-up indexed")
        print(f"workers up, warm-up searchable at {time.monotonic() - started:.0f}s")
        stream = asyncio.create_task(send_stream(client, sent, range(WARM_UP, ARTICLES), SEND_EVERY_S))
        await eventually(lambda: len(sent) >= KILL_AFTER, timeout=60, what="a third of the stream sent")
        victim = await cluster.busiest_leader(client, client.topic_name("articles.enriched"))
        cluster.kill(layout, "kafka", victim)
        killed_at = len(sent)
        await asyncio.wait_for(stream, timeout=180)
        assert killed_at < ARTICLES, "the broker died mid-stream"

        async def all_there() -> Counter[str] | None:
            ids = await searchable_ids(client)
            return ids if len(ids) >= ARTICLES else None

        ids = await eventually(all_there, timeout=180, every=2.0, what=f"all {ARTICLES} articles searchable")
        assert set(ids) == set(sent) and len(sent) == ARTICLES, "nothing lost"
        assert max(ids.values()) == 1, f"duplicated: {[i for i, c in ids.items() if c > 1][:10]}"
        assert all(workers.alive().values()), "the workers rode out the broker's loss"
        print(f"broker {victim} killed after {killed_at} sent; {ARTICLES} searchable once; "
              f"{time.monotonic() - started:.0f}s in all")  # fmt: skip
    finally:
        with contextlib.suppress(Exception):
            print(workers.log_tail("indexer", 15))
        workers.stop(timeout=20)


async def _indexed(settings: CommonSettings, count: int) -> bool:
    try:
        return len(await searchable_ids(settings)) >= count
    except Exception:  # the index may not answer yet: the poll's deadline decides
        return False
