"""``rules add`` and ``rules import`` refuse queries Wirewatch will not run (leading wildcards, regular
expressions, fuzzy terms, syntax errors) before anything is stored, naming the term and its column; an import
with any bad rule imports none and lists every bad one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from wirewatch.cli import cli


@pytest.fixture(autouse=True)
def no_elasticsearch(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    stored: list[Any] = []
    monkeypatch.setattr("wirewatch.cli.rules.with_es", lambda action: stored.append(action))
    return stored


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("*bollah", "leading wildcard in '*bollah'"),
        ("organizations:Kataib AND title:?ruce", "are fine) (at column 32)"),
        ("title:/tr.ce/", "regular expressions"),
        ("truce~2", "fuzzy term 'truce~2'"),
        ('"unclosed', "unbalanced quote"),
    ],
)
def test_rules_add_refuses_the_query(query: str, words: str, no_elasticsearch: list[Any]) -> None:
    result = CliRunner().invoke(cli, ["rules", "add", "r", "--query", query, "--webhook", "https://hooks.example/x"])
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split())
    assert no_elasticsearch == []


def test_rules_import_refuses_the_whole_file_naming_every_bad_rule(tmp_path: Path, no_elasticsearch: list[Any]) -> None:
    rules = [
        {"name": "good", "query": "truce*", "webhooks": ["https://hooks.example/a"]},
        {"name": "leading", "query": "*ruce", "webhooks": ["https://hooks.example/b"]},
        {"name": "regex", "query": "/a+/", "webhooks": ["https://hooks.example/c"]},
    ]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"rules": rules}))
    result = CliRunner().invoke(cli, ["rules", "import", str(path)])
    assert result.exit_code == 1
    assert "2 of 3 rules have a query Wirewatch refuses; nothing was imported" in result.output
    assert "rule 'leading' (#2): leading wildcard" in result.output
    assert "rule 'regex' (#3): regular expressions" in result.output
    assert "'good'" not in result.output
    assert no_elasticsearch == []
