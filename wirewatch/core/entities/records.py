"""What the entity registry answers with: a :class:`RegistryEntry` (``entities show``, the workspace's entity
page) and an :class:`EntitySummary` per line of ``entities list``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Neighbour:
    """An entity named in the same articles."""

    key: str
    name: str
    type: str | None
    articles: int


@dataclass
class ArticleRef:
    id: str
    title: str | None
    source: str | None
    seen_at: str | None


@dataclass
class DayCount:
    day: str
    articles: int
    mentions: int


@dataclass
class RegistryEntry:
    key: str
    name: str
    type: str | None
    votes: dict[str, int]
    registry_votes: dict[str, int]
    reasons: dict[str, int]
    aliases: list[str]
    first_seen: str | None
    last_seen: str | None
    articles: int
    mentions: int
    per_day: list[DayCount] = field(default_factory=list)
    co_occurring: list[Neighbour] = field(default_factory=list)
    latest: list[ArticleRef] = field(default_factory=list)
    geo: dict[str, float] | None = None
    country_code: str | None = None
    external_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EntitySummary:
    """One line of ``entities list``."""

    key: str
    name: str
    type: str | None
    articles: int
    last_seen: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
