"""``rules add --per article|story --grow-at N`` (issue 16, item 2): new rules alert per story unless told,
``--grow-at`` needs a per-story rule, ``rules import`` keeps a file's rules without ``per`` per article (they
were written before stories), and ``rules list`` shows kind and per."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from wirewatch.cli import cli
from wirewatch.core.stores.rules import new_rule
from wirewatch.schemas import Rule


class FakeStore:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules

    async def put(self, rule: Rule) -> None:
        self.rules.append(rule)

    async def all(self) -> list[Rule]:
        return self.rules


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> list[Rule]:
    rules: list[Rule] = []

    def run(action: Callable[[Any], Any]) -> Any:
        """``with_es`` without Elasticsearch: the action gets no client, only the fake store touches it."""
        result = action(None)
        return asyncio.run(result) if inspect.iscoroutine(result) else result

    monkeypatch.setattr("wirewatch.cli.rules.with_es", run)
    monkeypatch.setattr("wirewatch.cli.rules._store", lambda es: FakeStore(rules))
    monkeypatch.setattr("wirewatch.cli.rules.check_webhooks", lambda *args, **kwargs: None)
    return rules


def add(*extra: str) -> Any:
    return CliRunner().invoke(
        cli, ["rules", "add", "r", "--query", "truce", "--webhook", "https://hooks.example/x", *extra]
    )


def test_new_rules_alert_per_story_by_default(stored: list[Rule]) -> None:
    result = add()
    assert result.exit_code == 0, result.output
    [rule] = stored
    assert rule.per == "story" and rule.grew_at_sources is None


def test_per_article_and_grow_at(stored: list[Rule]) -> None:
    assert add("--per", "article").exit_code == 0
    assert add("--grow-at", "3").exit_code == 0
    assert [(r.per, r.grew_at_sources) for r in stored] == [("article", None), ("story", 3)]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--per", "article", "--grow-at", "3"], "--grow-at needs --per story"),
        (["--grow-at", "1"], "1 is not in the range x>=2"),
        (["--per", "paragraph"], "'paragraph' is not one of 'article', 'story'"),
    ],
)
def test_refused_options_store_nothing(stored: list[Rule], extra: list[str], words: str) -> None:
    result = add(*extra)
    assert result.exit_code == 2
    assert words in " ".join(result.output.split())
    assert stored == []


def test_import_keeps_rules_without_per_per_article(stored: list[Rule], tmp_path: Path) -> None:
    entries = [
        {"name": "old", "query": "truce", "webhooks": ["https://hooks.example/a"]},
        {
            "name": "new",
            "query": "truce",
            "webhooks": ["https://hooks.example/b"],
            "per": "story",
            "grew_at_sources": 4,
        },
    ]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"rules": entries}))
    result = CliRunner().invoke(cli, ["rules", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert [(r.name, r.per, r.grew_at_sources) for r in stored] == [("old", "article", None), ("new", "story", 4)]


def test_list_shows_kind_and_per(stored: list[Rule], monkeypatch: pytest.MonkeyPatch) -> None:
    from wirewatch.cli._common import console

    # wide enough for one line per rule, whatever columns other parts add (undone to unset, not to a fixed 80)
    monkeypatch.setattr(console._real(), "_width", 400)  # type: ignore[attr-defined]
    stored += [
        new_rule("by-story", "truce", per="story", grew_at_sources=3),
        new_rule("by-article", "truce"),
    ]
    result = CliRunner().invoke(cli, ["rules", "list"])
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 3}
    assert "match" in lines["by-story"] and "story, grew at 3 sources" in lines["by-story"]
    assert "article" in lines["by-article"]
