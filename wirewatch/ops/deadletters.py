"""Acting on dead letters: filter them, and send them back through their stage after a fix.

Each letter is of one kind (:func:`kind_of`), which says where a replay sends it:
    feed_item  (fetcher, topic ``feed:<id>``) → ``fetch.requests``: the feed item, fetched again even though
               its URL is known
    feed_poll  (fetcher, topic ``feedpoll:<id>``) → nowhere: a failed poll of a whole feed. The poller never
               drops a feed; it polls a failing one again on its backoff schedule, so the fix is retried by
               the next poll (``feeds show <id>`` says when). Replay skips these letters and says so.
    record     (parser, extractor, indexer) → the topic it was read from (the original bytes, unchanged)
    alert      (alerter) → its ledger entry is set back to pending with an expired lease; the alerter
               redelivers it
    unroutable → nowhere: a letter that names no topic to go back to
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from elasticsearch import AsyncElasticsearch

from wirewatch.core.deadletters import FEED_ITEM_TOPIC, FEED_POLL_TOPIC
from wirewatch.core.errors import error_labels, snake_case
from wirewatch.core.kafka import Outgoing
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES, Alert, DeadLetter, FeedItem, FetchRequest


def select(
    letters: Sequence[DeadLetter],
    *,
    stage: str | None = None,
    since: datetime | None = None,
    error_class: str | None = None,
) -> list[DeadLetter]:
    """The letters that match every filter given. Letters written before the labels became snake_case
    (``SchemaError``, ``DocumentRejected``) match their new label (``schema_error``, ``document_rejected``)."""
    return [
        d
        for d in letters
        if (stage is None or d.stage == stage)
        and (since is None or d.failed_at >= since)
        and (error_class is None or snake_case(d.error_class) == error_class)
    ]


def dead_letter_labels() -> list[str]:
    """The ``error_class`` labels a stage can write on a dead letter: the core and service classes of the
    error tree (``wirewatch.core.errors``). Exceptions from outside the tree add their snake_case type name."""
    # the service error modules define their classes; taking one class from each service's facade imports
    # its whole errors module, which makes every class of it part of the walk
    from wirewatch.core.query import QueryError
    from wirewatch.services.alerter import DeliveryFailed  # noqa: F401
    from wirewatch.services.extractor import ExtractorError  # noqa: F401
    from wirewatch.services.fetcher import FetchError  # noqa: F401
    from wirewatch.services.indexer import DocumentRejected  # noqa: F401
    from wirewatch.services.parser import ParseError  # noqa: F401

    pipeline = ("wirewatch.core.", "wirewatch.services.")
    # a refused query stops a command or skips a rule (logged and counted); it never dead-letters an item
    never = {QueryError}
    return [label for label, cls in error_labels().items() if cls.__module__.startswith(pipeline) and cls not in never]


def payload(letter: DeadLetter) -> bytes:
    return base64.b64decode(letter.payload_b64)


LetterKind = Literal["feed_item", "feed_poll", "record", "alert", "unroutable"]
#: why a letter of these kinds is not replayed (printed by ``dlq replay``)
NOT_REPLAYED: dict[LetterKind, str] = {
    "feed_poll": "failed feed polls are not replayed: the fetcher keeps polling a failing feed on its backoff "
    "schedule, so its next poll retries it (`wirewatch feeds show <id>` gives the next poll time)",
    "unroutable": "the letter names no topic to send it back to",
}


def kind_of(letter: DeadLetter) -> LetterKind:
    """What a dead letter holds, which decides where its replay goes (see the module docstring)."""
    topic = letter.topic or ""
    if letter.stage == "alerter":
        return "alert"
    if letter.stage == "fetcher":
        return "feed_poll" if topic.startswith(FEED_POLL_TOPIC) else "feed_item"
    return "record" if topic else "unroutable"


def replay_message(letter: DeadLetter, settings: CommonSettings) -> Outgoing | None:
    """The message that sends this letter back through its stage (None: an alert, or a kind not replayed)."""
    kind = kind_of(letter)
    if kind == "feed_item":
        feed_id = (letter.topic or "").removeprefix(FEED_ITEM_TOPIC) or None
        request = FetchRequest(
            feed_id=None if feed_id == "-" else feed_id,
            item=FeedItem.from_bytes(payload(letter)),
            requested_at=datetime.now(UTC),
            force=True,
        )
        return Outgoing(settings.topic_name(STAGES["fetcher"].input), request.feed_id, request.to_bytes())
    if kind != "record" or not letter.topic:
        return None
    return Outgoing(letter.topic, letter.key, payload(letter))


async def requeue_alert(es: AsyncElasticsearch, settings: CommonSettings, letter: DeadLetter) -> bool:
    """Put a failed alert back in the ledger as pending with an expired lease, so the alerter retries it."""
    alert = Alert.from_bytes(payload(letter))
    response = await es.options(ignore_status=404).update(
        index=settings.index_name("alerts"),
        id=alert.alert_id,
        doc={"status": "pending", "claimed_until": datetime(1970, 1, 1, tzinfo=UTC).isoformat(), "attempts": 0},
    )
    return response.meta.status == 200


async def replay(letters: Sequence[DeadLetter], settings: CommonSettings) -> tuple[int, int, int]:
    """Send ``letters`` back through their stage (``wirewatch dlq replay`` and the workspace's replay):
    alerts re-queued in the ledger, the rest produced to their topic. Returns (sent, re-queued, skipped)."""
    from aiokafka import AIOKafkaProducer

    from wirewatch.core.es import make_es
    from wirewatch.core.kafka import MAX_MESSAGE_BYTES, client_options

    producer = AIOKafkaProducer(
        acks="all", enable_idempotence=True, max_request_size=MAX_MESSAGE_BYTES, **client_options(settings)
    )
    es = make_es(settings)
    await producer.start()
    sent = requeued = skipped = 0
    try:
        for letter in letters:
            if letter.stage == "alerter":
                ok = await requeue_alert(es, settings, letter)
                requeued, skipped = requeued + ok, skipped + (not ok)
                continue
            message = replay_message(letter, settings)
            if message is None:
                skipped += 1
                continue
            key = message.key.encode() if message.key else None
            await producer.send_and_wait(message.topic, message.value, key=key)
            sent += 1
    finally:
        await producer.stop()
        await es.close()
    return sent, requeued, skipped
