"""What the pipeline has done: per-stage consumed offsets and lag, dead letters, documents indexed."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from wirewatch.core.kafka import client_options, read_topic
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES, DeadLetter

#: each stage and the live topic it reads, in pipeline order (the fetcher's is fetch.requests: the pages
#: it polls itself do not show here, its output does as the parser's input)
STAGE_INPUTS = {spec.name: spec.input for spec in STAGES.values()}


@dataclass
class StageStatus:
    stage: str
    topic: str
    produced: int
    processed: int
    lag: int


@dataclass
class PipelineStatus:
    stages: list[StageStatus] = field(default_factory=list)
    dead_letters: dict[str, int] = field(default_factory=dict)
    articles_indexed: int | None = None
    alerts: int | None = None
    feeds: int | None = None
    feeds_failing: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def _end_offsets(admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer, topic: str) -> dict[TopicPartition, int]:
    described = await admin.describe_topics([topic])
    tps = [TopicPartition(topic, p["partition"]) for t in described for p in t.get("partitions", [])]
    return dict(await consumer.end_offsets(tps)) if tps else {}


async def stage_status(settings: CommonSettings) -> list[StageStatus]:
    admin = AIOKafkaAdminClient(**client_options(settings))
    consumer = AIOKafkaConsumer(enable_auto_commit=False, **client_options(settings))
    await asyncio.gather(admin.start(), consumer.start())
    try:
        result = []
        for stage, name in STAGE_INPUTS.items():
            topic = settings.topic_name(name)
            ends = await _end_offsets(admin, consumer, topic)
            committed = await admin.list_consumer_group_offsets(f"{settings.topic_prefix}{stage}")
            done = {tp: meta.offset for tp, meta in committed.items() if tp.topic == topic and meta.offset >= 0}
            processed = sum(done.values())
            produced = sum(ends.values())
            lag = sum(max(0, end - done.get(tp, 0)) for tp, end in ends.items())
            result.append(StageStatus(stage, topic, produced, processed, lag))
        return result
    finally:
        await asyncio.gather(admin.close(), consumer.stop())


#: the topics the stages dead-letter to (today one, shared by every stage)
DEADLETTER_TOPICS = tuple(dict.fromkeys(spec.deadletters for spec in STAGES.values()))


async def read_dead_letters(settings: CommonSettings) -> list[DeadLetter]:
    """Every record of the dead-letter topics, oldest first in each (bounded by their retention)."""
    letters: list[DeadLetter] = []
    for name in DEADLETTER_TOPICS:
        records = await read_topic(settings, settings.topic_name(name))
        letters += [DeadLetter.from_bytes(r.value) for r in records if r.value]
    return letters


def count_by_stage(letters: list[DeadLetter]) -> dict[str, int]:
    return dict(Counter(letter.stage for letter in letters))


async def pipeline_status(settings: CommonSettings) -> PipelineStatus:
    """What ``wirewatch status --json`` and the workspace's ``/api/status`` show: per-stage offsets and lag,
    dead letters per stage, and the articles, alerts and (failing) feeds indexed."""
    from wirewatch.core.es import make_es

    status = PipelineStatus(
        stages=await stage_status(settings), dead_letters=count_by_stage(await read_dead_letters(settings))
    )
    es = make_es(settings)
    try:
        for attr, family in (("articles_indexed", "articles"), ("alerts", "alerts"), ("feeds", "feeds")):
            response = await es.count(index=settings.index_name(family), ignore_unavailable=True)
            setattr(status, attr, response.body["count"])
        failing = await es.count(
            index=settings.index_name("feeds"),
            ignore_unavailable=True,
            query={"range": {"consecutive_failures": {"gt": 0}}},
        )
        status.feeds_failing = failing.body["count"]
    finally:
        await es.close()
    return status
