"""The one way a dead letter is made, by every stage.

A dead letter keeps the failed item whole (its bytes, base64) with where it came from and why it failed,
so ``wirewatch dlq replay`` can send it back through its stage. The payload is usually the consumed Kafka
record (the batch runner), but need not be: the fetcher dead-letters a feed item (``topic`` is then
``feed:<id>``) or a failed poll of a whole feed (``feedpoll:<id>``), and the alerter an alert delivery (``key``
is the delivery id).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from wirewatch.core.errors import error_class_of
from wirewatch.schemas import DeadLetter, Stage

#: base64 grows a payload by 4/3; this keeps a dead letter under the 16 MiB dead-letter topic limit
MAX_DEAD_PAYLOAD = 11 * 1024 * 1024
#: a reason is for a human reading ``dlq list``; a whole traceback or response body is not
MAX_REASON_CHARS = 4000
#: ``topic`` of a fetcher letter whose payload is a feed item (a page that could not be fetched)
FEED_ITEM_TOPIC = "feed:"
#: ``topic`` of a fetcher letter for a feed poll that failed (the feed itself is broken or unreachable)
FEED_POLL_TOPIC = "feedpoll:"


def dead_letter(
    stage: Stage,
    error: BaseException,
    payload: bytes,
    *,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    key: bytes | str | None = None,
    item_id: str | None = None,
    subject: str | None = None,
) -> DeadLetter:
    """The dead letter for ``payload`` that ``stage`` failed with ``error``.

    ``topic``/``partition``/``offset``/``key`` say where the payload came from (a record's coordinates, or
    a name the stage's replay understands); ``subject`` (e.g. the URL) is put in front of the reason."""
    reason = _reason(error)
    if subject:
        reason = f"{subject}: {reason}"
    note = ""
    if len(payload) > MAX_DEAD_PAYLOAD:  # keep the letter itself under the dead-letter topic's limit
        note = f" [payload truncated from {len(payload)} to {MAX_DEAD_PAYLOAD} bytes]"
        payload = payload[:MAX_DEAD_PAYLOAD]
    return DeadLetter(
        stage=stage,
        topic=topic,
        partition=partition,
        offset=offset,
        key=(key.decode("utf-8", "replace") if isinstance(key, bytes) else key) or None,
        payload_b64=base64.b64encode(payload).decode("ascii"),
        error_class=error_class_of(error),
        reason=reason[: MAX_REASON_CHARS - len(note)] + note,
        failed_at=datetime.now(UTC),
        item_id=item_id,
    )


def _reason(error: BaseException) -> str:
    """The error's own ``reason`` when it has one (every tree error does), else ``Type: message``."""
    reason = getattr(error, "reason", None)
    return str(reason) if reason else f"{type(error).__name__}: {error}"
