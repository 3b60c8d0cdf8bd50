"""``rules add --digest SPEC [--timezone ZONE]`` (issue 16, digests): schedules and zones checked with clear
errors before anything is saved, ``--digest`` and ``--throttle`` not both, ``rules import`` checks every rule's
schedule (all or nothing) and keeps it, ``rules list`` shows when a rule's messages go out."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from wirewatch.cli import cli
from wirewatch.core.stores.rules import new_rule
from wirewatch.schemas import Rule


class Store:
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
        result = action(None)
        return asyncio.run(result) if inspect.iscoroutine(result) else result

    monkeypatch.setattr("wirewatch.cli.rules.with_es", run)
    monkeypatch.setattr("wirewatch.cli.rules._store", lambda es: Store(rules))
    monkeypatch.setattr("wirewatch.cli.rules.check_webhooks", lambda *args, **kwargs: None)
    return rules


def add(*extra: str) -> Result:
    args = ["rules", "add", "r", "--query", "truce", "--webhook", "https://hooks.example/x", *extra]
    return CliRunner().invoke(cli, args)


def test_a_digest_in_a_zone_is_saved(stored: list[Rule]) -> None:
    result = add("--digest", "daily@07:00", "--timezone", "Europe/Berlin")
    assert result.exit_code == 0, result.output
    [rule] = stored
    assert (rule.digest, rule.timezone, rule.throttle_minutes) == ("daily@07:00", "Europe/Berlin", None)


def test_the_zone_defaults_to_utc(stored: list[Rule]) -> None:
    assert add("--digest", "weekly@mon 08:00").exit_code == 0
    assert stored[0].timezone == "UTC"


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--digest", "daily@25:00"], "bad time '25:00'"),
        (["--digest", "weekly@funday"], "unknown day 'funday'"),
        (["--digest", "fortnightly"], "expected 'hourly', 'daily@HH:MM'"),
        (["--digest", "daily", "--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["--timezone", "Europe/Berlin"], "give --digest too"),
        (["--digest", "hourly", "--throttle", "10"], "choose one"),
    ],
)
def test_bad_schedules_are_refused_with_the_reason(stored: list[Rule], extra: list[str], says: str) -> None:
    result = add(*extra)
    assert result.exit_code == 2, result.output
    assert says in " ".join(result.output.split())
    assert stored == []


def test_import_keeps_schedules_and_refuses_a_file_with_a_bad_one(stored: list[Rule], tmp_path: Path) -> None:
    good = {"name": "a", "query": "x", "webhooks": [], "digest": "daily@18:30", "timezone": "Asia/Tokyo"}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"rules": [good, {"name": "b", "query": "y", "webhooks": []}]}))
    result = CliRunner().invoke(cli, ["rules", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert [(r.digest, r.timezone) for r in stored] == [("daily@18:30", "Asia/Tokyo"), (None, "UTC")]

    stored.clear()
    bad = {"name": "c", "query": "z", "webhooks": [], "digest": "daily@7pm"}
    path.write_text(yaml.safe_dump({"rules": [good, bad]}))
    result = CliRunner().invoke(cli, ["rules", "import", str(path)])
    assert result.exit_code == 1
    assert "rule 'c' (#2)" in result.output and "bad time '7pm'" in result.output
    assert stored == [], "nothing is imported from a file with a bad schedule"


def test_list_shows_when_messages_go_out(stored: list[Rule]) -> None:
    stored += [
        new_rule("now", "x"),
        new_rule("calm", "x", throttle_minutes=10),
        new_rule("morning", "x", digest="daily@07:00", timezone="Europe/Berlin"),
    ]
    result = CliRunner().invoke(cli, ["rules", "list"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 2}
    assert "at once" in rows["now"]
    assert "throttled: 1 per 10 min" in rows["calm"]
    assert "digest daily@07:00 (Europe/Berlin)" in rows["morning"]
