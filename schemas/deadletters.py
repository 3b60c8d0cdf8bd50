"""Dead letters: a message a stage could not process, kept whole with the reason so it can be replayed."""

from __future__ import annotations

from wirewatch.schemas._base import AwareDatetime, Message
from wirewatch.schemas.stages import Stage


class DeadLetter(Message):
    stage: Stage
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    payload_b64: str
    error_class: str
    reason: str
    failed_at: AwareDatetime
    item_id: str | None = None
