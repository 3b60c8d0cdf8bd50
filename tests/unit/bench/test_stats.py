"""Percentiles with misses, and the steady-rate estimator used for end-to-end throughput."""

from __future__ import annotations

import math

import pytest

from bench.stats import batch_rate, per_second, percentile, steady_rate, summary


def test_percentile_counts_misses_as_infinite() -> None:
    values = [float(v) for v in range(1, 99)] + [math.inf, math.inf]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == math.inf
    assert summary(values)["missed"] == 2 and summary(values)["max"] == 98.0


def test_steady_rate_ignores_ramp_and_tail() -> None:
    ramp = [0.0] * 5  # a first batch after a slow start
    steady = [10.0 + k * 0.5 for k in range(90)]  # 2 per second
    tail = [70.0 + k for k in range(5)]  # stragglers
    assert steady_rate(ramp + steady + tail) == pytest.approx(2.0, rel=0.05)


def test_steady_rate_with_batches_sharing_a_time() -> None:
    batches = [t for t in range(20) for _ in range(10)]  # 10 documents every second
    assert steady_rate([float(t) for t in batches]) == pytest.approx(10.0)


def test_per_second_bins() -> None:
    assert per_second([0.1, 0.2, 1.5, 3.9], origin=0.0) == [2, 1, 0, 1]


def test_batch_rate_counts_whole_batches_after_the_first_completion() -> None:
    # completions every 4 s of 20 items; the first one is only the start mark; repeats are ignored
    events = [(100.0, 20.0), (100.0, 20.0), (104.0, 40.0), (108.0, 60.0), (108.0, 60.0), (112.0, 80.0)]
    assert batch_rate(events) == pytest.approx(60 / 12)


def test_batch_rate_needs_two_completions() -> None:
    assert math.isnan(batch_rate([]))
    assert math.isnan(batch_rate([(5.0, 32.0), (5.0, 32.0)]))
