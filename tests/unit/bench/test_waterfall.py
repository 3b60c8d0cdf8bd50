"""The pipeline bench's waterfall and its honesty labels (issue 19, items 1 and 5), on fixture data: no stack,
no workers."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

from bench import report
from bench.pipeline import Options, parse_args
from bench.results import LoadResult, RunResult
from bench.waterfall import HOP_BUDGET_S, budget_rows, chart, waterfall

T = 1_764_000_000.0


def timeline(shift: float, alert: float | None = None) -> dict[str, float | None]:
    """published → appeared 0.5 s (+shift), then 0.1 s per hop; searchable → alerted ``alert`` s."""
    stamps: dict[str, float | None] = {"published": T, "appeared": T + 0.5 + shift}
    at = T + 0.5 + shift
    for name in ("fetched", "parsed", "extracted", "indexed", "searchable"):
        at += 0.1
        stamps[name] = at
    stamps["alerted"] = None if alert is None else at + alert
    return stamps


def test_the_waterfall_has_every_hop_in_order_with_nearest_rank_percentiles() -> None:
    hops = waterfall([timeline(0.0, 0.2), timeline(0.5), *[timeline(0.0) for _ in range(18)]])
    assert list(hops) == [
        "published → appeared",
        "appeared → fetched",
        "fetched → parsed",
        "parsed → extracted",
        "extracted → indexed",
        "indexed → searchable",
        "searchable → alerted",
    ]
    assert hops["published → appeared"]["p50"] == 0.5 and hops["published → appeared"]["p95"] == 0.5
    assert abs(hops["fetched → parsed"]["p50"] - 0.1) < 1e-6
    # only the one watched item has an alert
    assert hops["searchable → alerted"]["count"] == 1 and abs(hops["searchable → alerted"]["p95"] - 0.2) < 1e-6
    assert hops["published → appeared"]["count"] == 20


def test_the_text_chart_starts_each_bar_where_the_earlier_p50s_end() -> None:
    lines = chart(waterfall([timeline(0.0, 0.2) for _ in range(5)]), width=40).splitlines()
    assert len(lines) == 7
    starts = [line.index("█") for line in lines]
    assert starts == sorted(starts) and starts[0] < starts[-1]
    assert "p95" in lines[0] and chart({}) == "(no timelines)"


def run_result(quick: bool, busy_percent: float) -> RunResult:
    options = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(Options(quick=quick)).items()}
    result = RunResult(options=options, slowest_stage="ner", slowest_rate=10.0, e2e_throughput=9.0)
    result.conditions = {"start": {"cpu_busy_percent": busy_percent, "busiest": ["95% pytest"]}}
    load = LoadResult(rate=5.0, duration=20.0, items=3, watched=1, searchable=[1.0, 1.2, 1.4])
    load.waterfall = waterfall([timeline(0.0, 0.2) for _ in range(3)])
    result.loads.append(load)
    result.saturation_waterfall = waterfall([timeline(0.3) for _ in range(3)])
    result.cpu_share = {"extractor": 0.93, "parser": 0.2}
    return result


def test_a_quiet_full_run_reports_its_ratio_and_waterfalls() -> None:
    data = run_result(quick=False, busy_percent=4.0).as_json()
    assert data["ratio"] == 0.9 and data["ratio_refused"] is None
    assert data["smoke_run"] is False and data["comparable"] is True
    assert set(data["waterfall_s"]) == {"saturation", "5"}
    assert data["cpu_share_saturation"]["extractor"]["busy"] == 0.93
    assert abs(data["cpu_share_saturation"]["parser"]["idle_or_wait"] - 0.8) < 1e-6


def test_a_busy_machine_gets_no_ratio_and_a_quick_run_is_labelled_a_smoke_run(tmp_path: Path) -> None:
    result = run_result(quick=True, busy_percent=80.0)
    data = result.as_json()
    assert data["ratio"] is None and data["ratio_vs_worker_cores"] is None
    assert "80% busy" in data["ratio_refused"] and "pytest" in data["ratio_refused"]
    assert data["smoke_run"] is True and data["comparable"] is False
    report.write_all(result, tmp_path, tmp_path / "summary.json")
    text = (tmp_path / "pipeline-report.md").read_text()
    assert "SMOKE RUN" in text and "RATIOS REFUSED" in text and "refused (busy machine)" in text
    assert "## Waterfall" in text and "published → appeared" in text
    assert (tmp_path / "waterfall.png").stat().st_size > 1000
    assert json.loads((tmp_path / "summary.json").read_text())["ratio"] is None


def test_quick_is_recorded_in_the_options() -> None:
    assert parse_args(["--quick"]).quick and not parse_args([]).quick


def test_each_hop_is_held_to_its_budget_in_the_report(tmp_path: Path) -> None:
    slow = timeline(0.0)
    slow["extracted"], slow["indexed"], slow["searchable"] = T + 1.1, T + 1.2, T + 1.2  # extraction 0.4 s
    rows = {row[0]: row for row in budget_rows(waterfall([slow]))}
    assert rows["parsed → extracted"][4] == "over by 0.050 s"
    assert rows["indexed → searchable"][4] == "within"
    assert set(rows) <= set(HOP_BUDGET_S)
    result = run_result(quick=False, busy_percent=4.0)
    report.write_all(result, tmp_path, tmp_path / "summary.json")
    text = (tmp_path / "pipeline-report.md").read_text()
    assert "p95 budget s" in text and "5/s:" in text
    assert json.loads((tmp_path / "summary.json").read_text())["hop_budgets_s"]["parsed → extracted"] == 0.35


def test_our_own_pipeline_polling_is_not_taken_for_another_program() -> None:
    result = run_result(quick=False, busy_percent=60.0)
    result.conditions["start"] |= {"other_busy_percent": 8.0, "busiest_others": ["5% editor"]}
    assert result.busy_reason() is None and result.as_json()["ratio"] == 0.9
    result.conditions["start"]["other_busy_percent"] = 40.0
    assert "40% busy with something else" in str(result.busy_reason()) and "editor" in str(result.busy_reason())


def test_conditions_count_this_runs_processes_as_ours() -> None:
    import subprocess
    import sys

    from bench.pipeline import conditions

    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])  # a child of this process: ours
    try:
        time.sleep(0.3)
        sample = conditions("test", state_dir="/nonexistent/wirewatch-state")
    finally:
        spinner.kill()
        spinner.wait()
    assert isinstance(sample["our_busy_percent"], float) and sample["our_busy_percent"] > 10
    assert sample["other_busy_percent"] == max(0.0, float(sample["cpu_busy_percent"]) - sample["our_busy_percent"])
    assert not any("while True" in line for line in sample["busiest_others"])  # type: ignore[attr-defined]
