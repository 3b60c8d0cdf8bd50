"""A rule's Teams URLs and e-mail addresses are sealed at rest like its webhooks and secret (issue 16, item 5):
the document written to the rules index holds ``fernet:…`` only, and reads back as it was."""

from __future__ import annotations

import json

from wirewatch.core.secretbox import SecretBox, generate_key
from wirewatch.core.stores.rules import _from_doc, _to_doc, new_rule

TEAMS = "https://contoso.webhook.office.com/webhookb2/teamsTOKEN-4d1e-MARKER"
ADDRESS = "night-desk-MARKER@example.org"


def test_teams_urls_and_addresses_are_sealed_and_read_back() -> None:
    box = SecretBox([generate_key().encode()])
    rule = new_rule("r", "truce", teams=[TEAMS], emails=[ADDRESS])
    doc = _to_doc(rule, box)
    raw = json.dumps(doc)
    assert "MARKER" not in raw and "webhook.office.com" not in raw
    assert all(value.startswith("fernet:") for value in [*doc["teams"], *doc["emails"]])
    back = _from_doc(doc, box)
    assert back.teams == [TEAMS] and back.emails == [ADDRESS]
    legacy = _from_doc(rule.model_dump(mode="json"), box)  # written in clear before: read as it is
    assert legacy.teams == [TEAMS] and legacy.emails == [ADDRESS]
