"""A rule's destinations and how each is named where people and indices see it (issue 16, items 5 and 7)."""

from __future__ import annotations

from tests.unit.alerter.conftest import make_alert
from wirewatch.core.redaction import destination, fingerprint
from wirewatch.core.stores.rules import new_rule
from wirewatch.services.alerter.channels import destinations_of, headline
from wirewatch.services.alerter.couriers import failure
from wirewatch.services.alerter.delivery import DeliveryResult

TEAMS = "https://contoso.webhook.office.com/webhookb2/teamsTOKEN"
HOOK = "https://hooks.example/services/hookTOKEN"


def test_every_destination_is_named_without_its_credential() -> None:
    rule = new_rule("r", "x", webhooks=[HOOK], teams=[TEAMS], emails=["jane.doe@example.org"])
    names = [d.name for d in destinations_of(rule)]
    assert [d.channel for d in destinations_of(rule)] == ["webhook", "teams", "email"]
    assert names[2] == f"j…@example.org #{fingerprint('jane.doe@example.org')}" == destination("jane.doe@example.org")
    assert not any("TOKEN" in name or "jane.doe" in name for name in names)
    [_, teams, email] = destinations_of(rule)
    said = failure(teams, DeliveryResult(False, 3, f"connection failed to {TEAMS}"))
    assert "TOKEN" not in said and said.endswith("after 3 attempts")
    assert "jane.doe" not in failure(email, DeliveryResult(False, 1, "SMTP 550"))


def test_alerts_about_no_article_have_a_headline_of_their_own() -> None:
    rule = new_rule("r", "x", webhooks=[HOOK])
    spike = make_alert(rule, 1, kind="spike", count=21, baseline=2.5, title=None, url=None, article_id=None)
    seen = make_alert(rule, 2, kind="first_seen", entity_name="Liwa\nBcc: x", entity_type="org", title=None)
    assert headline(spike) == "spike: 21 matches in the window (baseline 2.5)"
    assert headline(seen) == "first seen: Liwa Bcc: x (org)"
