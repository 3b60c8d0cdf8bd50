"""Hostile titles, snippets, names and URLs in the Teams card and the e-mail (issue 16, item 5): pages and
feeds write them, so a title must not become a link, a script, a forged line, an extra header or a ping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from tests.unit.alerter.conftest import make_alert
from wirewatch.core.stores.rules import new_rule
from wirewatch.schemas import Alert
from wirewatch.services.alerter.bodies import alert_envelope, digest_envelope, make_digest
from wirewatch.services.alerter.channels import Mail
from wirewatch.services.alerter.mail import message

RULE = new_rule("desk <b>", "x", teams=["https://contoso.webhook.office.com/x"], emails=["desk@example.org"])
TITLES = {
    "markdown link": "[Reset your password](https://evil.example/login)",
    "html": '<img src=x onerror=alert(1)><a href="https://evil.example">read</a>',
    "header injection": "Truce\r\nBcc: everyone@example.org\r\n\r\nforged body",
    "mention": "<at>General</at> @everyone <!channel>",
    "bidi and controls": "\u202eevil\u202c\x00\x1b[31m",
}


def texts(node: Any) -> list[str]:
    """Every ``text`` of the card, wherever it is."""
    if isinstance(node, dict):
        own = [node["text"]] if "text" in node else []
        return own + [t for value in node.values() for t in texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in texts(item)]
    return []


def hostile(title: str, **fields: Any) -> Alert:
    values: dict[str, Any] = {"title": title, "snippet": title, "persons": [title], "url": "javascript:alert(1)"}
    return make_alert(RULE, 1, **(values | fields))


@pytest.mark.parametrize("title", TITLES.values(), ids=TITLES.keys())
def test_the_teams_card_shows_text_as_written_and_links_nothing_but_http(title: str) -> None:
    envelope = alert_envelope(hostile(title), RULE)
    assert envelope.card is not None
    card = json.loads(envelope.card)["attachments"][0]["content"]
    blocks = card["body"]
    # plain text runs only: Teams renders markdown in TextBlocks, never in TextRuns
    assert {block["type"] for block in blocks} == {"RichTextBlock"}
    assert {run["type"] for block in blocks for run in block["inlines"]} == {"TextRun"}
    assert all("\n" not in text and "\r" not in text for text in texts(card))
    assert not any(c in text for text in texts(card) for c in "\u202e\x00\x1b")  # no reversed text, no controls
    assert "selectAction" not in json.dumps(card) and "actions" not in card  # javascript: is never a link
    assert "msteams" not in card  # no mention entities: <at> is text


@pytest.mark.parametrize("title", TITLES.values(), ids=TITLES.keys())
def test_the_email_escapes_html_and_keeps_one_subject_line(title: str) -> None:
    envelope = alert_envelope(hostile(title), RULE)
    assert envelope.mail is not None
    msg = message(envelope.mail, delivery_id="d1", sender="alerts@wirewatch.example", to="desk@example.org")
    parsed = _roundtrip(msg)
    assert parsed["Bcc"] is None and len(parsed.get_all("Subject") or []) == 1
    assert "\n" not in str(parsed["Subject"])
    page = parsed.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    body = page.split("<body>", 1)[1]
    assert "<img" not in body and "<at>" not in body and 'href="https://evil.example' not in body
    assert "<a " not in body  # the alert's javascript: URL is not linked either
    assert "&lt;b&gt;" in body  # the rule's own name is escaped too


def test_a_digest_card_and_email_list_each_story_once_and_escape_it() -> None:
    alerts = [hostile(TITLES["html"], url=f"https://news.example/{n}", story_id="s1") for n in range(3)]
    alerts = [
        a.model_copy(update={"alert_id": f"a{n}", "matched_at": datetime(2026, 1, 1, n, tzinfo=UTC)})
        for n, a in enumerate(alerts)
    ]
    alerts.append(hostile("other story", url="https://news.example/9", story_id="s2"))
    envelope = digest_envelope(make_digest(RULE, alerts, datetime(2026, 1, 2, tzinfo=UTC)), RULE)
    assert envelope.card is not None and envelope.mail is not None
    card = json.loads(envelope.card)["attachments"][0]["content"]
    assert sum("onerror" in t for t in texts(card)) == 1 and any("4 new" in t for t in texts(card))
    assert envelope.mail.html.count("https://news.example/") == 2 and "<img" not in envelope.mail.html


def _roundtrip(msg: EmailMessage) -> EmailMessage:
    """The message as a receiving mail system parses the bytes sent."""
    import email
    import email.policy

    parsed = email.message_from_bytes(msg.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_mail_subjects_are_bounded() -> None:
    mail = alert_envelope(hostile("x" * 5000), RULE).mail
    assert isinstance(mail, Mail) and len(mail.subject) <= 160
