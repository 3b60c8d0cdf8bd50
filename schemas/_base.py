"""Shared base for every message model: strict about unknown fields, JSON on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict


def _require_tz(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_tz)]


class Message(BaseModel):
    """Base of every topic payload. Unknown fields are an error, so a producer bug is caught at the edge."""

    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=False)

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes | str) -> Self:
        return cls.model_validate_json(data)
