"""``rules add --spike | --first-seen | --flatline`` (issue 16, item 3): what each needs, durations read as
written (30m, 6h, 7d) with clear errors, parameters that belong to another kind refused, ``rules list`` showing
the kind's parameters, and ``rules export``/``import`` keeping them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from rich.console import Console

from tests.unit.cli.test_rule_per import stored  # noqa: F401 (the fixture)
from wirewatch.cli import cli
from wirewatch.schemas import Rule

HOOK = ["--webhook", "https://hooks.example/x"]


def add(*args: str) -> Any:
    return CliRunner().invoke(cli, ["rules", "add", "r", *HOOK, *args])


def test_a_spike_rule_with_its_window_baseline_factor_and_count(stored: list[Rule]) -> None:  # noqa: F811
    result = add(
        "--spike", "--query", "truce", "--window", "30m", "--baseline", "7d", "--factor", "4", "--min-count", "8"
    )
    assert result.exit_code == 0, result.output
    [rule] = stored
    assert rule.kind == "spike" and rule.spike is not None
    assert (rule.spike.window_s, rule.spike.baseline_s, rule.spike.factor, rule.spike.min_count) == (1800, 604800, 4, 8)


def test_a_spike_takes_the_documented_defaults(stored: list[Rule]) -> None:  # noqa: F811
    assert add("--spike", "--query", "truce").exit_code == 0
    assert stored[0].spike is not None and stored[0].spike.window_s == 3600 and stored[0].spike.baseline_s == 7 * 86400


def test_first_seen_maps_the_type_and_matches_everything_by_default(stored: list[Rule]) -> None:  # noqa: F811
    result = add("--first-seen", "--type", "org")
    assert result.exit_code == 0, result.output
    [rule] = stored
    assert rule.kind == "first_seen" and rule.entity_type == "org" and rule.query == "*"


def test_a_flatline_of_a_feed_or_a_query(stored: list[Rule]) -> None:  # noqa: F811
    assert add("--flatline", "--feed", "f123", "--window", "6h").exit_code == 0
    assert stored[0].kind == "flatline" and stored[0].flatline is not None
    assert (stored[0].flatline.feed_id, stored[0].flatline.window_s) == ("f123", 21600)
    stored.clear()
    assert add("--flatline", "--query", "truce").exit_code == 0
    assert (
        stored[0].flatline is not None and stored[0].flatline.feed_id is None and stored[0].flatline.window_s == 21600
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--spike"], "--spike needs --query"),
        (["--flatline"], "--flatline needs --feed or --query"),
        (["--first-seen"], "--first-seen needs --type"),
        ([], "--query is required"),
        (["--spike", "--flatline", "--query", "q"], "one of --spike, --first-seen, --flatline"),
        (["--query", "q", "--window", "1h"], "--window is for --spike or --flatline"),
        (["--flatline", "--query", "q", "--factor", "2"], "--factor is for --spike"),
        (["--query", "q", "--type", "org"], "--type is for --first-seen"),
        (["--spike", "--query", "q", "--feed", "f"], "--feed is for --flatline"),
        (["--spike", "--query", "q", "--window", "1h30m"], "is not a duration"),
        (["--first-seen", "--type", "thing"], "'thing' is not one of"),
    ],
)
def test_what_each_kind_needs_and_refuses(stored: list[Rule], args: list[str], message: str) -> None:  # noqa: F811
    result = add(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert stored == []


def test_rules_list_shows_the_parameters(stored: list[Rule], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    wide = Console(width=250, highlight=False, soft_wrap=False)
    monkeypatch.setattr("wirewatch.cli.rules.console", wide)
    add("--spike", "--query", "truce", "--window", "30m")
    CliRunner().invoke(cli, ["rules", "add", "n", *HOOK, "--first-seen", "--type", "place"])
    CliRunner().invoke(cli, ["rules", "add", "f", *HOOK, "--flatline", "--feed", "f9", "--window", "2h"])
    with wide.capture() as captured:
        CliRunner().invoke(cli, ["rules", "list"])
    out = captured.get()
    assert "window 30m, baseline 7d, ×3, ≥5" in out
    assert "place" in out and "feed f9, silent 2h" in out


def test_export_and_import_keep_the_kind(stored: list[Rule], tmp_path: Path) -> None:  # noqa: F811
    add("--spike", "--query", "truce", "--window", "30m")
    CliRunner().invoke(cli, ["rules", "add", "n", *HOOK, "--first-seen", "--type", "place"])
    CliRunner().invoke(cli, ["rules", "add", "f", *HOOK, "--flatline", "--feed", "f9"])
    exported = CliRunner().invoke(cli, ["rules", "export", "--include-secrets"]).stdout
    path = tmp_path / "rules.yaml"
    path.write_text(exported)
    before = [r.model_dump(exclude={"id", "created_at"}) for r in stored]
    stored.clear()
    assert CliRunner().invoke(cli, ["rules", "import", str(path)]).exit_code == 0
    assert [r.model_dump(exclude={"id", "created_at"}) for r in stored] == before
    assert yaml.safe_load(exported)["rules"][0]["spike"]["window_s"] == 1800
