"""What one pipeline benchmark run found, as plain data (the report and the JSON summary read this)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


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


@dataclass
class ScaleResult:
    worker: str
    backlog: int
    window_s: float
    stage_rate: dict[int, float] = field(default_factory=dict)
    e2e_rate: dict[int, float] = field(default_factory=dict)
    backlog_left: dict[int, int] = field(default_factory=dict)
    stall_s: dict[int, float] = field(default_factory=dict)

    def ratio(self) -> float:
        one, two = self.stage_rate.get(1, math.nan), self.stage_rate.get(2, math.nan)
        return two / one if one and not math.isnan(one) else math.nan


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
    indexed_times: list[float] = field(default_factory=list)
    phases: list[tuple[str, float, float]] = field(default_factory=list)
    started_at: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.e2e_throughput / self.slowest_rate if self.slowest_rate else math.nan

    def worker_core_ratio(self) -> float:
        """e2e over the slowest *worker core* (our extractor's ``enrich`` instead of raw ``nlp.pipe``)."""
        cores = [self.stage_rates.get(n, math.nan) for n in ("parser", "extractor (enrich)",
                                                            "indexer (async_bulk)")]
        finite = [c for c in cores if not math.isnan(c)]
        return self.e2e_throughput / min(finite) if finite else math.nan

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

        latency = {f"{load.rate:g}": summary(load.searchable) | {"alert": summary(load.alerted),
                                                                  "achieved_rate": load.achieved_rate}
                   for load in self.loads}
        data = {
            "e2e_throughput": self.e2e_throughput, "slowest_stage": self.slowest_stage,
            "slowest_stage_throughput": self.slowest_rate, "ratio": self.ratio,
            "ratio_vs_worker_cores": self.worker_core_ratio(), "stage_throughput": self.stage_rates,
            "latency_s": latency, "rss_mb": self.rss_mb, "rss_tree_mb": self.rss_tree_mb,
            "cpu_s_per_article": self.cpu_per_article,
            "scale_out": asdict(self.scale) | {"ratio": self.scale.ratio()} if self.scale else None,
            "conditions": self.conditions, "options": self.options, "notes": self.notes,
        }
        return dict(clean(data))
