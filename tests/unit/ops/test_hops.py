"""``wirewatch status``'s hop latencies (issue 19): quantiles from the hop histogram's buckets, and the
histogram a worker observes read back from its real ``/metrics`` server."""

from __future__ import annotations

import math
import socket
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from wirewatch.core import metrics
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.hops import hop_buckets, hop_latencies, latencies, merged, quantile
from wirewatch.schemas import Timeline


def page(observations: dict[str, list[float]]) -> str:
    registry = CollectorRegistry()
    histogram = Histogram(metrics.HOP_SECONDS._name, "hops", ["hop"], buckets=metrics.HOP_BUCKETS, registry=registry)
    for hop, values in observations.items():
        for value in values:
            histogram.labels(hop).observe(value)
    return generate_latest(registry).decode()


def test_quantiles_interpolate_within_the_bucket() -> None:
    buckets = {0.5: 0.0, 1.0: 100.0, math.inf: 100.0}
    assert quantile(buckets, 0.5) == 0.75 and abs(quantile(buckets, 0.95) - 0.975) < 1e-9
    assert math.isnan(quantile({1.0: 0.0, math.inf: 0.0}, 0.5))
    assert quantile({30.0: 0.0, math.inf: 4.0}, 0.5) == 30.0  # past the last bound: the bound


def test_hops_of_two_workers_add_up_and_come_in_pipeline_order() -> None:
    fetcher = hop_buckets(page({"appeared_fetched": [0.02] * 10}))
    indexer = hop_buckets(page({"appeared_searchable": [1.2] * 18 + [2.9] * 2, "extracted_indexed": [0.04]}))
    found = latencies(merged([fetcher, indexer, hop_buckets(page({"appeared_fetched": [0.02] * 10}))]))
    assert list(found) == ["appeared_fetched", "extracted_indexed", "appeared_searchable"]
    assert found["appeared_fetched"].count == 20 and 0.01 < found["appeared_fetched"].p50 <= 0.025
    assert 1.0 < found["appeared_searchable"].p50 <= 1.5 and 2.0 < found["appeared_searchable"].p95 <= 3.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_a_hop_a_worker_observed_is_read_back_from_its_metrics_server() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    for _ in range(3):
        metrics.observe_hops(Timeline(searchable=at, alerted=at + timedelta(seconds=0.2)), "alerted")
    port = free_port()  # the fetcher's port; the other stages' (port + 1 …) do not answer and are left out
    runner = await metrics.serve(metrics.Health("fetcher"), port)
    try:
        found = await hop_latencies(CommonSettings(metrics_port=port))
    finally:
        await runner.cleanup()
    assert found["searchable_alerted"].count >= 3
    assert 0.175 < found["searchable_alerted"].p50 <= 0.25


def test_status_says_so_when_no_worker_answers() -> None:
    from wirewatch.cli.status import render_hops

    assert "no worker" in str(render_hops({}))
