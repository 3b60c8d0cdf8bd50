"""The pipeline bench's command line and where it writes (no stack, no workers)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.pipeline import QUICK, Options, parse_args

ROOT = Path(__file__).resolve().parents[3]


def test_the_outputs_go_to_bench_out() -> None:
    assert Options().out == ROOT / "bench" / "out"


def test_quick_shrinks_the_protocol_and_explicit_values_win() -> None:
    quick = parse_args(["--quick", "--preload", "7", "--loads", "2, 3", "--skip-scale"])
    assert quick.quick and quick.preload == 7 and quick.duration == QUICK["duration"]
    assert quick.loads == (2.0, 3.0) and quick.skip_scale
    assert parse_args([]) == Options()


def test_python_dash_m_runs_the_bench_entry_point() -> None:
    help_text = subprocess.run(
        [sys.executable, "-m", "bench.pipeline", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    for option in ("--quick", "--scale-worker", "--skip-backfill", "--websub-rate", "--keep", "--json"):
        assert option in help_text
