"""``--kql`` on ``wirewatch search`` and ``wirewatch rules add``: the query is KQL only when asked for, is
translated to Lucene by the one translator (wirewatch/core/kql.py) before anything runs or is stored, and
unsupported KQL is a usage error naming the column, with nothing sent to Elasticsearch."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from click.testing import CliRunner

from wirewatch.cli import cli
from wirewatch.core.query import Filters


@pytest.fixture
def searched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Each search the command would run, as (index kind, Lucene query); Elasticsearch never called."""
    runs: list[tuple[str, str]] = []

    async def articles(es: Any, query: str, filters: Filters, **_: Any) -> dict[str, Any]:
        runs.append(("articles", query))
        return {"hits": {"hits": [], "total": {"value": 0}}}

    async def alerts(es: Any, query: str, filters: Filters, **_: Any) -> dict[str, Any]:
        runs.append(("alerts", query))
        return {"hits": {"hits": [], "total": {"value": 0}}}

    def with_es(action: Callable[[Any], Awaitable[Any]]) -> Any:
        return asyncio.run(action(None))  # type: ignore[arg-type]

    monkeypatch.setattr("wirewatch.cli.search.run_search", articles)
    monkeypatch.setattr("wirewatch.cli.search.run_alert_search", alerts)
    monkeypatch.setattr("wirewatch.cli.search.with_es", with_es)
    return runs


def test_search_runs_kql_as_its_lucene_translation(searched: list[tuple[str, str]]) -> None:
    kql = "organizations:* and locations:(Baghdad or Erbil)"
    result = CliRunner().invoke(cli, ["search", "--kql", kql, "--json"])
    assert result.exit_code == 0, result.output
    assert searched == [("articles", "(_exists_:organizations AND (locations:Baghdad OR locations:Erbil))")]


def test_without_kql_the_query_is_lucene(searched: list[tuple[str, str]]) -> None:
    result = CliRunner().invoke(cli, ["search", "organizations:* and locations:Baghdad", "--json"])
    assert result.exit_code == 0, result.output
    assert searched == [("articles", "organizations:* and locations:Baghdad")]  # as typed: Lucene


def test_search_alerts_with_kql_and_an_empty_query(searched: list[tuple[str, str]]) -> None:
    result = CliRunner().invoke(cli, ["search", "--alerts", "--kql", "status:failed or attempts >= 2", "--json"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["search", "--alerts", "--kql", "", "--json"])
    assert result.exit_code == 0, result.output
    assert searched == [("alerts", "(status:failed OR attempts:[2 TO *])"), ("alerts", "*")]
    refused = CliRunner().invoke(cli, ["search", "--alerts", "--lang", "en"])
    assert refused.exit_code == 2 and "alerts carry no language" in refused.output


@pytest.mark.parametrize(
    ("kql", "words"),
    [
        ("items:{ name:x }", "KQL: nested field queries (items:{ ... }) are not supported (at column 7)"),
        ("Kataib Hezbollah", "KQL: two values without 'and'/'or' between them"),
        ("title:*ruce", "KQL: leading wildcard in '*ruce'"),
    ],
)
def test_search_refuses_unsupported_kql(kql: str, words: str, searched: list[tuple[str, str]]) -> None:
    result = CliRunner().invoke(cli, ["search", "--kql", kql])
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split())
    assert searched == []


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    rules: list[Any] = []

    class Store:
        async def put(self, rule: Any) -> None:
            rules.append(rule)

    monkeypatch.setattr("wirewatch.cli.rules._store", lambda es: Store())
    monkeypatch.setattr("wirewatch.cli.rules.with_es", lambda action: asyncio.run(action(None)))
    monkeypatch.setattr("wirewatch.cli.rules.check_webhooks", lambda *a, **k: None)
    return rules


def test_rules_add_kql_stores_lucene(stored: list[Any]) -> None:
    args = ["rules", "add", "r", "--kql", "--query", "organizations:(Kataib* or Hezbollah)"]
    result = CliRunner().invoke(cli, [*args, "--webhook", "https://hooks.example/x"])
    assert result.exit_code == 0, result.output
    [rule] = stored
    assert rule.query == "(organizations:Kataib* OR organizations:Hezbollah)"
    assert "stored as Lucene: (organizations:Kataib* OR organizations:Hezbollah)" in result.output


def test_rules_add_refuses_unsupported_kql(stored: list[Any]) -> None:
    args = ["rules", "add", "r", "--kql", "--query", "a:b c", "--webhook", "https://hooks.example/x"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "(at column 5)" in " ".join(result.output.split())
    assert stored == []
