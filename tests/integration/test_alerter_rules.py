"""``wirewatch rules`` against the real server: ``rules test`` shows what a rule would have matched, and
``rules export`` / ``rules import`` round-trip every rule (secret, filters, throttle, Slack, enabled)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bench.workers import worker_env
from tests.integration.test_alerter import index_articles, put_rules
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.rules import RuleStore, new_rule
from wirewatch.schemas import Rule, RuleFilters

pytestmark = [pytest.mark.integration]


def cli(settings: CommonSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = worker_env(settings, COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "wirewatch", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def test_rules_test_lists_the_matching_articles(initialised: CommonSettings) -> None:
    settings = initialised
    await index_articles(settings, [1], title="Militia truce holds", text="Kataib Hezbollah agreed a truce.")
    await index_articles(
        settings, [2], title="Harvest season opens", text="Farmers welcomed the rain.", organizations=[]
    )
    await index_articles(
        settings, [3], title="Truce talks in Erbil", text="Kataib envoys met in Erbil.", locations=["Erbil"]
    )
    added = cli(settings, "rules", "add", "kataib", "--query", "text:Kataib", "--webhook", "http://127.0.0.1:9/h")
    assert added.returncode == 0, added.stderr
    shown = cli(settings, "rules", "test", "kataib")
    assert shown.returncode == 0, shown.stderr
    assert "2 of 2 articles" in shown.stdout
    assert "Militia truce holds" in shown.stdout and "Truce talks in Erbil" in shown.stdout
    assert "Harvest" not in shown.stdout
    # the rule's filters apply too, as in the alerter
    cli(settings, "rules", "add", "erbil", "--query", "Kataib", "--place", "Erbil", "--webhook", "http://x/h")
    narrowed = cli(settings, "rules", "test", "erbil")
    assert "1 of 1 articles" in narrowed.stdout and "Truce talks in Erbil" in narrowed.stdout
    missing = cli(settings, "rules", "test", "nope")
    assert missing.returncode != 0 and "no rule named 'nope'" in missing.stderr


async def test_export_then_import_round_trips_every_rule(initialised: CommonSettings, tmp_path: Path) -> None:
    settings = initialised
    originals = [
        new_rule(
            "signed",
            'organizations:"Kataib Hezbollah"',
            webhooks=["http://a/h", "http://b/h"],
            secret="s3cret",
            filters=RuleFilters(locations=["Baghdad"], languages=["en"]),
        ),
        new_rule("quiet", "drought AND Basra", webhooks=["http://c/h"], throttle_minutes=15.0, slack=True),
    ]
    disabled = new_rule("off", "anything", webhooks=["http://d/h"]).model_copy(update={"enabled": False})
    await put_rules(settings, *originals, disabled)
    redacted = cli(settings, "rules", "export")  # the default: no secret, no webhook URL
    assert redacted.returncode == 0 and "s3cret" not in redacted.stdout and "http://a/h" not in redacted.stdout
    (tmp_path / "redacted.yaml").write_text(redacted.stdout)
    refused = cli(settings, "rules", "import", str(tmp_path / "redacted.yaml"))
    assert refused.returncode != 0 and "--include-secrets" in refused.stderr
    exported = cli(settings, "rules", "export", "--include-secrets")
    assert exported.returncode == 0 and "warning" in exported.stderr, exported.stderr
    document = yaml.safe_load(exported.stdout)
    assert {r["name"] for r in document["rules"]} == {"signed", "quiet", "off"}
    assert next(r for r in document["rules"] if r["name"] == "signed")["secret"] == "s3cret"

    for name in ("signed", "quiet", "off"):
        assert cli(settings, "rules", "remove", name).returncode == 0
    path = tmp_path / "rules.yaml"
    path.write_text(exported.stdout)
    imported = cli(settings, "rules", "import", str(path))
    assert imported.returncode == 0, imported.stderr

    es = make_es(settings)
    try:
        restored = {r.name: r for r in await RuleStore(es, settings.index_name("rules")).all()}
    finally:
        await es.close()
    for rule in [*originals, disabled]:
        again = restored[rule.name]
        same = {"created_at", "secret"}
        assert again.model_dump(exclude=same) == rule.model_dump(exclude=same)
        assert _secret(again) == _secret(rule)
    assert cli(settings, "rules", "export", "--include-secrets").stdout == exported.stdout


def _secret(rule: Rule) -> str | None:
    return rule.secret.get_secret_value() if rule.secret else None
