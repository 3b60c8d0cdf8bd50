"""Small statistics for the pipeline benchmark: percentiles with missing values, steady rates, bins."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0–100). ``inf`` values stand for "never happened before the
    deadline" and sort last, so a p99 over a run with 2% misses is ``inf``, not a flattering number."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99, mean and max of the finite values, and how many there were (and missed)."""
    finite = [v for v in values if math.isfinite(v)]
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "mean": sum(finite) / len(finite) if finite else math.nan,
        "max": max(finite) if finite else math.nan,
        "count": len(values),
        "missed": len(values) - len(finite),
    }


def steady_rate(times: Sequence[float], low: float = 0.1, high: float = 0.9) -> float:
    """Events per second between the ``low`` and ``high`` quantiles of their times: the rate once the
    pipeline is going, without the start-up ramp or the tail of the last batches.

    Events come in batches sharing one time, so the count is of events *after* the batch at the low
    quantile up to and including the one at the high quantile: whole batches completed in the span."""
    ordered = sorted(times)
    if len(ordered) < 10:
        return math.nan
    t_low, t_high = ordered[int(low * (len(ordered) - 1))], ordered[int(high * (len(ordered) - 1))]
    count = sum(1 for t in ordered if t_low < t <= t_high)
    return count / (t_high - t_low) if t_high > t_low else math.nan


def rate_in(times: Sequence[float], start: float, end: float) -> float:
    """Events per second whose time falls in ``[start, end)``."""
    if end <= start:
        return math.nan
    return sum(1 for t in times if start <= t < end) / (end - start)


def batch_rate(events: Sequence[tuple[float, float]]) -> float:
    """Items per second from one consumer's batch completions: ``(completed at, items completed so far)``.

    Counts the batches completed after the first observed completion up to the last one, over that span:
    whole batches only, so a large batch straddling a window edge neither counts fully nor is lost, and
    time spent before the first completion (start-up, a rebalance) is left out. Repeated observations of
    the same completion are ignored. ``nan`` with fewer than two distinct completions."""
    distinct = sorted({t: c for t, c in events}.items())
    if len(distinct) < 2:
        return math.nan
    (t0, c0), (t1, c1) = distinct[0], distinct[-1]
    return (c1 - c0) / (t1 - t0) if t1 > t0 else math.nan


def per_second(times: Sequence[float], origin: float, width: float = 1.0) -> list[int]:
    """Counts in consecutive bins of ``width`` seconds from ``origin`` (for "throughput over time")."""
    if not times:
        return []
    counts = [0] * (int((max(times) - origin) // width) + 1)
    for t in times:
        if t >= origin:
            counts[int((t - origin) // width)] += 1
    return counts


def fmt_seconds(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return "missed" if math.isinf(value) else f"{value:.2f}"
