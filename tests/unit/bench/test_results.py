"""The benchmark's results: backfill ratio and JSON, the indexed watcher's lanes, and the report."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

from rich.console import Console

from bench import report
from bench.observers import IndexedWatcher
from bench.results import BackfillResult, LoadResult, RunResult, ScaleResult
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import IndexedBatch, IndexedDoc


def _load(rate: float, searchable: list[float]) -> LoadResult:
    return LoadResult(
        rate=rate,
        duration=20.0,
        items=len(searchable),
        watched=0,
        searchable=searchable,
        listed=[0.5] * len(searchable),
        fetched=[0.6] * len(searchable),
        start=0.0,
        end=20.0,
    )


def _backfill() -> BackfillResult:
    result = BackfillResult(
        rate=5.0,
        idle=_load(5.0, [1.0 + i / 100 for i in range(100)]),
        during=_load(5.0, [2.0 + i / 50 for i in range(100)]),
        copied=900,
        window_s=20.0,
        backfill_docs=60,
        backfill_done=200,
        replay_s=3.0,
        first_backfill_s=2.5,
    )
    return result


def test_backfill_ratio_and_summary() -> None:
    result = _backfill()
    summary = result.summary()
    assert summary["p95_idle"] == 1.94 and summary["p95_during"] == 3.88
    assert summary["ratio"] == 2.0 and summary["backfill_rate"] == 3.0
    assert {"p50_idle", "p95_idle", "p95_during", "ratio", "backfill_rate"} <= summary.keys()


def test_backfill_ratio_is_infinite_when_the_p95_was_missed() -> None:
    result = _backfill()
    assert result.during is not None
    result.during.searchable[-10:] = [math.inf] * 10
    assert result.ratio == math.inf
    assert BackfillResult(rate=5.0).summary()["ratio"] != BackfillResult(rate=5.0).summary()["ratio"]  # nan


def _batch(ids: list[str], at: float, lane: str) -> IndexedBatch:
    when = datetime.fromtimestamp(at, UTC)
    return IndexedBatch(
        index="a", docs=[IndexedDoc(id=i, version=1, fetched_at=when) for i in ids], searchable_at=when, lane=lane
    )  # type: ignore[arg-type]


def test_watcher_keeps_backfill_apart_from_searchable() -> None:
    watcher = IndexedWatcher(CommonSettings())
    watcher.record(_batch(["a", "b"], 10.0, "live"), 10.1)
    watcher.record(_batch(["a", "c"], 20.0, "backfill"), 20.1)
    watcher.record(_batch(["d"], 30.0, "backfill"), 30.1)
    assert watcher.searchable_at == {"a": 10.0, "b": 10.0}
    assert watcher.backfilled() == 3 and watcher.backfilled(15.0, 25.0) == 2 and watcher.backfilled(30.5) == 0


def test_report_and_json_carry_backfill_and_scale(tmp_path: Path) -> None:
    run = RunResult(
        options={
            "seed": 1,
            "feeds": 4,
            "hosts": 2,
            "interval": 1.0,
            "min_delay": 0.0,
            "model": "m",
            "preload": 10,
            "duration": 20.0,
            "drain": 5.0,
        }
    )
    run.stage_rates = {"parser": 100.0, "ner (raw nlp.pipe)": 8.0}
    run.slowest_stage, run.slowest_rate, run.e2e_throughput = "ner (raw nlp.pipe)", 8.0, 6.0
    run.loads = [_load(5.0, [1.0] * 10)]
    run.rss_mb = {"extractor": 700.0, "extractor#2": 650.0}
    run.scale = ScaleResult(
        worker="extractor",
        backlog=500,
        window_s=25.0,
        stage_rate={1: 5.0, 2: 7.5},
        replica_rates={1: {"extractor": 5.0}, 2: {"extractor": 3.5, "extractor#2": 4.0}},
        batches={1: {"extractor": 4}, 2: {"extractor": 3, "extractor#2": 3}},
    )
    run.backfill = _backfill()
    text = report.markdown(run)
    assert "## Backfill" in text and "p95 during ÷ idle = 2.00" in text and "3.00 articles/s" in text
    assert "extractor#2 4.00 (3 batches)" in text and "Ratio 2 / 1 replicas: **1.50**" in text
    summary = tmp_path / "summary.json"
    report.write_all(run, tmp_path, summary)
    data = json.loads(summary.read_text())
    assert data["backfill"]["ratio"] == 2.0 and data["scale_out"]["ratio"] == 1.5
    out = StringIO()
    report.print_tables(run, Console(file=out, width=160))
    assert "during backfill" in out.getvalue() and "ratio 1.50" in out.getvalue()
