"""Producing and reading whole messages on the real broker, in one namespace (relative topic names).

The chaos drill plants raw poison with :func:`produce`; integration tests produce and read with both.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from wirewatch.core.kafka import MAX_MESSAGE_BYTES, client_options, read_topic
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import Message


async def produce(
    settings: CommonSettings, topic: str, messages: Sequence[Message | bytes], key: str | None = None
) -> None:
    """Send each message (a model or raw bytes) and wait for the broker; the key is ``key`` or the
    message's ``id``."""
    producer = AIOKafkaProducer(acks="all", max_request_size=MAX_MESSAGE_BYTES, **client_options(settings))
    await producer.start()
    try:
        for message in messages:
            value = message if isinstance(message, bytes) else message.to_bytes()
            k = key if key is not None else getattr(message, "id", None)
            await producer.send_and_wait(settings.topic_name(topic), value, key=k.encode() if k else None)
    finally:
        await producer.stop()


async def read_all(settings: CommonSettings, topic: str) -> list[bytes]:
    """Every record currently in the topic (relative name)."""
    return [r.value for r in await read_topic(settings, settings.topic_name(topic))]
