"""Saved-search rules and the alerts they fire."""

from __future__ import annotations

import hashlib

from pydantic import Field, SecretStr

from wirewatch.schemas._base import AwareDatetime, Message


def alert_id_for(rule_id: str, article_id: str) -> str:
    """Deterministic: one alert per rule and article, whatever replays or replicas do."""
    return hashlib.sha256(f"{rule_id}\x00{article_id}".encode()).hexdigest()[:32]


class RuleFilters(Message):
    persons: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)


class Rule(Message):
    """A saved search: a Lucene query (as in Kibana) plus optional facet filters and destinations."""

    id: str
    name: str
    query: str
    filters: RuleFilters = Field(default_factory=RuleFilters)
    webhooks: list[str] = Field(default_factory=list)
    secret: SecretStr | None = None
    slack: bool = False
    throttle_minutes: float | None = Field(default=None, gt=0)
    enabled: bool = True
    created_at: AwareDatetime


class Alert(Message):
    """One article matched one rule. The body POSTed to webhooks, and the payload of the alerts topic."""

    alert_id: str
    rule_id: str
    rule_name: str
    matched_at: AwareDatetime
    article_id: str
    url: str
    title: str | None = None
    published_at: AwareDatetime | None = None
    source: str | None = None
    persons: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    snippet: str | None = None
