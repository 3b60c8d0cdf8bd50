"""A digest lists stories: alerts of one story once, with the copies and sources they name, and a scheduled
digest's id depends on its rule and due instant only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from tests.unit.alerter.conftest import make_alert
from wirewatch.schemas import Alert, Rule, keyed_alert_id
from wirewatch.services.alerter.bodies import digest_envelope, make_digest, scheduled_digest_id

DUE = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)


def _alerts(rule: Rule) -> list[Alert]:
    return [
        make_alert(rule, 1, story_id="s-1", source="reuters"),
        make_alert(rule, 2, story_id="s-1", source="ap", title="Story 1 (AP)"),
        make_alert(rule, 3),  # no story: its own line
        make_alert(rule, 4, story_id="s-1", source="reuters"),
        make_alert(
            rule,
            5,
            kind="story",
            story_id="s-2",
            source="bbc",
            article_ids=["doc00005", "doc00009"],
            sources=["bbc", "dw"],
        ),
        Alert(
            alert_id=keyed_alert_id(rule.id, "spike", "w1"),
            rule_id=rule.id,
            rule_name=rule.name,
            kind="spike",
            matched_at=datetime(2026, 11, 18, 12, 0, 30, tzinfo=UTC),
            title="25 matches in the last hour",
            count=25,
        ),
    ]


def test_alerts_of_one_story_are_listed_once_with_their_copies_and_sources(rule: Rule) -> None:
    digest = make_digest(rule, _alerts(rule), DUE, digest_id=scheduled_digest_id(rule.id, DUE), schedule="daily")
    body = json.loads(digest_envelope(digest, rule).body)
    assert body["count"] == 6 and len(body["alerts"]) == 6, "every alert is still listed"
    stories = {s["key"]: s for s in body["stories"]}
    assert list(stories) == ["s-1", "doc00003", "s-2", keyed_alert_id(rule.id, "spike", "w1")], "match order"
    assert stories["s-1"]["copies"] == 3 and stories["s-1"]["sources"] == ["ap", "reuters"]
    assert stories["s-1"]["title"] == "Story 1" and stories["s-1"]["url"] == "https://news.example/1"
    assert stories["doc00003"]["copies"] == 1 and stories["doc00003"]["story_id"] is None
    assert stories["s-2"]["copies"] == 2 and stories["s-2"]["sources"] == ["bbc", "dw"], "a story alert's members"
    assert stories[keyed_alert_id(rule.id, "spike", "w1")]["kind"] == "spike"


def test_slack_digest_lists_each_story_once(rule: Rule) -> None:
    slack = rule.model_copy(update={"slack": True})
    text = json.loads(digest_envelope(make_digest(slack, _alerts(slack), DUE), slack).body)["text"]
    lines = text.split("\n")
    assert lines[0] == "*kataib*: 6 new matches in 4 stories"
    assert lines[1] == "• <https://news.example/1|Story 1> (3 copies: ap, reuters)"
    assert lines[2] == "• <https://news.example/3|Story 3>"
    assert lines[3] == "• <https://news.example/5|Story 5> (2 copies: bbc, dw)"
    assert lines[4] == "• spike: 25 matches in the last hour"


def test_a_scheduled_digest_id_depends_on_rule_and_due_instant_only(rule: Rule) -> None:
    alerts = _alerts(rule)
    first = make_digest(rule, alerts[:2], DUE, digest_id=scheduled_digest_id(rule.id, DUE))
    retried = make_digest(rule, alerts, DUE, digest_id=scheduled_digest_id(rule.id, DUE))
    assert first.digest_id == retried.digest_id
    assert scheduled_digest_id(rule.id, DUE) == scheduled_digest_id(
        rule.id, DUE.astimezone(timezone(timedelta(hours=1)))
    )
    assert scheduled_digest_id(rule.id, DUE) != scheduled_digest_id(rule.id, DUE + timedelta(days=1))
    assert scheduled_digest_id(rule.id, DUE) != scheduled_digest_id("another", DUE)
