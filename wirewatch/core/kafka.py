"""Kafka plumbing shared by the workers: the faust App factory, topics from the registry, producing
with delivery confirmation, and topic administration for ``wirewatch stack up``."""

from __future__ import annotations

import asyncio
import logging
import ssl
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context
from faust.transport.drivers.aiokafka import Producer as AIOKafkaDriverProducer
from faust.types import ProducerT

from wirewatch.core.redaction import redact_servers
from wirewatch.core.replication import min_insync, topic_replication
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import TOPICS, TopicSpec
from wirewatch.schemas.probe import Probe

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Outgoing:
    """A message to produce: full topic name, key and the serialised value."""

    topic: str
    key: str | None
    value: bytes
    partition: int | None = None


def _ssl_context(settings: CommonSettings) -> ssl.SSLContext | None:
    if "SSL" not in settings.kafka_security_protocol:
        return None
    context: ssl.SSLContext = create_ssl_context(  # aiokafka is untyped
        cafile=_path(settings.kafka_ssl_cafile),
        certfile=_path(settings.kafka_ssl_certfile),
        keyfile=_path(settings.kafka_ssl_keyfile),
    )
    return context


def _path(value: Path | None) -> str | None:
    return str(value) if value is not None else None


def client_options(settings: CommonSettings) -> dict[str, Any]:
    """Connection options for every aiokafka client (admin, producers, consumers): TLS and SASL."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "security_protocol": settings.kafka_security_protocol,
    }
    context = _ssl_context(settings)
    if context is not None:
        options["ssl_context"] = context
    if settings.kafka_security_protocol.startswith("SASL"):
        password = settings.kafka_sasl_password
        options |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": password.get_secret_value() if password else None,
        }
    return options


def broker_credentials(settings: CommonSettings) -> faust.types.auth.CredentialsT | None:
    """The same TLS/SASL settings, in faust's terms."""
    context = _ssl_context(settings)
    if settings.kafka_security_protocol.startswith("SASL"):
        password = settings.kafka_sasl_password
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=password.get_secret_value() if password else None,
            mechanism=settings.kafka_sasl_mechanism,
            ssl_context=context,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def broker_urls(settings: CommonSettings) -> list[str]:
    return [f"kafka://{server.strip()}" for server in settings.kafka_bootstrap.split(",")]


class IdempotentProducer(AIOKafkaDriverProducer):
    """faust's producer with ``enable_idempotence``: a batch resent after a broker failover (leader
    change, lost acknowledgement) is written once, not twice. faust only turns it on for transactions."""

    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}


class WirewatchApp(faust.App):
    """A faust App whose producer is :class:`IdempotentProducer`."""

    def _new_producer(self) -> ProducerT:
        return IdempotentProducer(self.transport, loop=self.loop, beacon=self.beacon)


def make_app(service: str, settings: CommonSettings) -> faust.App:
    """A faust App for one worker: raw-bytes topics (pydantic does the schema), no tables, no leader topic."""
    datadir = Path(settings.state_dir) / "faust" / f"{settings.topic_prefix}{service}"
    datadir.parent.mkdir(parents=True, exist_ok=True)
    return WirewatchApp(
        f"{settings.topic_prefix}{service}",
        broker=broker_urls(settings),
        key_serializer="raw",
        value_serializer="raw",
        datadir=str(datadir),
        broker_credentials=broker_credentials(settings),
        topic_allow_declare=False,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=MAX_MESSAGE_BYTES,
        consumer_max_fetch_size=MAX_MESSAGE_BYTES,
        broker_commit_interval=1.0,
        # a restarted worker rejoins its group only once the dead member's session expired: 10 s
        # (aiokafka's default) instead of faust's 60 s; heartbeats go every 3 s from the consumer's thread
        broker_session_timeout=10.0,
        stream_wait_empty=False,
        web_enabled=False,  # /metrics, /healthz and /readyz are served by wirewatch.core.metrics instead
    )


def app_topic(app: faust.App, settings: CommonSettings, name: str) -> faust.TopicT:
    spec = TOPICS[name]
    return app.topic(
        spec.full_name(settings.topic_prefix), key_type=bytes, value_type=bytes, partitions=spec.partitions
    )


async def send_all(app: faust.App, messages: Sequence[Outgoing]) -> None:
    """Produce every message and return only once the broker acknowledged all of them (acks=all)."""
    if not messages:
        return
    producer = app.producer
    futures = [
        await producer.send(
            m.topic, m.key.encode() if m.key else None, m.value, partition=m.partition, timestamp=None, headers=None
        )
        for m in messages
    ]
    await asyncio.gather(*futures)


def _admin(settings: CommonSettings) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(request_timeout_ms=15000, **client_options(settings))


def new_topic(spec: TopicSpec, prefix: str, brokers: int, override: int = 0) -> NewTopic:
    """How one registry topic is created on a cluster of ``brokers``: RF min(3, brokers) (or the
    override), ``min.insync.replicas`` 2 from RF 3 on."""
    replication = topic_replication(brokers, override)
    configs = spec.configs() | {"min.insync.replicas": str(min_insync(replication))}
    return NewTopic(spec.full_name(prefix), spec.partitions, replication, topic_configs=configs)


async def broker_count(admin: AIOKafkaAdminClient) -> int:
    """The brokers in the cluster's metadata (the live ones: a broker that is down is not listed)."""
    cluster = await admin.describe_cluster()
    return len(cluster.get("brokers", [])) or 1


async def ensure_topics(settings: CommonSettings, specs: Iterable[TopicSpec] | None = None) -> list[str]:
    """Create the registry's topics that do not exist yet, replicated as the cluster allows (see
    :mod:`wirewatch.core.replication`); returns the names created."""
    specs = list(specs if specs is not None else TOPICS.values())
    admin = _admin(settings)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [s for s in specs if s.full_name(settings.topic_prefix) not in existing]
        brokers = await broker_count(admin) if wanted else 1
        prefix, override = settings.topic_prefix, settings.topic_replication
        new = [new_topic(s, prefix, brokers, override) for s in wanted]
        if new:
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                log.info("topics were created concurrently")
        return [t.name for t in new]
    finally:
        await admin.close()


async def delete_topics(settings: CommonSettings, names: Sequence[str]) -> None:
    admin = _admin(settings)
    await admin.start()
    try:
        await admin.delete_topics(list(names))
    finally:
        await admin.close()


async def roundtrip(settings: CommonSettings, topic: str, timeout: float = 20.0) -> None:  # noqa: ASYNC109 - a bound on the read-back, not on the whole call
    """Prove the broker works end to end: produce a record and read it back."""
    marker = Probe(marker=uuid.uuid4().hex, sent_at=datetime.now(UTC)).to_bytes()
    producer = AIOKafkaProducer(acks="all", enable_idempotence=True, **client_options(settings))
    await producer.start()
    try:
        meta = await producer.send_and_wait(topic, marker, partition=0)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(enable_auto_commit=False, **client_options(settings))
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek(tp, meta.offset)
        record = await asyncio.wait_for(consumer.getone(), timeout)
        if record.value != marker:
            raise RuntimeError("Kafka round trip returned a different record")
    finally:
        await consumer.stop()


async def topic_partitions(settings: CommonSettings, name: str) -> list[TopicPartition]:
    """The partitions of a topic (full name), from the broker's metadata; empty if it does not exist."""
    admin = _admin(settings)
    await admin.start()
    try:
        described = await admin.describe_topics([name])
    finally:
        await admin.close()
    return sorted(
        (
            TopicPartition(name, p["partition"])
            for t in described
            if not t.get("error_code")
            for p in t.get("partitions", [])
        ),
        key=lambda tp: tp.partition,
    )


async def read_topic(settings: CommonSettings, name: str, *, timeout_s: float = 5.0) -> list[Any]:
    """Every record currently in a topic (full name), oldest first per partition; for tools and tests."""
    tps = await topic_partitions(settings, name)
    if not tps:
        return []
    consumer = AIOKafkaConsumer(
        enable_auto_commit=False,
        max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
        fetch_max_bytes=4 * MAX_MESSAGE_BYTES,
        **client_options(settings),
    )
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[Any] = []
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            batch = await asyncio.wait_for(consumer.getmany(*tps, timeout_ms=int(timeout_s * 1000)), timeout_s + 5)
            if not batch:
                break
            for part in batch.values():
                records += part
        return records
    finally:
        await consumer.stop()


async def wait_for_broker(settings: CommonSettings, *, deadline_s: float = 300.0) -> None:
    """Block until the brokers answer (capped exponential backoff), so a worker started while Kafka is
    away waits for it instead of exiting with "unable to bootstrap"."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + deadline_s
    delay = 0.5
    while True:
        admin = _admin(settings)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except Exception as exc:  # any failure to reach the brokers: wait and try again
            if loop.time() + delay > give_up:
                raise
            log.warning(
                "Kafka at %s not reachable yet (%s); retrying in %.1fs",
                redact_servers(settings.kafka_bootstrap),
                type(exc).__name__,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
        finally:
            await admin.close()
