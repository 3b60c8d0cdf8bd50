"""The batch runner every consuming worker shares: validate in, process, produce out, dead-letter what
fails, and only then let the agent acknowledge the offsets.

Delivery guarantee: at least once. Outputs and dead letters are acknowledged by the broker before the
input offsets may be committed; a crash in between replays the batch, and every downstream write is
idempotent (deterministic ids, external versions, alert ids), so a replay duplicates nothing visible.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from wirewatch.core import metrics
from wirewatch.core.deadletters import dead_letter
from wirewatch.core.errors import MessageTooLarge, SchemaError, error_class_of
from wirewatch.core.kafka import MAX_MESSAGE_BYTES, Outgoing
from wirewatch.schemas import TOPICS, DeadLetter, Message, Stage

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)
Result = list[Outgoing] | BaseException
Handler = Callable[[Sequence[M]], Awaitable[Sequence[Result]]]
Sender = Callable[[Sequence[Outgoing]], Awaitable[None]]


@dataclass(frozen=True)
class Record:
    """The parts of a consumed Kafka record the runner needs (decoupled from faust's Event)."""

    value: bytes
    key: bytes | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None

    @classmethod
    def from_event(cls, event: Any) -> Record:
        msg = event.message
        return cls(value=event.value, key=event.key, topic=msg.topic, partition=msg.partition, offset=msg.offset)

    def where(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"

    def context(self, stage: str, article_id: str | None = None, error_class: str | None = None) -> dict[str, Any]:
        """Fields for a structured log line: where the record is, and which article it carries."""
        return {
            "stage": stage,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "article_id": article_id,
            "error_class": error_class,
        }


@dataclass
class BatchStats:
    consumed: int = 0
    produced: int = 0
    dead_lettered: int = 0
    retries: int = 0
    errors_by_class: dict[str, int] = field(default_factory=dict)


#: what the broker counts besides key and value (batch and record headers), with room to spare
RECORD_OVERHEAD = 1024


def _record_size(message: Outgoing) -> int:
    return len(message.value) + len(message.key or "") + RECORD_OVERHEAD


def _letter(stage: Stage, record: Record, error: BaseException, item_id: str | None = None) -> DeadLetter:
    """The dead letter of a consumed record: its bytes, with the record's coordinates."""
    return dead_letter(
        stage,
        error,
        record.value,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        item_id=item_id,
    )


class BatchRunner(Generic[M]):
    """Runs one stage's handler over batches of records with schema checks, retries and dead letters."""

    def __init__(
        self,
        *,
        stage: Stage,
        model: type[M],
        handler: Handler[M],
        send: Sender,
        deadletter_topic: str,
        max_backoff_s: float = 30.0,
        max_message_bytes: int | None = None,
    ) -> None:
        self.stage = stage
        self.model = model
        self.handler = handler
        self.send = send
        self.deadletter_topic = deadletter_topic
        self.max_backoff_s = max_backoff_s
        self.max_message_bytes = max_message_bytes
        self.stats = BatchStats()

    async def run(self, records: Sequence[Record]) -> None:
        """Process one batch completely; returns only when outputs and dead letters are acknowledged."""
        started = time.monotonic()
        await self._run(records)
        metrics.BATCH_SECONDS.labels(self.stage).observe(time.monotonic() - started)
        metrics.BATCH_SIZE.labels(self.stage).observe(len(records))
        metrics.LAST_PROGRESS.labels(self.stage).set_to_current_time()

    async def _run(self, records: Sequence[Record]) -> None:
        self.stats.consumed += len(records)
        metrics.MESSAGES_IN.labels(self.stage).inc(len(records))
        valid: list[tuple[Record, M]] = []
        dead: list[DeadLetter] = []
        for record in records:
            try:
                valid.append((record, self.model.from_bytes(record.value)))
            except (ValidationError, ValueError, UnicodeDecodeError) as exc:
                log.warning(
                    "schema error at %s: %s", record.where(), str(exc).splitlines()[0], extra=record.context(self.stage)
                )
                dead.append(_letter(self.stage, record, _schema_error(exc)))
        outgoing, more_dead = await self._process(valid)
        dead.extend(more_dead)
        await self._deliver(outgoing, dead)

    async def _process(self, valid: list[tuple[Record, M]]) -> tuple[list[Outgoing], list[DeadLetter]]:
        if not valid:
            return [], []
        results = await self._with_retries(lambda: self._handle_isolating(valid))
        outgoing: list[Outgoing] = []
        dead: list[DeadLetter] = []
        for (record, message), result in zip(valid, results, strict=True):
            if isinstance(result, BaseException):
                self._count(result)
                log.warning(
                    "%s failed at %s (id=%s): %s",
                    self.stage,
                    record.where(),
                    getattr(message, "id", None),
                    result,
                    extra=record.context(self.stage, getattr(message, "id", None), error_class_of(result)),
                )
                dead.append(_letter(self.stage, record, result, getattr(message, "id", None)))
            elif oversized := [m for m in result if _record_size(m) > self._limit(m.topic)]:
                big = oversized[0]
                error = MessageTooLarge(big.topic, len(big.value), self._limit(big.topic))
                self._count(error)
                dead.append(_letter(self.stage, record, error, getattr(message, "id", None)))
            else:
                outgoing.extend(result)
        return outgoing, dead

    def _limit(self, topic: str) -> int:
        """What the broker accepts on ``topic`` (its registry setting), or the explicit override."""
        if self.max_message_bytes is not None:
            return self.max_message_bytes
        specs = [spec for spec in TOPICS.values() if topic.endswith(spec.name)]
        return max(specs, key=lambda spec: len(spec.name)).max_message_bytes if specs else MAX_MESSAGE_BYTES

    async def _handle_isolating(self, valid: list[tuple[Record, M]]) -> Sequence[Result]:
        """Handle the batch; if the handler itself crashes on a bad item, handle items one by one so
        only the poison is dead-lettered. Retriable errors propagate (the whole batch is retried)."""
        messages = [m for _, m in valid]
        try:
            return await self.handler(messages)
        except Exception as exc:
            if _is_retriable(exc) or len(messages) == 1:
                if _is_retriable(exc):
                    raise
                return [exc]
            log.warning("%s batch of %d failed (%s); isolating items", self.stage, len(messages), exc)
        results: list[Result] = []
        for message in messages:
            try:
                results.extend(await self.handler([message]))
            except Exception as exc:
                if _is_retriable(exc):
                    raise
                results.append(exc)
        return results

    async def _deliver(self, outgoing: list[Outgoing], dead: list[DeadLetter]) -> None:
        letters = [Outgoing(self.deadletter_topic, self.stage, d.to_bytes()) for d in dead]
        await self._with_retries(lambda: self.send([*outgoing, *letters]))
        self.stats.produced += len(outgoing)
        self.stats.dead_lettered += len(letters)
        metrics.MESSAGES_OUT.labels(self.stage).inc(len(outgoing))
        for letter in dead:
            metrics.DEAD_LETTERS.labels(self.stage, letter.error_class).inc()

    async def _with_retries(self, attempt: Callable[[], Awaitable[Any]]) -> Any:
        """Retry retriable failures forever with capped exponential backoff and jitter: we stop
        consuming (backpressure) rather than drop anything."""
        delay = 0.5
        while True:
            try:
                return await attempt()
            except Exception as exc:
                if not _is_retriable(exc):
                    raise
                self.stats.retries += 1
                metrics.RETRIES.labels(self.stage).inc()
                self._count(exc)
                sleep = min(self.max_backoff_s, delay) * random.uniform(0.5, 1.0)
                log.warning(
                    "%s: retriable failure (%s: %s); retrying in %.1fs", self.stage, type(exc).__name__, exc, sleep
                )
                await asyncio.sleep(sleep)
                delay *= 2

    def _count(self, exc: BaseException) -> None:
        name = error_class_of(exc)
        self.stats.errors_by_class[name] = self.stats.errors_by_class.get(name, 0) + 1
        metrics.ERRORS.labels(self.stage, name).inc()


def _schema_error(exc: Exception) -> SchemaError:
    first = str(exc).splitlines()
    return SchemaError("message does not match its schema: " + " ".join(s.strip() for s in first[:4]))


def _is_retriable(exc: BaseException) -> bool:
    """Waiting fixes it: broker/cluster outages, timeouts, 429 and 5xx answers."""
    from aiokafka.errors import KafkaError
    from elastic_transport import ConnectionError as EsConnectionError
    from elastic_transport import ConnectionTimeout as EsTimeout
    from elasticsearch import ApiError

    if isinstance(getattr(exc, "retriable", None), bool) and not isinstance(exc, KafkaError):
        return bool(getattr(exc, "retriable"))  # noqa: B009 - BaseException declares no such attribute
    if isinstance(exc, KafkaError):
        return bool(getattr(exc, "retriable", True))
    if isinstance(exc, ApiError):
        return exc.meta.status == 429 or exc.meta.status >= 500
    return isinstance(exc, (EsConnectionError, EsTimeout, ConnectionError, TimeoutError, asyncio.TimeoutError))
