"""Hostile messages on the real broker, through the real stage runner: a message that fails its schema is
dead-lettered whole and the stream moves on; an output larger than its topic accepts dead-letters its
input instead of wedging the stage; the largest page the fetcher accepts still fits on ``pages``."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from bench.broker import produce, read_all
from bench.workers import Workers
from tests.support.polling import eventually
from wirewatch.core.kafka import MAX_MESSAGE_BYTES, Outgoing, client_options
from wirewatch.core.runner import BatchRunner, Record
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.observe import read_dead_letters
from wirewatch.schemas import STAGES, TOPICS, DeadLetter, FeedItem, FetchedPage, ParsedArticle
from wirewatch.services.fetcher.settings import FetcherSettings

pytestmark = [pytest.mark.integration]
PARSER = STAGES["parser"]

STORY = (
    "<html><head><title>Port reopens</title></head><body><article><h1>Port reopens</h1>"
    + "<p>The harbour reopened on Monday after repairs, officials said, and ships queued to enter.</p>" * 6
    + "</article></body></html>"
).encode()


def page(n: int, body: bytes = STORY) -> FetchedPage:
    url = f"https://news.example/story-{n}"
    return FetchedPage(
        id=f"page{n:04d}",
        url=url,
        final_url=url,
        item=FeedItem(link=url),
        status=200,
        content_type="text/html",
        charset="utf-8",
        body_gz_b64=FetchedPage.pack_body(body),
        fetched_at=datetime.now(UTC),
    )


GARBAGE = {
    "not-json": b"\x00\x01 not json at all \xff",
    "wrong-schema": b'{"id": "x", "url": 42}',
    "extra-field": page(9).model_copy().to_bytes()[:-1] + b', "smuggled": true}',
    "empty": b"",
}


async def test_messages_failing_their_schema_are_dead_lettered_and_the_stream_moves_on(
    initialised: CommonSettings, tmp_path: Path
) -> None:
    settings = initialised
    for name, value in GARBAGE.items():
        await produce(settings, PARSER.input, [value], key=f"bad-{name}")
    await produce(settings, PARSER.input, [page(1)])
    workers = Workers(settings, tmp_path / "logs")
    workers.start("parser")
    try:
        parsed = await eventually(
            lambda: read_all(settings, PARSER.output),
            timeout=120,
            what="the good page behind the garbage to be parsed",
        )
        letters = await eventually(
            lambda: _letters_if(settings, len(GARBAGE)), timeout=60, what="a dead letter per bad message"
        )
    except AssertionError:
        print(f"--- parser log ---\n{workers.log_tail('parser', 60)}")
        raise
    finally:
        workers.stop()
    assert [ParsedArticle.from_bytes(v).id for v in parsed] == ["page0001"]
    by_key = {d.key: d for d in letters}
    assert set(by_key) == {f"bad-{name}" for name in GARBAGE}
    for name, value in GARBAGE.items():
        letter = by_key[f"bad-{name}"]
        assert (letter.stage, letter.error_class) == ("parser", "schema_error") and letter.reason
        assert letter.topic == settings.topic_name(PARSER.input) and letter.offset is not None
        assert base64.b64decode(letter.payload_b64) == value  # kept whole, so it can be replayed


async def _letters_if(settings: CommonSettings, count: int) -> list[DeadLetter] | None:
    letters = await read_dead_letters(settings)
    return letters if len(letters) >= count else None


@pytest.fixture
async def producer(initialised: CommonSettings) -> AsyncIterator[AIOKafkaProducer]:
    client = AIOKafkaProducer(acks="all", max_request_size=MAX_MESSAGE_BYTES, **client_options(initialised))
    await client.start()
    yield client
    await client.stop()


def runner_over(settings: CommonSettings, producer: AIOKafkaProducer, output_bytes: int) -> BatchRunner[FetchedPage]:
    """The parser's runner with a handler whose output on ``articles.parsed`` is ``output_bytes`` long,
    sending through a real producer, as ``send_all`` does."""

    async def handler(pages: Sequence[FetchedPage]) -> list[list[Outgoing]]:
        return [[Outgoing(settings.topic_name(PARSER.output), p.id, b"x" * output_bytes)] for p in pages]

    async def send(messages: Sequence[Outgoing]) -> None:
        futures = [await producer.send(m.topic, m.value, key=m.key.encode() if m.key else None) for m in messages]
        await asyncio.gather(*futures)

    return BatchRunner(
        stage="parser",
        model=FetchedPage,
        handler=handler,
        send=send,
        deadletter_topic=settings.topic_name(PARSER.deadletters),
    )


LIMIT = TOPICS[PARSER.output].max_message_bytes


@pytest.mark.parametrize(
    "output_bytes",
    [LIMIT + 1, LIMIT + 1024 * 1024, LIMIT - 32],
    ids=["one-byte-over", "a-megabyte-over", "within-the-record-overhead"],
)
async def test_output_the_broker_would_refuse_dead_letters_its_input(
    initialised: CommonSettings, producer: AIOKafkaProducer, output_bytes: int
) -> None:
    """``max.message.bytes`` bounds the record batch (value + key + record and batch headers), so a value
    a few bytes under the limit is refused by the broker as well: it must be dead-lettered like any other
    oversized output, not raise out of the runner (which crashes the agent and replays the input forever)."""
    settings = initialised
    runner = runner_over(settings, producer, output_bytes)
    record = Record(
        value=page(2).to_bytes(), key=b"page0002", topic=settings.topic_name(PARSER.input), partition=0, offset=7
    )
    await asyncio.wait_for(runner.run([record]), 60)
    [letter] = await read_dead_letters(settings)
    assert (letter.stage, letter.error_class, letter.item_id) == ("parser", "message_too_large", "page0002")
    assert base64.b64decode(letter.payload_b64) == record.value
    assert await read_all(settings, PARSER.output) == []


async def test_the_largest_page_the_fetcher_accepts_fits_on_pages(initialised: CommonSettings) -> None:
    """An incompressible page at the fetcher's cap (gzip cannot shrink it, base64 grows it by 4/3) is
    still accepted by the broker on ``pages``, so the fetcher never produces what the broker refuses."""
    cap = FetcherSettings.model_fields["fetcher_max_page_bytes"].default
    big = page(3, os.urandom(cap))
    assert len(big.to_bytes()) > cap * 4 // 3  # really near the worst case
    await produce(initialised, PARSER.input, [big])
    [stored] = await read_all(initialised, PARSER.input)
    assert FetchedPage.from_bytes(stored).body(cap) == big.body(cap)


async def test_a_message_over_the_brokers_limit_never_enters(
    initialised: CommonSettings, producer: AIOKafkaProducer
) -> None:
    """What no stage can dead-letter because it never arrives: the broker refuses it at the door."""
    from aiokafka.errors import MessageSizeTooLargeError

    with pytest.raises(MessageSizeTooLargeError):
        await producer.send_and_wait(initialised.topic_name(PARSER.output), os.urandom(LIMIT + 4096))
    assert await read_all(initialised, PARSER.output) == []
