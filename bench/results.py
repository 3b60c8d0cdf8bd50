"""What one pipeline benchmark run found, as plain data (the report and the JSON summary read this)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.waterfall import HOP_BUDGET_S


@dataclass
class LoadResult:
    """One offered load: per-item latencies in seconds (``inf``: not within the deadline)."""

    rate: float
    duration: float
    items: int
    watched: int
    searchable: list[float] = field(default_factory=list)
    alerted: list[float] = field(default_factory=list)
    listed: list[float] = field(default_factory=list)
    fetched: list[float] = field(default_factory=list)
    probe_minus_announced: list[float] = field(default_factory=list)
    achieved_rate: float = math.nan
    start: float = math.nan  # first item's appearance (unix s)
    end: float = math.nan  # last item's appearance window end (unix s)
    #: ``{hop: {p50, p95, count}}`` from the items' timelines (``bench/waterfall.py``)
    waterfall: dict[str, dict[str, float]] = field(default_factory=dict)
    #: a load that is not a plain polled one (``"websub 5/s"``); empty: named by its rate
    label: str = ""

    @property
    def name(self) -> str:
        """How the report names the load: its label, else its rate (``"5/s"``)."""
        return self.label or f"{self.rate:g}/s"

    @property
    def key(self) -> str:
        """The load's key in the JSON summary: its label, else its rate (``"5"``)."""
        return self.label or f"{self.rate:g}"


#: issue 19 item 3: p95 item appearance → searchable at 5 articles/s when the feed pushes (WebSub), seconds
TARGET_P95_WEBSUB_S = 1.0


@dataclass
class ScaleResult:
    """One worker with one replica, then two: rates measured from batch completions after the group's
    rebalance settled (every replica consuming), per replica and summed."""

    worker: str
    backlog: int
    window_s: float
    stage_rate: dict[int, float] = field(default_factory=dict)
    replica_rates: dict[int, dict[str, float]] = field(default_factory=dict)
    batches: dict[int, dict[str, int]] = field(default_factory=dict)
    measured_s: dict[int, float] = field(default_factory=dict)
    e2e_rate: dict[int, float] = field(default_factory=dict)
    backlog_left: dict[int, int] = field(default_factory=dict)
    stall_s: dict[int, float] = field(default_factory=dict)
    backlog_ran_out: dict[int, bool] = field(default_factory=dict)

    def ratio(self) -> float:
        one, two = self.stage_rate.get(1, math.nan), self.stage_rate.get(2, math.nan)
        return two / one if one and not math.isnan(one) else math.nan


#: the backfill phase's target: live p95 during a backfill at most this many times the idle p95 (issue 19 item 4)
BACKFILL_TARGET = 1.5
#: … while the backfill itself runs at least this fast, articles/s
BACKFILL_MIN_RATE = 2.0
#: samples taken while our own pipeline was idle (``pipeline.conditions``); busier than this share of the
#: machine's CPU means something else ran, and the run's ratios are not reported (issue 19, item 5)
QUIET_SAMPLES = ("start", "before saturation")
BUSY_PERCENT = 25.0


@dataclass
class BackfillResult:
    """Live latency at the same load without and with a backfill of everything ingested so far running,
    and the backfill's own progress while the live load ran."""

    rate: float
    idle: LoadResult | None = None
    during: LoadResult | None = None
    copied: int = 0  # messages the replay put on the backfill lane
    replay_s: float = math.nan  # how long the copy took
    first_backfill_s: float = math.nan  # replay start → first backfill batch searchable
    window_s: float = math.nan  # the live load's span while the backfill ran
    backfill_docs: int = 0  # backfill documents searchable within that span
    backfill_done: int = 0  # backfill documents searchable by the end of the phase
    finished_early: bool = False  # the backfill was over before the live load ended

    @property
    def backfill_rate(self) -> float:
        return self.backfill_docs / self.window_s if self.window_s and self.window_s > 0 else math.nan

    def _stat(self, load: LoadResult | None, key: str) -> float:
        from bench.stats import summary

        return summary(load.searchable)[key] if load is not None and load.searchable else math.nan

    @property
    def ratio(self) -> float:
        idle, during = self._stat(self.idle, "p95"), self._stat(self.during, "p95")
        if math.isnan(idle) or math.isnan(during) or idle <= 0:
            return math.nan
        return during / idle  # inf when the p95 during the backfill was missed

    def summary(self) -> dict[str, Any]:
        return {
            "p50_idle": self._stat(self.idle, "p50"),
            "p95_idle": self._stat(self.idle, "p95"),
            "p99_idle": self._stat(self.idle, "p99"),
            "p50_during": self._stat(self.during, "p50"),
            "p95_during": self._stat(self.during, "p95"),
            "p99_during": self._stat(self.during, "p99"),
            "ratio": self.ratio,
            "target_ratio": BACKFILL_TARGET,
            "target_backfill_rate": BACKFILL_MIN_RATE,
            "backfill_rate": self.backfill_rate,
            "rate": self.rate,
            "copied": self.copied,
            "replay_s": self.replay_s,
            "first_backfill_s": self.first_backfill_s,
            "window_s": self.window_s,
            "backfill_docs": self.backfill_docs,
            "backfill_done": self.backfill_done,
            "finished_early": self.finished_early,
            "missed_idle": self._stat(self.idle, "missed"),
            "missed_during": self._stat(self.during, "missed"),
        }


@dataclass
class RunResult:
    options: dict[str, Any]
    conditions: dict[str, Any] = field(default_factory=dict)
    stage_rates: dict[str, float] = field(default_factory=dict)
    stage_articles: int = 0
    slowest_stage: str = ""
    slowest_rate: float = math.nan
    e2e_throughput: float = math.nan
    e2e_articles: int = 0
    e2e_seconds: float = math.nan
    cpu_per_article: dict[str, float] = field(default_factory=dict)
    rss_mb: dict[str, float] = field(default_factory=dict)
    rss_tree_mb: dict[str, float] = field(default_factory=dict)
    loads: list[LoadResult] = field(default_factory=list)
    scale: ScaleResult | None = None
    backfill: BackfillResult | None = None
    indexed_times: list[float] = field(default_factory=list)
    phases: list[tuple[str, float, float]] = field(default_factory=list)
    started_at: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: the saturation phase's waterfall (``bench/waterfall.py``)
    saturation_waterfall: dict[str, dict[str, float]] = field(default_factory=dict)
    #: per worker, CPU seconds per wall second over the saturation phase (one core = 1.0)
    cpu_share: dict[str, float] = field(default_factory=dict)

    @property
    def smoke(self) -> bool:
        """A ``--quick`` run: a smoke test whose figures are not comparable with the full protocol's."""
        return bool(self.options.get("quick"))

    def busy_reason(self) -> str | None:
        """Why the machine counts as busy with something else (a quiet sample over :data:`BUSY_PERCENT`, not
        counting this run's own processes: the bench, its workers, the stack's Kafka and Elasticsearch)."""
        for name in QUIET_SAMPLES:
            sample = self.conditions.get(name) or {}
            busy = sample.get("other_busy_percent", sample.get("cpu_busy_percent"))
            if isinstance(busy, (int, float)) and busy > BUSY_PERCENT:
                others = sample.get("busiest_others", sample.get("busiest", []))
                return (
                    f"the machine was {busy:.0f}% busy with something else at '{name}' while our pipeline was "
                    f"idle (over {BUSY_PERCENT:g}%): busiest {', '.join(others[:3])}"
                )
        return None

    @property
    def ratio(self) -> float:
        return self.e2e_throughput / self.slowest_rate if self.slowest_rate else math.nan

    def worker_core_ratio(self) -> float:
        """e2e over the slowest *worker core* (our extractor's ``enrich`` instead of raw ``nlp.pipe``)."""
        cores = [self.stage_rates.get(n, math.nan) for n in ("parser", "extractor (enrich)", "indexer (async_bulk)")]
        finite = [c for c in cores if not math.isnan(c)]
        return self.e2e_throughput / min(finite) if finite else math.nan

    def multiprocess_ratio(self) -> float:
        """e2e over raw ``nlp.pipe`` with as many processes as the extractor runs by default (a reference)."""
        rates = [rate for name, rate in self.stage_rates.items() if name.startswith("ner (raw nlp.pipe, ")]
        return self.e2e_throughput / rates[0] if rates else math.nan

    def as_json(self) -> dict[str, Any]:
        from bench.stats import summary

        def clean(value: Any) -> Any:
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            if isinstance(value, list):
                return [clean(v) for v in value]
            return value

        latency = {
            load.key: summary(load.searchable) | {"alert": summary(load.alerted), "achieved_rate": load.achieved_rate}
            for load in self.loads
        }
        busy = self.busy_reason()
        data = {
            "smoke_run": self.smoke,
            "comparable": not self.smoke and busy is None,
            "ratio_refused": busy,
            "e2e_throughput": self.e2e_throughput,
            "slowest_stage": self.slowest_stage,
            "slowest_stage_throughput": self.slowest_rate,
            "ratio": None if busy else self.ratio,
            "ratio_vs_worker_cores": None if busy else self.worker_core_ratio(),
            "ratio_vs_multiprocess_ner": None if busy else self.multiprocess_ratio(),
            "stage_throughput": self.stage_rates,
            "latency_s": latency,
            "rss_mb": self.rss_mb,
            "rss_tree_mb": self.rss_tree_mb,
            "cpu_s_per_article": self.cpu_per_article,
            "cpu_share_saturation": {
                name: {"busy": share, "idle_or_wait": max(0.0, 1.0 - share)} for name, share in self.cpu_share.items()
            },
            "hop_budgets_s": HOP_BUDGET_S,
            "waterfall_s": {"saturation": self.saturation_waterfall}
            | {load.key: load.waterfall for load in self.loads},
            "scale_out": asdict(self.scale) | {"ratio": self.scale.ratio()} if self.scale else None,
            "backfill": self.backfill.summary() | ({"ratio": None} if busy else {}) if self.backfill else None,
            "conditions": self.conditions,
            "options": self.options,
            "notes": self.notes,
        }
        return dict(clean(data))
