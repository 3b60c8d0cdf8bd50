"""The record ``wirewatch stack up`` sends and reads back to prove the broker works end to end."""

from __future__ import annotations

from wirewatch.schemas._base import AwareDatetime, Message


class Probe(Message):
    marker: str
    sent_at: AwareDatetime
