"""``rules add --webhook/--teams/--email`` (issue 16, item 5): a rule needs one destination of any kind, e-mail
addresses are checked, Teams URLs go through the outbound check like webhooks, and ``rules list`` and
``rules export`` name the URLs redacted (the URL is the credential) while ``rules import`` refuses them."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wirewatch.cli import cli
from wirewatch.schemas import Rule

TEAMS = "https://contoso.webhook.office.com/webhookb2/0123-secret-path/IncomingWebhook/abc/def"
HOOK = "https://hooks.example/services/T0/B0/XYZsecret"


class FakeStore:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules

    async def put(self, rule: Rule) -> None:
        self.rules.append(rule)

    async def all(self) -> list[Rule]:
        return self.rules


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    urls: list[str] = []
    monkeypatch.setattr(
        "wirewatch.cli.rules.check_webhooks", lambda pairs, **kwargs: urls.extend(url for _, url in pairs)
    )
    return urls


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch, checked: list[str]) -> list[Rule]:
    rules: list[Rule] = []

    def run(action: Callable[[Any], Any]) -> Any:
        result = action(None)
        return asyncio.run(result) if inspect.iscoroutine(result) else result

    monkeypatch.setattr("wirewatch.cli.rules.with_es", run)
    monkeypatch.setattr("wirewatch.cli.rules._store", lambda es: FakeStore(rules))
    return rules


def add(*extra: str) -> Any:
    return CliRunner().invoke(cli, ["rules", "add", "r", "--query", "truce", *extra])


def test_a_rule_needs_a_destination_of_any_kind(stored: list[Rule], checked: list[str]) -> None:
    refused = add()
    assert refused.exit_code == 2 and "at least one destination" in refused.output and stored == []
    result = add("--email", "desk@example.org", "--email", "night@example.org", "--teams", TEAMS)
    assert result.exit_code == 0, result.output
    [rule] = stored
    assert rule.webhooks == [] and rule.teams == [TEAMS]
    assert rule.emails == ["desk@example.org", "night@example.org"]
    assert checked == [TEAMS]  # a Teams URL is checked against the outbound policy like a webhook


@pytest.mark.parametrize("address", ["desk", "desk@", "a b@example.org", "x@example.org\nBcc: y@example.org"])
def test_an_address_that_is_not_one_is_refused(stored: list[Rule], address: str) -> None:
    result = add("--email", address)
    assert result.exit_code == 2 and "--email" in result.output and stored == []


def test_list_and_export_redact_teams_and_webhook_urls_and_import_refuses_them(
    stored: list[Rule], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wirewatch.cli._common import console

    monkeypatch.setattr(console._real(), "_width", 400)  # type: ignore[attr-defined] # undone to unset, not 80
    assert add("--webhook", HOOK, "--teams", TEAMS, "--email", "desk@example.org").exit_code == 0
    listed = CliRunner().invoke(cli, ["rules", "list"])
    as_json = CliRunner().invoke(cli, ["rules", "list", "--json"])
    exported = CliRunner().invoke(cli, ["rules", "export"])
    for output in (listed.output, as_json.output, exported.output):
        assert "secret-path" not in output and "XYZsecret" not in output
        assert "contoso.webhook.office.com" in output and "desk@example.org" in output
    path = tmp_path / "rules.yaml"
    path.write_text(exported.output)
    stored.clear()
    refused = CliRunner().invoke(cli, ["rules", "import", str(path)])
    assert refused.exit_code == 1 and "redacted" in refused.output and stored == []
    assert add("--teams", TEAMS, "--email", "desk@example.org").exit_code == 0
    backup = CliRunner().invoke(cli, ["rules", "export", "--include-secrets"])
    path.write_text(backup.stdout)
    stored.clear()
    imported = CliRunner().invoke(cli, ["rules", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    [rule] = stored
    assert rule.teams == [TEAMS] and rule.emails == ["desk@example.org"]


def test_import_refuses_a_file_with_a_bad_address_and_imports_nothing(stored: list[Rule], tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - {name: good, query: truce, emails: [desk@example.org]}\n"
        '  - {name: bad, query: truce, emails: ["desk@example.org, boss@example.org"]}\n'
    )
    result = CliRunner().invoke(cli, ["rules", "import", str(path)])
    assert result.exit_code != 0
    assert "rule 'bad' (#2)" in result.output and "not an e-mail address" in result.output
    assert stored == []
