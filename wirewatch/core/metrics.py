"""Prometheus metrics every worker exports, and the small HTTP server for ``/metrics``, ``/healthz`` and
``/readyz`` (on ``WIREWATCH_METRICS_PORT``)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from wirewatch.schemas import Stamp, Timeline

MESSAGES_IN = Counter("wirewatch_messages_in_total", "messages consumed", ["stage"])
MESSAGES_OUT = Counter("wirewatch_messages_out_total", "messages produced (not counting dead letters)", ["stage"])
DEAD_LETTERS = Counter("wirewatch_dead_letters_total", "messages dead-lettered", ["stage", "error_class"])
ERRORS = Counter("wirewatch_errors_total", "errors, retriable or not", ["stage", "error_class"])
RETRIES = Counter("wirewatch_retries_total", "batch retries after a retriable failure", ["stage"])
BATCH_SECONDS = Histogram(
    "wirewatch_batch_seconds",
    "time to process one batch completely",
    ["stage"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
BATCH_SIZE = Histogram(
    "wirewatch_batch_size", "messages per batch", ["stage"], buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
)
CONSUMER_LAG = Gauge("wirewatch_consumer_lag", "messages behind the end of the input topic", ["stage"])
FETCH_STATUS = Counter("wirewatch_fetch_status_total", "HTTP answers seen by the fetcher", ["kind", "status"])
BULK_DOCS = Histogram(
    "wirewatch_bulk_documents", "documents per bulk request", buckets=(1, 10, 50, 100, 250, 500, 1000)
)
ALERT_DELIVERIES = Counter("wirewatch_alert_deliveries_total", "webhook deliveries", ["outcome"])
LAST_PROGRESS = Gauge("wirewatch_last_progress_timestamp", "unix time a batch last completed", ["stage"])
#: the buckets of a hop: 10 ms (a queue handing over at once) … 30 s (a backlog); finer around a second,
#: where the freshness budget lies
HOP_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.175, 0.25, 0.375, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 30)
HOP_SECONDS = Histogram(
    "wirewatch_hop_seconds",
    "seconds between two stamps of an article's timeline (schemas.timelines.HOPS), observed where the hop ends",
    ["hop"],
    buckets=HOP_BUCKETS,
)


def observe_hops(timeline: Timeline, stamp: Stamp, lane: str = "live") -> None:
    """Observe every hop of ``timeline`` that ends at ``stamp`` (clocks of two processes: never below 0).

    The backfill lane is left out: a replayed article keeps its first stamps, so its hops measure the
    replay's age, not the pipeline's speed."""
    if lane == "backfill":
        return
    for hop, seconds in timeline.hops_ending(stamp).items():
        HOP_SECONDS.labels(hop).observe(max(0.0, seconds))


class Health:
    """Liveness is "the event loop answers"; readiness is "the stage has started and is not stuck"."""

    def __init__(self, stage: str, *, stuck_after_s: float = 300.0) -> None:
        self.stage = stage
        self.started = False
        self.busy_since: float | None = None
        self.stuck_after_s = stuck_after_s

    def problems(self) -> list[str]:
        found = [] if self.started else ["not started"]
        if self.busy_since is not None and time.monotonic() - self.busy_since > self.stuck_after_s:
            found.append(f"one batch has been in progress for over {self.stuck_after_s:.0f}s")
        return found


async def _metrics(_request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def metrics_app(health: Health) -> web.Application:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "stage": health.stage})

    async def readyz(_request: web.Request) -> web.Response:
        problems = health.problems()
        return web.json_response(
            {"ready": not problems, "stage": health.stage, "problems": problems}, status=200 if not problems else 503
        )

    app = web.Application()
    app.router.add_get("/metrics", _metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


async def serve(health: Health, port: int, host: str = "127.0.0.1") -> web.AppRunner:
    runner = web.AppRunner(metrics_app(health), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
