"""Channels on the real stack (issue 16, items 5–7): one rule with a hanging webhook, a live webhook, a Teams
channel and an e-mail address, run through the real alerter subprocess. The live destinations get the alert
on time while the hanging one times out; the e-mail reaches a real local SMTP server (aiosmtpd) with a valid
plain-text and HTML body; the live webhook's Standard Webhooks signature verifies with the independent
``standardwebhooks`` package; the hanging one ends in its own dead letter, and no URL token shows anywhere.

The receivers listen on 127.0.0.1, reachable only because ``WIREWATCH_OUTBOUND_ALLOW`` lists it (private
networks are off), as an operator would allow an internal relay."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

from bench.workers import Workers
from tests.integration.test_alerter import FAST, Hook, Reply, dump_logs, ledger, publish, put_rules
from tests.support.polling import eventually
from tests.support.smtp import LocalSmtp
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.rules import new_rule
from wirewatch.ops.observe import read_dead_letters
from wirewatch.schemas import Rule, alert_id_for
from wirewatch.services.alerter.signing import standard_secret

pytestmark = [pytest.mark.integration]

SECRET = "whsec_" + base64.b64encode(b"channels-integration-key").decode()
TOKEN = "hookTOKEN-6b1f0e-MARKER"  # what makes a webhook URL a credential: never in logs, ledger or letters
HOSTILE = "<script>x</script> & [click](https://evil.example)"


def env(smtp_port: int) -> dict[str, str]:
    return FAST | {
        "WIREWATCH_ALLOW_PRIVATE_NETWORKS": "false",
        "WIREWATCH_OUTBOUND_ALLOW": "127.0.0.1",
        "WIREWATCH_SMTP_HOST": "127.0.0.1",
        "WIREWATCH_SMTP_PORT": str(smtp_port),
        "WIREWATCH_SMTP_SECURITY": "none",
        "WIREWATCH_SMTP_FROM": "alerts@wirewatch.example",
    }


async def test_each_destination_on_its_own(initialised: CommonSettings, tmp_path: Path) -> None:
    settings = initialised
    live = await Hook().start()
    teams = await Hook().start()
    hanging = await Hook(always=Reply(hang=True)).start()
    rule = new_rule(
        "channels",
        "title:alpha",
        webhooks=[f"{hanging.url}?token={TOKEN}", f"{live.url}?token={TOKEN}"],
        secret=SECRET,
        teams=[f"{teams.url}?token={TOKEN}"],
        emails=["desk@example.org"],
    )
    alert_id = alert_id_for(rule.id, "doc00001")
    workers = Workers(settings, tmp_path / "logs")
    with LocalSmtp() as smtp:
        await put_rules(settings, rule)
        workers.extra_env = env(smtp.port)
        workers.start("alerter")
        try:
            await eventually(lambda: (tmp_path / "logs" / "alerter.log").exists(), timeout=30, what="the alerter")
            started = time.monotonic()
            await publish(settings, [1], title=f"alpha {HOSTILE}")
            await eventually(
                lambda: live.delivered and teams.delivered and smtp.inbox.messages,
                timeout=60,
                every=0.05,
                what="the live webhook, the Teams card and the e-mail",
            )
            live_s = time.monotonic() - started
            # the hanging receiver takes 3 × 1.5 s timeouts and backoff to give up: the others did not wait
            assert not [e for e in await ledger(settings, rule) if e["status"] == "failed"]
            entry = await eventually(
                lambda: _failed(settings, rule), timeout=60, what="the hanging webhook to be given up"
            )
            failed_s = time.monotonic() - started
            print(f"live destinations {live_s:.2f} s, hanging one given up after {failed_s:.2f} s")
            assert len(hanging.attempts) == 3
            assert live_s < failed_s - 2, "the live destinations waited for the hanging one"
            lag = live.delivered[0].at - hanging.attempts[0].at
            print(f"the live webhook got it {lag * 1000:.0f} ms after the hanging one's first attempt")
            assert abs(lag) < 1.0

            # the webhook: Standard Webhooks, verified by an independent implementation
            [hit] = live.delivered
            payload = Webhook(standard_secret(SECRET)).verify(hit.body, hit.headers)
            assert payload["alert_id"] == alert_id == hit.headers["webhook-id"]
            # Teams: an Adaptive Card whose hostile title is plain text
            card = json.loads(teams.delivered[0].body)["attachments"][0]["content"]
            assert card["type"] == "AdaptiveCard" and HOSTILE in json.dumps(card, ensure_ascii=False)
            assert "webhook-signature" not in teams.delivered[0].headers
            # the e-mail: to the address, its id from the alert, both bodies, the HTML escaped
            [(recipients, msg)] = smtp.inbox.messages
            assert recipients == ["desk@example.org"] and msg["Message-ID"] == f"<{alert_id}@wirewatch.example>"
            html = msg.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
            text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
            assert HOSTILE in text and "&lt;script&gt;x&lt;/script&gt; &amp; [click]" in html and "<script>" not in html

            # the ledger names what failed and what was delivered; one dead letter, for the hanging webhook
            assert "timeout after 3 attempts" in entry["last_error"] and "delivered to" in entry["last_error"]
            assert "d…@example.org #" in entry["last_error"]
            assert len(entry["destinations"]) == 4 and "d…@example.org #" in entry["destinations"][3]
            letters = [letter for letter in await read_dead_letters(settings) if letter.stage == "alerter"]
            assert len(letters) == 1 and f"127.0.0.1:{hanging.port}/…/redacted" in letters[0].reason
            logs = (tmp_path / "logs" / "alerter.log").read_text()
            for where in (logs, json.dumps(entry), letters[0].model_dump_json()):
                assert TOKEN not in where and SECRET not in where
        except BaseException:
            dump_logs(workers)
            raise
        finally:
            codes = workers.stop()
            for hook in (live, teams, hanging):
                await hook.stop()
    assert codes == {"alerter": 0}


async def _failed(settings: CommonSettings, rule: Rule) -> dict[str, Any] | None:
    return next((e for e in await ledger(settings, rule) if e["status"] == "failed"), None)
