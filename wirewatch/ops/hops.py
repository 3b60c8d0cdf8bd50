"""Per-hop latencies of the running pipeline, for ``wirewatch status``: p50 and p95 of each hop of an article's
timeline (``schemas/timelines.py``), read from the workers' ``/metrics`` (``wirewatch_hop_seconds``).

Why the workers' histograms and not the index: they hold every hop, ``alerted`` included (the article's
document is written before it is indexed, searchable or alerted, and is not rewritten for that), they are
what Prometheus and Grafana read too, and reading them costs five small HTTP requests, not a search over
recent articles. Each worker is found at its registry port (``schemas/stages.py``; ``WIREWATCH_METRICS_PORT``
shifts them all, as ``wirewatch run`` does). A worker that does not answer is left out: its hops show no
figures. The figures are cumulative since each worker started, and a quantile is interpolated within its
bucket (as Prometheus' ``histogram_quantile``), so it is as fine as the buckets (``core/metrics.py``).
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from dataclasses import dataclass

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import HOPS, STAGES

METRIC = "wirewatch_hop_seconds"
#: ``{hop: {upper bound: cumulative count}}``
Buckets = dict[str, dict[float, float]]


@dataclass(frozen=True)
class HopLatency:
    count: int
    p50: float
    p95: float


def metrics_urls(settings: CommonSettings) -> dict[str, str]:
    """Each stage's ``/metrics`` URL on this machine."""
    first = min(spec.metrics_port for spec in STAGES.values())
    shift = (settings.metrics_port or first) - first
    host = settings.metrics_host if settings.metrics_host not in {"0.0.0.0", "::", ""} else "127.0.0.1"  # noqa: S104 - a wildcard bind is reached on loopback
    return {name: f"http://{host}:{spec.metrics_port + shift}/metrics" for name, spec in STAGES.items()}


def hop_buckets(text: str) -> Buckets:
    """The hop histogram's cumulative buckets in one ``/metrics`` page."""
    found: Buckets = defaultdict(dict)
    for family in text_string_to_metric_families(text):
        if family.name != METRIC:
            continue
        for sample in family.samples:
            if sample.name == f"{METRIC}_bucket":
                found[sample.labels["hop"]][float(sample.labels["le"])] = sample.value
    return dict(found)


def merged(pages: list[Buckets]) -> Buckets:
    """The buckets of several workers added up (the same hop may end in two replicas)."""
    total: Buckets = defaultdict(lambda: defaultdict(float))
    for page in pages:
        for hop, buckets in page.items():
            for bound, count in buckets.items():
                total[hop][bound] += count
    return {hop: dict(buckets) for hop, buckets in total.items()}


def quantile(buckets: dict[float, float], q: float) -> float:
    """The ``q`` quantile interpolated linearly within its bucket (nan without observations); past the last
    finite bound it is that bound (the histogram cannot say more)."""
    bounds = sorted(buckets)
    count = buckets.get(math.inf, buckets[bounds[-1]] if bounds else 0.0)
    if count <= 0:
        return math.nan
    rank, lower, below = q * count, 0.0, 0.0
    for bound in bounds:
        if buckets[bound] >= rank:
            if math.isinf(bound):
                return lower
            inside = buckets[bound] - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0)
        lower, below = bound, buckets[bound]
    return lower


def latencies(buckets: Buckets) -> dict[str, HopLatency]:
    """p50 and p95 of every hop of :data:`HOPS` observed, in the registry's order."""
    return {
        hop: HopLatency(int(max(buckets[hop].values())), quantile(buckets[hop], 0.5), quantile(buckets[hop], 0.95))
        for hop in HOPS
        if hop in buckets and max(buckets[hop].values(), default=0) > 0
    }


async def hop_latencies(settings: CommonSettings, timeout_s: float = 1.0) -> dict[str, HopLatency]:
    """Scrape every worker and return its hops' p50/p95 (the workers that answered)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session:

        async def scrape(url: str) -> Buckets:
            try:
                async with session.get(url) as response:
                    response.raise_for_status()
                    return hop_buckets(await response.text())
            except (aiohttp.ClientError, TimeoutError):
                return {}

        pages = await asyncio.gather(*(scrape(url) for url in metrics_urls(settings).values()))
    return latencies(merged(list(pages)))
