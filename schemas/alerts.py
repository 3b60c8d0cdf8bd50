"""Saved-search rules and the alerts they fire.

A rule is one of four kinds: ``match`` (a saved search: each matching article, or each matching story, fires),
``spike`` (matches in a window exceed a factor of the baseline rate), ``first_seen`` (an entity appears for the
first time in matching articles) and ``flatline`` (a feed or query goes silent). Any rule may deliver at once or
as a scheduled digest, to webhooks (optionally Slack-shaped), e-mail addresses and Teams channels.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import Field, SecretStr

from wirewatch.schemas._base import AwareDatetime, Message

RuleKind = Literal["match", "spike", "first_seen", "flatline"]
#: what one alert of a match rule stands for: each article, or each story (every copy after the first joins it)
AlertPer = Literal["article", "story"]
#: the entity types rules name, as the CLI spells them (the index's PERSON, ORG, LOC)
EntityKind = Literal["person", "org", "place"]
ENTITY_KINDS: dict[str, str] = {"person": "PERSON", "org": "ORG", "place": "LOC"}
AlertKind = Literal["article", "story", "story_grew", "spike", "first_seen", "flatline"]


def alert_id_for(rule_id: str, article_id: str) -> str:
    """Deterministic: one alert per rule and article, whatever replays or replicas do."""
    return hashlib.sha256(f"{rule_id}\x00{article_id}".encode()).hexdigest()[:32]


def keyed_alert_id(rule_id: str, kind: str, *parts: str) -> str:
    """Deterministic id of an alert that is not about one article (a story, a spike, an entity, a silence):
    one per rule, kind and key, whatever replays or replicas do."""
    return hashlib.sha256("\x00".join([rule_id, kind, *parts]).encode()).hexdigest()[:32]


class RuleFilters(Message):
    persons: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)


class SpikeSpec(Message):
    """Fires when the matches of the last ``window_s`` exceed ``factor`` × the baseline rate (matches per window
    over the ``baseline_s`` before it) and number at least ``min_count``."""

    window_s: float = Field(default=3600.0, gt=0)
    baseline_s: float = Field(default=7 * 86400.0, gt=0)
    factor: float = Field(default=3.0, gt=0)
    min_count: int = Field(default=5, ge=1)


class FlatlineSpec(Message):
    """Fires when a feed (``feed_id``) or the rule's query has had nothing new for ``window_s``."""

    feed_id: str | None = None
    window_s: float = Field(default=6 * 3600.0, gt=0)


class Rule(Message):
    """A saved search: a Lucene query (as in Kibana) plus optional facet filters, what fires, and destinations."""

    id: str
    name: str
    query: str
    filters: RuleFilters = Field(default_factory=RuleFilters)
    kind: RuleKind = "match"
    per: AlertPer = Field(
        default="article",
        description="match rules: one alert per article, or per story; rules stored before stories keep 'article', "
        "`rules add` defaults to 'story'",
    )
    grew_at_sources: int | None = Field(
        default=None, ge=2, description="per-story rules: a follow-up alert when the story reaches this many sources"
    )
    spike: SpikeSpec | None = None
    entity_type: EntityKind | None = Field(default=None, description="first_seen rules: the type of entity watched")
    flatline: FlatlineSpec | None = None
    webhooks: list[str] = Field(default_factory=list)
    secret: SecretStr | None = None
    slack: bool = False
    emails: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list, description="Microsoft Teams (or compatible) incoming webhooks")
    throttle_minutes: float | None = Field(default=None, gt=0)
    digest: str | None = Field(
        default=None, description="deliver as a scheduled digest: 'hourly', 'daily@HH:MM', 'weekly[@DAY HH:MM]'"
    )
    timezone: str = Field(default="UTC", description="IANA zone the digest schedule is read in")
    enabled: bool = True
    created_at: AwareDatetime


class Alert(Message):
    """One alert: an article or a story matched a rule, a story grew, a spike, a first-seen entity or a silence.
    The body POSTed to webhooks, and the payload of the alerts topic."""

    alert_id: str
    rule_id: str
    rule_name: str
    kind: AlertKind = "article"
    matched_at: AwareDatetime
    article_id: str | None = Field(default=None, description="the article that fired it (none for a flatline)")
    url: str | None = None
    title: str | None = None
    published_at: AwareDatetime | None = None
    source: str | None = None
    persons: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    snippet: str | None = None
    story_id: str | None = None
    article_ids: list[str] = Field(default_factory=list, description="story alerts: every member article so far")
    sources: list[str] = Field(default_factory=list, description="story alerts: the distinct sources so far")
    entity_key: str | None = None
    entity_name: str | None = None
    entity_type: str | None = None
    count: int | None = Field(default=None, description="spike: matches in the window; flatline: 0")
    baseline: float | None = Field(default=None, description="spike: the baseline's matches per window")
    window_start: AwareDatetime | None = None
    window_end: AwareDatetime | None = None
