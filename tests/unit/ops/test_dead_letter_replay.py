"""Where ``wirewatch dlq replay`` sends a letter: the fetcher's back to its input topic as a forced fetch
request, the other stages' to the topic they read it from, the alerter's nowhere (its ledger is re-queued)."""

from __future__ import annotations

from wirewatch.core.deadletters import dead_letter
from wirewatch.core.errors import SchemaError
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.deadletters import replay_message
from wirewatch.schemas import STAGES, FeedItem, FetchRequest
from wirewatch.services.fetcher.errors import HTTPStatusError

SETTINGS = CommonSettings(topic_prefix="t1.")


def test_a_fetcher_letter_goes_back_to_the_fetcher_s_input_as_a_forced_request() -> None:
    item = FeedItem(link="https://example.org/a")
    error = HTTPStatusError("HTTP 500", url=item.link, status=500)
    letter = dead_letter("fetcher", error, item.to_bytes(), topic="feed:f1", key="doc1")
    message = replay_message(letter, SETTINGS)
    assert message is not None
    assert (message.topic, message.key) == (f"t1.{STAGES['fetcher'].input}", "f1")
    request = FetchRequest.from_bytes(message.value)
    assert request.force and request.item.link == item.link


def test_a_parser_letter_goes_back_to_the_topic_it_was_read_from_unchanged() -> None:
    topic = SETTINGS.topic_name(STAGES["parser"].input)
    letter = dead_letter("parser", SchemaError("no"), b"raw bytes", topic=topic, partition=1, offset=4, key="k1")
    message = replay_message(letter, SETTINGS)
    assert message is not None
    assert (message.topic, message.key, message.value) == (topic, "k1", b"raw bytes")


def test_an_alerter_letter_is_not_sent_to_a_topic() -> None:
    letter = dead_letter("alerter", SchemaError("no"), b"{}", topic=SETTINGS.topic_name(STAGES["alerter"].input))
    assert replay_message(letter, SETTINGS) is None
