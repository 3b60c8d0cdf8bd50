"""What the benchmark watches: when documents became searchable and when alerts arrived.

* :class:`IndexedWatcher` reads ``articles.indexed``. The indexer publishes each batch's ids there with
  ``searchable_at``, taken right after Elasticsearch answered a bulk request sent with ``refresh=true``
  (the written shards are refreshed before the answer): the documents were searchable by then (at most
  a few ms earlier). That time is the "searchable" instant; same machine, same clock as the feed
  schedule. Batches of the backfill lane (``lane == "backfill"``, reprocessed copies of documents
  already announced) are kept apart: they count towards the backfill's own rate, never as "searchable".
  Each live document's timeline (its stamps up to searchable) is kept for the waterfall (``bench/waterfall.py``).
* :class:`SearchProbe` checks that claim independently: it polls the article alias every 0.25 s for a
  sample of the expected ids and records when each first answers a search (an upper bound, off by at
  most the poll period plus one request).
* :class:`WebhookReceiver` is the rule's webhook: it records the arrival time of each alert POST.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from dataclasses import dataclass, field

from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition
from elasticsearch import AsyncElasticsearch

from bench.servers import serve
from wirewatch.core.kafka import client_options
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES, TOPICS, IndexedBatch, Timeline


@dataclass
class IndexedWatcher:
    """Every id announced on ``articles.indexed`` by the live lane: first ``searchable_at`` (unix s) and
    when we read it; and every backfill-lane batch as ``(searchable_at, documents)``."""

    settings: CommonSettings
    searchable_at: dict[str, float] = field(default_factory=dict)
    read_at: dict[str, float] = field(default_factory=dict)
    timelines: dict[str, Timeline] = field(default_factory=dict)
    backfill: list[tuple[float, int]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _consumer: AIOKafkaConsumer | None = None

    async def start(self) -> IndexedWatcher:
        spec = TOPICS[STAGES["indexer"].output]
        topic = spec.full_name(self.settings.topic_prefix)
        consumer = AIOKafkaConsumer(enable_auto_commit=False, **client_options(self.settings))
        await consumer.start()
        tps = [TopicPartition(topic, p) for p in range(spec.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        self._consumer = consumer
        self._task = asyncio.create_task(self._run(consumer))
        return self

    async def _run(self, consumer: AIOKafkaConsumer) -> None:
        async for record in consumer:
            if record.value is None:
                continue
            self.record(IndexedBatch.from_bytes(record.value), time.time())

    def record(self, batch: IndexedBatch, now: float) -> None:
        if batch.lane == "backfill":
            self.backfill.append((batch.searchable_at.timestamp(), len(batch.docs)))
            return
        for doc in batch.docs:
            if doc.id not in self.searchable_at:
                self.searchable_at[doc.id] = batch.searchable_at.timestamp()
                self.read_at[doc.id] = now
                self.timelines[doc.id] = doc.timeline

    def backfilled(self, start: float = -math.inf, end: float = math.inf) -> int:
        """Backfill-lane documents announced searchable in ``[start, end)``."""
        return sum(n for t, n in self.backfill if start <= t < end)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()


@dataclass
class SearchProbe:
    """Polls a search for the pending sample ids; records when each is first found."""

    es: AsyncElasticsearch
    alias: str
    period_s: float = 0.25
    pending: set[str] = field(default_factory=set)
    found_at: dict[str, float] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    def watch(self, ids: list[str]) -> None:
        self.pending.update(i for i in ids if i not in self.found_at)

    def start(self) -> SearchProbe:
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while True:
            if self.pending:
                ids = sorted(self.pending)[:1000]
                try:
                    response = await self.es.search(
                        index=self.alias, query={"ids": {"values": ids}}, size=len(ids), source=False
                    )
                except Exception:  # a slow or busy cluster: try again next period
                    await asyncio.sleep(self.period_s)
                    continue
                now = time.time()
                for hit in response.body["hits"]["hits"]:
                    self.found_at.setdefault(hit["_id"], now)
                    self.pending.discard(hit["_id"])
            await asyncio.sleep(self.period_s)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


@dataclass
class WebhookReceiver:
    """Answers 200 to every POST on ``/hook``; records ``article_id → first arrival (unix s)``."""

    received_at: dict[str, float] = field(default_factory=dict)
    posts: int = 0
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _hook(self, request: web.Request) -> web.Response:
        now = time.time()
        self.posts += 1
        payload = json.loads(await request.read())
        self.received_at.setdefault(str(payload.get("article_id")), now)
        return web.Response(text="ok")

    async def start(self) -> WebhookReceiver:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner, self.port = await serve(app)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
