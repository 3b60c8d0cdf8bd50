"""E-mail alerts against a real local SMTP server (aiosmtpd): both bodies, the Message-ID, the address
policy on the SMTP host, retries, and failures that never show the password."""

from __future__ import annotations

import logging
import time

import pytest
from pydantic import SecretStr

from tests.support.smtp import LocalSmtp, free_port
from tests.unit.alerter.conftest import make_alert
from wirewatch.core.outbound import NOT_ALLOWED, AddressPolicy
from wirewatch.schemas import Rule
from wirewatch.services.alerter.bodies import alert_envelope
from wirewatch.services.alerter.delivery import DeliveryPolicy
from wirewatch.services.alerter.mail import NOT_CONFIGURED, MailSender, SmtpServer

FAST = DeliveryPolicy(attempts=3, backoff_s=0.01, backoff_max_s=0.1, timeout_s=2.0)
LOOPBACK = AddressPolicy.exempting("127.0.0.1/32")
PASSWORD = "smtp-pa55word-never-shown"
HOSTILE = '<script>alert(1)</script> & <a href="https://evil.example">"win"</a>\nBcc: victim@example.org'


def server(port: int, username: str | None = None, password: SecretStr | None = None) -> SmtpServer:
    return SmtpServer(
        "127.0.0.1", port, security="none", sender="alerts@wirewatch.example", username=username, password=password
    )


def mail_rule(rule: Rule) -> Rule:
    return rule.model_copy(update={"emails": ["analyst@example.org"], "webhooks": []})


async def test_an_alert_arrives_with_text_and_escaped_html_and_its_message_id(rule: Rule) -> None:
    rule = mail_rule(rule)
    alert = make_alert(rule, 1, title=HOSTILE, snippet="<b>bold</b> claims", url="javascript:alert(1)")
    with LocalSmtp() as smtp:
        sender = MailSender(server(smtp.port), FAST, addresses=LOOPBACK)
        result = await sender.deliver("analyst@example.org", alert_envelope(alert, rule))
    assert result.ok and result.attempts == 1
    [(recipients, msg)] = smtp.inbox.messages
    assert recipients == ["analyst@example.org"]
    assert msg["Message-ID"] == f"<{alert.alert_id}@wirewatch.example>"
    assert "\n" not in msg["Subject"] and msg["Bcc"] is None and "kataib" in msg["Subject"]
    text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    page = msg.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>alert(1)</script>" in text  # plain text shows what was written
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<a " not in page and "&lt;a href=&quot;https://evil.example&quot;&gt;" in page  # no link, not even
    # the alert's own: a javascript: URL is never linked


async def test_a_strict_policy_refuses_a_loopback_smtp_host_without_connecting(rule: Rule) -> None:
    rule = mail_rule(rule)
    with LocalSmtp() as smtp:
        sender = MailSender(server(smtp.port), FAST, addresses=AddressPolicy())
        result = await sender.deliver("analyst@example.org", alert_envelope(make_alert(rule, 1), rule))
    assert not result.ok and result.error == NOT_ALLOWED and result.attempts == 1
    assert smtp.inbox.messages == []


async def test_a_dead_server_is_retried_then_given_up_and_no_server_is_not_configured(rule: Rule) -> None:
    rule = mail_rule(rule)
    envelope = alert_envelope(make_alert(rule, 1), rule)
    started = time.monotonic()
    result = await MailSender(server(free_port()), FAST, addresses=LOOPBACK).deliver("a@example.org", envelope)
    assert not result.ok and result.attempts == 3 and result.error == "connection failed"
    assert time.monotonic() - started < 5
    unset = await MailSender(None, FAST, addresses=LOOPBACK).deliver("a@example.org", envelope)
    assert not unset.ok and unset.error == NOT_CONFIGURED


async def test_login_and_a_wrong_password_never_shown(rule: Rule, caplog: pytest.LogCaptureFixture) -> None:
    rule = mail_rule(rule)
    envelope = alert_envelope(make_alert(rule, 1), rule)
    caplog.set_level(logging.DEBUG)
    with LocalSmtp(password=PASSWORD) as smtp:
        good = server(smtp.port, username="wirewatch", password=SecretStr(PASSWORD))
        assert (await MailSender(good, FAST, addresses=LOOPBACK).deliver("a@example.org", envelope)).ok
        wrong = server(smtp.port, username="wirewatch", password=SecretStr(PASSWORD + "-old"))
        refused = await MailSender(wrong, FAST, addresses=LOOPBACK).deliver("a@example.org", envelope)
    assert len(smtp.inbox.messages) == 1 and set(smtp.inbox.logins) == {"wirewatch"}
    assert not refused.ok and refused.attempts == 1 and refused.error == "SMTP authentication failed (535)"
    assert PASSWORD not in caplog.text and PASSWORD not in repr(wrong)
