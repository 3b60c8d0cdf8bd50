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


# --- hostile values in Slack bodies (issue 13, finding 12) ----------------------------------------------------


def _slack_text(alert: Alert, rule: Rule) -> str:
    body = json.loads(alert_envelope(alert, rule.model_copy(update={"slack": True})).body)
    return str(body["text"])


def test_slack_control_sequences_in_titles_names_and_snippets_are_shown_not_obeyed(rule: Rule) -> None:
    hostile = make_alert(
        rule,
        7,
        title="Breaking <!channel> <@U123> <!subteam^S1> & more",
        persons=["<!here>"],
        organizations=["A & B <b>"],
        snippet="see <https://evil.example|your SSO> now",
    )
    text = _slack_text(hostile, rule)
    # every <…> control sequence Slack would act on is escaped; the only < > left are the article's link
    # and the quote marker of the snippet line
    assert text.count("<") == 1 and text.count(">") == 2 and "\n> see" in text
    assert "&lt;!channel&gt;" in text and "&lt;@U123&gt;" in text and "&lt;!here&gt;" in text
    assert "A &amp; B &lt;b&gt;" in text and "&amp; more" in text
    assert "see &lt;https://evil.example|your SSO&gt; now" in text


def test_a_slack_link_cannot_be_broken_out_of(rule: Rule) -> None:
    # a URL carrying its own "|label" would show https://sso.corp while pointing at evil
    disguised = make_alert(rule, 8, url="https://evil.example/|https://sso.corp", title=None)
    link = _slack_text(disguised, rule).split("\n")[0].split(": ", 1)[1]
    assert link == "<https://evil.example/%7Chttps://sso.corp|https://evil.example/¦https://sso.corp>"
    # a title cannot end the link early or add a second target
    closing = make_alert(rule, 9, url="https://news.example/9?a=1&b=<2>", title="ok> <https://evil|click")
    link = _slack_text(closing, rule).split(": ", 1)[1].split("\n")[0]
    assert link == "<https://news.example/9?a=1&amp;b=%3C2%3E|ok&gt; &lt;https://evil¦click>"
    # only http(s) is linked
    scripted = make_alert(rule, 10, url="javascript:alert(1)", title="Story")
    assert "<" not in _slack_text(scripted, rule).split("\n")[0]


def test_slack_values_cannot_forge_lines_or_mass_mentions(rule: Rule) -> None:
    forged = make_alert(
        rule, 11, title="Story\n*kataib*: <https://evil|fake>", snippet="a\n> b @everyone @here", persons=[]
    )
    lines = _slack_text(forged, rule).split("\n")
    assert len(lines) == 3  # the link line, the entities line, the quoted snippet: no forged fourth line
    assert lines[2] == "> a &gt; b @\u200beveryone @\u200bhere"


def test_slack_digest_lines_are_escaped_too(rule: Rule) -> None:
    slack = rule.model_copy(update={"slack": True, "name": "<!channel> rule"})
    alerts = [make_alert(slack, 1, title="<!everyone>"), make_alert(slack, 2, url="https://x.example/|https://y")]
    text = json.loads(digest_envelope(make_digest(slack, alerts, WHEN), slack).body)["text"]
    assert "<!" not in text
    assert text.split("\n")[0] == "*&lt;!channel&gt; rule*: 2 new matches"
    assert "<https://x.example/%7Chttps://y|" in text
