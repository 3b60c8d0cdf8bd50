"""What receivers get: the alert JSON, a digest, and the Slack-compatible shapes of both."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.unit.alerter.conftest import make_alert
from wirewatch.schemas import Alert, Rule
from wirewatch.services.alerter.bodies import (
    SLACK_DIGEST_LINES,
    alert_envelope,
    digest_envelope,
    digest_id_for,
    make_digest,
)
from wirewatch.services.alerter.signing import verify

WHEN = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)


def test_plain_body_is_the_alert_itself(alert: Alert, rule: Rule) -> None:
    envelope = alert_envelope(alert, rule)
    assert Alert.from_bytes(envelope.body) == alert
    assert verify(envelope.body, "s3cret", envelope.headers()["X-Wirewatch-Signature"])


def test_slack_body_is_one_text_field_with_a_link_entities_and_the_snippet(alert: Alert, rule: Rule) -> None:
    slack = rule.model_copy(update={"slack": True})
    body = json.loads(alert_envelope(alert, slack).body)
    assert set(body) == {"text", "alert_id"}
    lines = body["text"].split("\n")
    assert lines[0] == "*kataib*: <https://news.example/1|Story 1>"
    assert lines[1] == "Mohammed Shia al-Sudani, Kataib Hezbollah"
    assert lines[2] == "> the «Kataib» faction"


def test_slack_body_falls_back_to_the_url_without_title_or_entities(rule: Rule) -> None:
    bare = make_alert(rule, 2, title=None, persons=[], organizations=[], snippet=None)
    body = json.loads(alert_envelope(bare, rule.model_copy(update={"slack": True})).body)
    assert body["text"] == "*kataib*: <https://news.example/2|https://news.example/2>"


def test_digest_lists_every_alert_in_match_order_with_a_stable_id(rule: Rule) -> None:
    alerts = [make_alert(rule, n) for n in (3, 1, 2)]
    digest = make_digest(rule, alerts, WHEN)
    body = json.loads(digest_envelope(digest, rule).body)
    assert body["kind"] == "digest" and body["count"] == 3 and body["rule_name"] == "kataib"
    assert [a["article_id"] for a in body["alerts"]] == ["doc00001", "doc00002", "doc00003"]
    assert body["digest_id"] == digest_id_for(rule.id, [a.alert_id for a in reversed(alerts)])
    assert digest_envelope(digest, rule).headers()["Idempotency-Key"] == body["digest_id"]


def test_slack_digest_lists_the_first_alerts_and_counts_the_rest(rule: Rule) -> None:
    alerts = [make_alert(rule, n) for n in range(1, SLACK_DIGEST_LINES + 6)]
    slack = rule.model_copy(update={"slack": True})
    body = json.loads(digest_envelope(make_digest(slack, alerts, WHEN), slack).body)
    lines = body["text"].split("\n")
    assert lines[0] == f"*kataib*: {len(alerts)} new matches"
    assert lines[1] == "• <https://news.example/1|Story 1>"
    assert len(lines) == 1 + SLACK_DIGEST_LINES + 1 and lines[-1] == "… and 5 more"
