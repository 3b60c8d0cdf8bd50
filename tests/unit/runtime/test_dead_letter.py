"""The one dead-letter constructor: any payload with its origin given explicitly, the tree's label, the
reason capped and a too-large payload truncated (and said so), and ``dlq`` filters that still find
letters written before the labels became snake_case."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from wirewatch.core import deadletters
from wirewatch.core.deadletters import MAX_REASON_CHARS, dead_letter
from wirewatch.core.errors import SchemaError, StageFailure
from wirewatch.ops.deadletters import select
from wirewatch.schemas import DeadLetter
from wirewatch.services.alerter.errors import DeliveryFailed
from wirewatch.services.fetcher.errors import HTTPStatusError


def test_a_feed_item_is_dead_lettered_with_the_origin_the_stage_names() -> None:
    error = HTTPStatusError("HTTP 410", url="https://example.org/a", status=410)
    letter = dead_letter(
        "fetcher",
        error,
        b'{"link": "https://example.org/a"}',
        topic="feed:f1",
        key="doc1",
        item_id="doc1",
        subject="https://example.org/a (example.org)",
    )
    assert (letter.stage, letter.topic, letter.partition, letter.offset) == ("fetcher", "feed:f1", None, None)
    assert (letter.key, letter.item_id, letter.error_class) == ("doc1", "doc1", "http_status")
    assert letter.reason == "https://example.org/a (example.org): HTTP 410"
    assert base64.b64decode(letter.payload_b64) == b'{"link": "https://example.org/a"}'


def test_a_record_s_coordinates_and_bytes_key_are_kept() -> None:
    letter = dead_letter("parser", SchemaError("no"), b"x", topic="pages", partition=3, offset=9, key=b"k\xff")
    assert (letter.topic, letter.partition, letter.offset, letter.key) == ("pages", 3, 9, "k\ufffd")
    assert (letter.error_class, letter.reason) == ("schema_error", "no")


def test_an_error_outside_the_tree_gets_its_type_in_the_reason_and_label() -> None:
    letter = dead_letter("extractor", KeyError("entities"), b"{}")
    assert (letter.error_class, letter.reason) == ("key_error", "KeyError: 'entities'")


def test_the_reason_is_capped_and_a_truncated_payload_says_so(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(deadletters, "MAX_DEAD_PAYLOAD", 10)
    letter = dead_letter("alerter", DeliveryFailed("x" * 10_000, delivery_id="d1"), b"0123456789abcdef", key="d1")
    assert base64.b64decode(letter.payload_b64) == b"0123456789"
    assert len(letter.reason) == MAX_REASON_CHARS
    assert letter.reason.endswith("[payload truncated from 16 to 10 bytes]")
    assert letter.error_class == "delivery_failed"


def test_old_camel_case_letters_match_the_new_labels() -> None:
    def old(error_class: str) -> DeadLetter:
        letter = dead_letter("indexer", StageFailure("r"), b"")
        return letter.model_copy(update={"error_class": error_class, "failed_at": datetime.now(UTC)})

    letters = [old("DocumentRejected"), old("document_rejected"), old("SchemaError")]
    assert [d.error_class for d in select(letters, error_class="document_rejected")] == [
        "DocumentRejected",
        "document_rejected",
    ]
