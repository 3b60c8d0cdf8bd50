"""Per-story rules (``rule.per == "story"``): one alert per rule and story, not per copy.

The story of an article is its document's ``story_id`` (set by the indexer's clustering), or the article's own
id when it has none. For each rule and story:

1. the first matching article fires a ``story`` alert, id ``keyed_alert_id(rule, "story", story_id)``, created
   in the ledger like any alert (so replicas and replays create it once);
2. every later matching copy is *joined* to that ledger entry (its ``article_ids`` and distinct ``sources``),
   a read-modify-write guarded by ``if_seq_no``/``if_primary_term`` and retried on conflict; joining a copy
   already there changes nothing, so a replay writes nothing;
3. once the entry counts ``rule.grew_at_sources`` distinct sources, one ``story_grew`` alert follows, id keyed
   on rule, story and that number: it is created (not updated), so however often the threshold is seen
   (replays, two replicas joining at once, a crash between the join and the follow-up) it fires once.

This module holds the pure part (which alert is born, what joins what, the follow-up); the ledger writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from wirewatch.schemas import Alert, Rule, keyed_alert_id
from wirewatch.services.alerter.matching import Match

#: member article ids a story alert keeps (sources are kept whole): a story syndicated thousands of times must
#: not make every later join read and write a document that grows without bound
STORY_ARTICLES_KEPT = 1000


@dataclass
class Members:
    """Articles (and their distinct sources) to add to one story alert."""

    article_ids: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def add(self, article_id: str | None, source: str | None) -> None:
        if article_id is not None and article_id not in self.article_ids:
            self.article_ids.append(article_id)
        if source and source not in self.sources:
            self.sources.append(source)


@dataclass
class StoryPlan:
    """A batch's matches, sorted out: the alerts to record (per-article alerts and the first article of each
    story), and what to join to each story alert (keyed by its alert id)."""

    alerts: list[Alert] = field(default_factory=list)
    joins: dict[str, Members] = field(default_factory=dict)


def story_alert(alert: Alert) -> Alert:
    """The story alert an article's alert becomes under a per-story rule: the article fires it."""
    story_id = alert.story_id or alert.article_id or alert.alert_id
    return alert.model_copy(
        update={
            "alert_id": keyed_alert_id(alert.rule_id, "story", story_id),
            "kind": "story",
            "story_id": story_id,
            "article_ids": [alert.article_id] if alert.article_id else [],
            "sources": [alert.source] if alert.source else [],
        }
    )


def _first_key(alert: Alert) -> tuple[bool, str, str]:
    """Which copy of a story fires when several arrive in one batch: the earliest published, then by id."""
    published = alert.published_at.isoformat() if alert.published_at else ""
    return alert.published_at is None, published, alert.article_id or ""


def plan(matches: Sequence[Match]) -> StoryPlan:
    """Per-article rules' alerts pass as they are; a per-story rule's matches become one story alert per story
    (its earliest copy), and every copy of the batch is listed to join it."""
    result = StoryPlan()
    copies: dict[str, list[Alert]] = {}
    order: list[Alert | str] = []  # the alerts in the order matched; a story alert where its first copy matched
    for match in matches:
        if match.rule.per != "story":
            order.append(match.alert)
            continue
        story = story_alert(match.alert)
        if story.alert_id not in copies:
            order.append(story.alert_id)
        copies.setdefault(story.alert_id, []).append(story)
    for alert_id, stories in copies.items():
        ordered = sorted(stories, key=_first_key)
        copies[alert_id] = ordered
        members = result.joins[alert_id] = Members()
        for story in ordered:
            members.add(story.article_id, story.source)
    # story alerts queue for delivery among the article alerts matched with them, not behind them all
    result.alerts = [copies[item][0] if isinstance(item, str) else item for item in order]
    return result


def to_join(story_plan: StoryPlan, new: Iterable[Alert]) -> dict[str, Members]:
    """What must be joined: every story whose alert existed before (a later copy, a replay), and the other
    copies of a story born in this batch. A story born now of one copy has nothing to add."""
    born = {a.alert_id: a for a in new}
    joins: dict[str, Members] = {}
    for alert_id, members in story_plan.joins.items():
        first = born.get(alert_id)
        if first is None or members.article_ids != first.article_ids or members.sources != first.sources:
            joins[alert_id] = members
    return joins


def merged(article_ids: Sequence[str], sources: Sequence[str], members: Members) -> Members | None:
    """A stored story alert's members with ``members`` added (ids capped), or None when nothing is new."""
    result = Members(list(article_ids), list(sources))
    for article_id in members.article_ids:
        if len(result.article_ids) < STORY_ARTICLES_KEPT:
            result.add(article_id, None)
    for source in members.sources:
        result.add(None, source)
    if result.article_ids == list(article_ids) and result.sources == list(sources):
        return None
    return result


def grew_alerts(stored: Iterable[Alert], rules: Mapping[str, Rule], now: datetime) -> list[Alert]:
    """The ``story_grew`` follow-up of every stored story alert that reached its rule's number of sources."""
    follow_ups = []
    for story in stored:
        rule = rules.get(story.rule_id)
        threshold = rule.grew_at_sources if rule is not None and rule.per == "story" else None
        if threshold is None or len(story.sources) < threshold or story.story_id is None:
            continue
        follow_ups.append(
            story.model_copy(
                update={
                    "alert_id": keyed_alert_id(story.rule_id, "story_grew", story.story_id, str(threshold)),
                    "kind": "story_grew",
                    "matched_at": now,
                }
            )
        )
    return follow_ups
