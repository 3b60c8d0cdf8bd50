"""The pipeline benchmark's WebSub hub (``bench/websub.py``) against a real fetcher worker: the bench's feeds
advertise the hub, the fetcher subscribes to every one of them over HTTPS and echoes the hub's challenge,
and an item the hub pushes when it appears is fetched long before any poll could have listed it (the feeds
are polled every 60 s, every 240 s once subscribed).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bench.corpus import Corpus
from bench.loadgen import FeedSite, Schedule, free_port
from bench.namespace import register_feeds
from bench.websub import WebSubHub
from bench.workers import Workers
from tests.conftest import _cleanup
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.stack import init

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

FEEDS = 2
INTERVAL_S = 60.0


@dataclass
class Bench:
    site: FeedSite
    hub: WebSubHub
    schedule: Schedule
    topics: list[str]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bench(stack_settings: CommonSettings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Bench]:
    tag = uuid.uuid4().hex[:8]
    settings = stack_settings.model_copy(update={"topic_prefix": f"t{tag}.", "index_prefix": f"t{tag}"})
    await init(settings)
    site = await FeedSite(Corpus(7), feeds=FEEDS, hosts=FEEDS).start()
    topics = [site.feed_url(feed) for feed in range(FEEDS)]
    hub = await WebSubHub(tmp_path_factory.mktemp("hub"), topics=frozenset(topics)).start()
    site.hub_url = hub.url
    es = make_es(settings)
    try:
        await register_feeds(es, settings, topics, INTERVAL_S)
    finally:
        await es.close()
    port = free_port()
    workers = Workers(
        settings,
        Path(tmp_path_factory.mktemp("bench-websub")) / "logs",
        extra_env=hub.worker_env()
        | {
            "WIREWATCH_FETCHER_REFRESH_S": "1",
            "WIREWATCH_FETCHER_CALLBACK_URL": f"http://127.0.0.1:{port}/websub",
            "WIREWATCH_FETCHER_CALLBACK_HOST": "127.0.0.1",
            "WIREWATCH_FETCHER_CALLBACK_PORT": str(port),
        },
    )
    workers.start("fetcher")
    try:
        yield Bench(site, hub, Schedule(FEEDS, 7), topics)
        assert workers.alive() == {"fetcher": True}, workers.log_tail("fetcher")
    finally:
        workers.stop()
        await hub.stop()
        await site.stop()
        await _cleanup(settings)


async def test_the_fetcher_subscribes_to_every_bench_feed(bench: Bench) -> None:
    await eventually(lambda: bench.hub.subscribed(bench.topics) == FEEDS, timeout=60, what="both feeds subscribed")
    assert bench.hub.refused == []
    for sub in bench.hub.subscribers.values():
        assert sub.callback.startswith("http://127.0.0.1:") and len(sub.secret) == 64


async def test_a_pushed_item_is_fetched_without_a_poll(bench: Bench) -> None:
    await eventually(lambda: bench.hub.subscribed(bench.topics) == FEEDS, timeout=60, what="both feeds subscribed")
    items = bench.schedule.publish(2.0, 1.0, time.time() + 0.5)  # one item per feed, half a second apart
    bench.site.add(items)
    bench.hub.distribute(items, bench.site.new_entry)
    await eventually(
        lambda: all(item.number in bench.site.page_fetched_at for item in items),
        timeout=15,
        what="the pushed items' pages fetched",
    )
    pushed = {d.number: d for d in bench.hub.deliveries}
    assert sorted(pushed) == [item.number for item in items]
    assert {d.status for d in pushed.values()} == {202}
    for item in items:
        assert pushed[item.number].sent_at - item.appear_at < 1.0  # pushed as it appeared
        assert item.number not in bench.site.first_listed_at  # no poll listed it: the push brought it
