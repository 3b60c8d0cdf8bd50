"""Backfill: copy stored messages of a stage's input topic onto its backfill lane, marked ``lane=backfill``,
so the stage reprocesses them (after a parser or model upgrade) without delaying live traffic."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import ValidationError

from wirewatch.core.kafka import MAX_MESSAGE_BYTES, client_options, topic_partitions
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import StageSpec, backfill_stages, stage

#: the stages that can reprocess, each reading its backfill lane (from the stage registry)
SOURCES: dict[str, StageSpec] = {spec.name: spec for spec in backfill_stages()}
Progress = Callable[[int, int], None]


@dataclass
class ReplayReport:
    source: str
    target: str
    copied: int = 0
    skipped: int = 0


async def _start_offsets(
    consumer: AIOKafkaConsumer, tps: list[TopicPartition], since: datetime | None
) -> dict[TopicPartition, int]:
    if since is None:
        return dict(await consumer.beginning_offsets(tps))
    found = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in tps})
    ends = await consumer.end_offsets(tps)
    return {tp: found[tp].offset if found.get(tp) is not None else ends[tp] for tp in tps}


async def replay(
    settings: CommonSettings, name: str, *, since: datetime | None = None, progress: Progress | None = None
) -> ReplayReport:
    """Copy every message of ``stage``'s input topic (from ``since``) up to its current end."""
    spec = stage(name)
    if spec.backfill is None:
        raise KeyError(f"stage {name!r} has no backfill lane; choose from {', '.join(SOURCES)}")
    model = spec.model
    report = ReplayReport(settings.topic_name(spec.input), settings.topic_name(spec.backfill.input))
    consumer = AIOKafkaConsumer(
        enable_auto_commit=False, max_partition_fetch_bytes=MAX_MESSAGE_BYTES, **client_options(settings)
    )
    producer = AIOKafkaProducer(
        acks="all",
        enable_idempotence=True,
        max_request_size=MAX_MESSAGE_BYTES,
        compression_type="zstd",
        **client_options(settings),
    )
    await asyncio.gather(consumer.start(), producer.start())
    try:
        partitions = await topic_partitions(settings, report.source)
        if not partitions:
            raise RuntimeError(f"topic {report.source} does not exist: run `wirewatch stack up` (or `stack init`)")
        consumer.assign(partitions)
        starts = await _start_offsets(consumer, partitions, since)
        ends = await consumer.end_offsets(partitions)
        total = sum(max(0, ends[tp] - starts[tp]) for tp in partitions)
        for tp in partitions:
            consumer.seek(tp, starts[tp])
        done = 0
        pending = [tp for tp in partitions if starts[tp] < ends[tp]]
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=2000)
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    done += 1
                    try:
                        message = model.model_validate_json(record.value).model_copy(update={"lane": "backfill"})
                    except ValidationError:
                        report.skipped += 1  # it was dead-lettered when it first went through
                        continue
                    await producer.send(report.target, message.to_bytes(), key=record.key)
                    report.copied += 1
            await producer.flush()
            if progress:
                progress(done, total)
            pending = [tp for tp in pending if await consumer.position(tp) < ends[tp]]
        return report
    finally:
        await asyncio.gather(consumer.stop(), producer.stop())
