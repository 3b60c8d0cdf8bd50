"""The shared batch runner: schema failures and poison items are dead-lettered, retriable failures are
retried (never dropped), and outputs are handed over before the runner returns."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from wirewatch.core.errors import ServiceUnavailable, StageFailure
from wirewatch.core.kafka import Outgoing
from wirewatch.core.runner import BatchRunner, Record
from wirewatch.schemas import DeadLetter, Probe


def probe(marker: str) -> Record:
    return Record(
        value=Probe(marker=marker, sent_at=datetime.now(UTC)).to_bytes(),
        topic="in",
        partition=0,
        offset=int(marker) if marker.isdigit() else 0,
    )


class Sink:
    def __init__(self, failures: int = 0) -> None:
        self.sent: list[Outgoing] = []
        self.failures = failures

    async def __call__(self, messages: Sequence[Outgoing]) -> None:
        if self.failures:
            self.failures -= 1
            raise ServiceUnavailable("broker away")
        self.sent.extend(messages)

    def letters(self) -> list[DeadLetter]:
        return [DeadLetter.from_bytes(m.value) for m in self.sent if m.topic == "dlq"]

    def outputs(self) -> list[Outgoing]:
        return [m for m in self.sent if m.topic == "out"]


async def echo(batch: Sequence[Probe]) -> list[list[Outgoing]]:
    return [[Outgoing("out", p.marker, p.marker.encode())] for p in batch]


def runner(handler, sink: Sink) -> BatchRunner[Probe]:  # type: ignore[no-untyped-def]
    return BatchRunner(
        stage="parser", model=Probe, handler=handler, send=sink, deadletter_topic="dlq", max_backoff_s=0.01
    )


async def test_valid_batch_produces_every_output() -> None:
    sink = Sink()
    await runner(echo, sink).run([probe("1"), probe("2"), probe("3")])
    assert [m.key for m in sink.outputs()] == ["1", "2", "3"]
    assert sink.letters() == []


async def test_message_failing_its_schema_is_dead_lettered_with_payload_and_reason() -> None:
    sink = Sink()
    bad = Record(value=b'{"marker": 5}', topic="in", partition=2, offset=41)
    await runner(echo, sink).run([probe("1"), bad])
    [letter] = sink.letters()
    assert letter.error_class == "schema_error"
    assert "schema" in letter.reason
    assert base64.b64decode(letter.payload_b64) == b'{"marker": 5}'
    assert (letter.topic, letter.partition, letter.offset) == ("in", 2, 41)
    assert [m.key for m in sink.outputs()] == ["1"]


async def test_item_failure_goes_to_dead_letters_and_the_rest_flows() -> None:
    class NotProbed(StageFailure):
        error_class = "not_probed"

    async def handler(batch: Sequence[Probe]) -> list[object]:
        return [NotProbed("not html") if p.marker == "2" else [Outgoing("out", p.marker, b"")] for p in batch]

    sink = Sink()
    await runner(handler, sink).run([probe("1"), probe("2"), probe("3")])
    assert [(letter.error_class, letter.reason) for letter in sink.letters()] == [("not_probed", "not html")]
    assert [m.key for m in sink.outputs()] == ["1", "3"]


async def test_a_crashing_handler_is_isolated_to_the_poison_item() -> None:
    async def handler(batch: Sequence[Probe]) -> list[list[Outgoing]]:
        if any(p.marker == "13" for p in batch):
            raise ValueError("bug triggered by item 13")
        return await echo(batch)

    sink = Sink()
    await runner(handler, sink).run([probe("12"), probe("13"), probe("14")])
    [letter] = sink.letters()
    assert letter.error_class == "value_error" and "item 13" in letter.reason
    assert [m.key for m in sink.outputs()] == ["12", "14"]


async def test_retriable_failures_are_retried_until_they_pass() -> None:
    calls = 0

    async def flaky(batch: Sequence[Probe]) -> list[list[Outgoing]]:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ServiceUnavailable("Elasticsearch answered 503")
        return await echo(batch)

    sink = Sink(failures=2)
    r = runner(flaky, sink)
    await r.run([probe("1")])
    assert calls == 3
    assert [m.key for m in sink.outputs()] == ["1"]
    assert r.stats.retries == 4
    assert sink.letters() == []


async def test_empty_value_is_a_schema_error_not_a_crash() -> None:
    sink = Sink()
    await runner(echo, sink).run([Record(value=b"", topic="in", partition=0, offset=0)])
    assert [letter.error_class for letter in sink.letters()] == ["schema_error"]


@pytest.mark.parametrize("payload", [b"\xff\xfe not json", b"[]", b'{"marker": "x", "sent_at": "yesterday"}'])
async def test_garbage_payloads_are_dead_lettered(payload: bytes) -> None:
    sink = Sink()
    await runner(echo, sink).run([Record(value=payload)])
    assert len(sink.letters()) == 1


async def test_output_larger_than_the_broker_accepts_dead_letters_its_input() -> None:
    async def bloat(batch: Sequence[Probe]) -> list[list[Outgoing]]:
        # 2,500 bytes fit under 3,000 alone, but not with the key and the broker's record overhead
        return [[Outgoing("out", p.marker, b"x" * (2500 if p.marker == "2" else 10))] for p in batch]

    sink = Sink()
    r = BatchRunner(
        stage="parser", model=Probe, handler=bloat, send=sink, deadletter_topic="dlq", max_message_bytes=3000
    )
    await r.run([probe("1"), probe("2")])
    [letter] = sink.letters()
    assert letter.error_class == "message_too_large" and "2500 bytes" in letter.reason
    assert [m.key for m in sink.outputs()] == ["1"]
