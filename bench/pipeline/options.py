"""The pipeline bench's options: the full protocol's defaults, the ``--quick`` smoke run, the command line."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wirewatch.schemas import STAGES

OUT = Path(__file__).resolve().parents[1] / "out"


@dataclass(frozen=True)
class Options:
    seed: int = 1
    feeds: int = 48
    hosts: int = 24
    preload: int = 400
    stage_articles: int = 200
    loads: tuple[float, ...] = (1.0, 5.0, 20.0)
    duration: float = 60.0
    drain: float = 60.0
    scale_articles: int = 600
    scale_window: float = 40.0
    scale_worker: str | None = None
    skip_scale: bool = False
    backfill_rate: float = 5.0
    skip_backfill: bool = False
    websub_rate: float = 5.0
    skip_websub: bool = False
    model: str = "en_core_web_md"
    interval: float = 1.0
    min_delay: float = 0.0
    probe_every: int = 5
    keep: bool = False
    out: Path = OUT
    json: Path | None = None
    quick: bool = False  # a smoke run: smaller, its figures not comparable with the full protocol's


QUICK: dict[str, Any] = {
    "preload": 200,
    "stage_articles": 100,
    "duration": 20.0,
    "drain": 30.0,
    "scale_articles": 400,
    "scale_window": 25.0,
}
#: workers whose rate the scale-out phase can measure (batch completions of a consuming stage: one fed by
#: another stage's output, so not the fetcher, which polls feeds itself)
SCALABLE = tuple(spec.name for spec in STAGES.values() if spec.input in {s.output for s in STAGES.values()})


def parse_args(argv: list[str] | None) -> Options:
    d = Options()
    p = argparse.ArgumentParser(
        prog="python -m bench.pipeline", description="Run the whole pipeline on the real stack and measure it."
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run (~20 s per load, about 10 minutes): figures labelled as such, not comparable",
    )
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--feeds", type=int, default=d.feeds)
    p.add_argument("--hosts", type=int, default=d.hosts, help="loopback outlets the feeds are spread over")
    p.add_argument("--preload", type=int, default=None, help=f"saturation articles (default {d.preload})")
    p.add_argument("--stage-articles", type=int, default=None, help="articles for the standalone stages")
    p.add_argument("--loads", default="1,5,20", help="offered loads, articles/s, comma-separated")
    p.add_argument("--duration", type=float, default=None, help=f"seconds per load (default {d.duration:g})")
    p.add_argument(
        "--drain",
        type=float,
        default=None,
        help="seconds after a load ends before its unsearchable items count as missed",
    )
    p.add_argument("--scale-articles", type=int, default=None)
    p.add_argument("--scale-window", type=float, default=None)
    p.add_argument("--scale-worker", choices=SCALABLE, default=None, help="default: the slowest stage's")
    p.add_argument("--skip-scale", action="store_true")
    p.add_argument(
        "--backfill-rate",
        type=float,
        default=d.backfill_rate,
        help="live load (articles/s) measured idle and during the backfill",
    )
    p.add_argument("--skip-backfill", action="store_true")
    p.add_argument(
        "--websub-rate", type=float, default=d.websub_rate, help="articles/s pushed by a WebSub hub (after --loads)"
    )
    p.add_argument("--skip-websub", action="store_true")
    p.add_argument("--model", default=d.model, help="WIREWATCH_NER_MODEL for the extractor and the stages")
    p.add_argument("--interval", type=float, default=d.interval, help="feed poll interval, seconds")
    p.add_argument(
        "--min-delay",
        type=float,
        default=d.min_delay,
        help="WIREWATCH_FETCHER_MIN_DELAY_S (0: no politeness gap between requests to a host)",
    )
    p.add_argument("--keep", action="store_true", help="leave the namespace (topics, indices) in place")
    p.add_argument("--out", type=Path, default=d.out)
    p.add_argument("--json", type=Path, default=None)
    a = p.parse_args(argv)
    base = replace(d, **QUICK) if a.quick else d
    given = {
        "preload": a.preload,
        "stage_articles": a.stage_articles,
        "duration": a.duration,
        "drain": a.drain,
        "scale_articles": a.scale_articles,
        "scale_window": a.scale_window,
    }
    overrides: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    return replace(
        base,
        **overrides,
        seed=a.seed,
        feeds=a.feeds,
        hosts=a.hosts,
        loads=tuple(float(x) for x in a.loads.split(",") if x.strip()),
        scale_worker=a.scale_worker,
        skip_scale=a.skip_scale,
        backfill_rate=a.backfill_rate,
        skip_backfill=a.skip_backfill,
        websub_rate=a.websub_rate,
        skip_websub=a.skip_websub,
        model=a.model,
        interval=a.interval,
        min_delay=a.min_delay,
        keep=a.keep,
        out=a.out,
        json=a.json,
        quick=a.quick,
    )
