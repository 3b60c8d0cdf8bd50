"""Running a worker: the agent loop every consuming stage shares, and the faust Worker entry point with
JSON logs and the ``/metrics``, ``/healthz``, ``/readyz`` server."""

from __future__ import annotations

import asyncio
import logging
import logging.config
import os
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from pathlib import Path
from typing import Any

import faust
from faust.worker import Worker

from wirewatch.core import metrics
from wirewatch.core.kafka import wait_for_broker
from wirewatch.core.lanes import LaneGate
from wirewatch.core.logs import logging_config
from wirewatch.core.redaction import redact_password, redact_servers
from wirewatch.core.runner import BatchRunner, Record
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import Lane

log = logging.getLogger(__name__)

#: exit status of a worker whose agent crashed (EX_SOFTWARE)
EXIT_CRASHED = 70
#: one Health per stage running in this process (read by /readyz)
HEALTH: dict[str, metrics.Health] = {}


def health_of(stage: str) -> metrics.Health:
    return HEALTH.setdefault(stage, metrics.Health(stage))


async def drain(
    stream: faust.StreamT[Any],
    runner: BatchRunner[Any],
    *,
    max_batch: int,
    within_s: float,
    gate: LaneGate | None = None,
    lane: Lane = "live",
) -> None:
    """Take up to ``max_batch`` records within ``within_s``, process them completely, then ack them.

    Acks happen only after the runner returned, i.e. after every output and dead letter was acknowledged
    by the broker; faust then commits the acked offsets. A crash before that replays the batch.
    """
    if not isinstance(stream, faust.Stream):  # noack_take is faust.Stream's, not part of StreamT
        raise TypeError(f"drain needs a faust.Stream, got {type(stream).__name__}")
    health = health_of(runner.stage)
    health.started = True
    first = True
    log.info(
        "%s consuming %s in batches of up to %d within %.2fs",
        runner.stage,
        ", ".join(map(str, getattr(stream.channel, "topics", ()))) or stream.channel,
        max_batch,
        within_s,
        extra={"stage": runner.stage},
    )
    try:
        async for events in stream.noack_take(max_batch, within=within_s):
            health.busy_since = time.monotonic()
            async with _slot(gate, lane):
                await runner.run([Record.from_event(e) for e in events])
            for event in events:
                await stream.ack(event)
            health.busy_since = None
            _observe_lag(stream, runner.stage, events)
            if first:
                first = False
                milestone(f"first {lane} batch processed ({len(events)} records)", runner.stage)
    except Exception:
        # Crash-only: faust would restart the agent in place and hide a crash loop; exiting lets the
        # supervisor (wirewatch run, compose) restart the process, and the unacked batch is replayed.
        log.critical(
            "%s crashed; exiting so the worker is restarted and the batch replayed",
            runner.stage,
            exc_info=True,
            extra={"stage": runner.stage},
        )
        logging.shutdown()
        os._exit(EXIT_CRASHED)


def process_age_s() -> float | None:
    """Seconds since this process started (Linux ``/proc``; None elsewhere): measures a cold start
    including the imports, which run before any of our code can take a timestamp."""
    try:
        stat = Path("/proc/self/stat").read_text()
        uptime_s = float(Path("/proc/uptime").read_text().split()[0])
    except OSError:
        return None
    started_ticks = int(stat.rpartition(")")[2].split()[19])  # field 22, starttime; fields after ")" start at 3
    return uptime_s - started_ticks / os.sysconf("SC_CLK_TCK")


def milestone(event: str, stage: str) -> None:
    """Log a start-up milestone (worker started, partitions assigned, model loaded, first batch processed)."""
    age = process_age_s()
    when = f"{age:.1f}s after the process started" if age is not None else "at start-up"
    log.info("%s: %s %s", stage, event, when, extra={"stage": stage})


def _slot(gate: LaneGate | None, lane: Lane) -> AbstractAsyncContextManager[None]:
    if gate is None:
        return nullcontext()
    return gate.live() if lane == "live" else gate.backfill()


def _observe_lag(stream: faust.Stream[Any], stage: str, events: Sequence[Any]) -> None:
    """Lag of the partitions this batch came from: the consumer's high-water mark minus our position."""
    lag = 0
    last: dict[Any, int] = {}
    for event in events:
        last[event.message.tp] = event.message.offset
    consumer = stream.app.consumer
    assigned = consumer.assignment()
    for tp, offset in last.items():
        if tp not in assigned:
            continue  # revoked by a rebalance while the batch ran (a replica joined): not ours to measure
        highwater = consumer.highwater(tp)
        if highwater is not None:
            lag += max(0, highwater - offset - 1)
    metrics.CONSUMER_LAG.labels(stage).set(lag)


def run(app: faust.App, settings: CommonSettings) -> None:
    """Run the app until SIGTERM/SIGINT; faust stops agents, commits acked offsets and closes clients."""
    stage = app.conf.id.removeprefix(settings.topic_prefix)
    if settings.metrics_port is not None:
        port, host = settings.metrics_port, settings.metrics_host

        async def serve_metrics() -> None:
            await metrics.serve(health_of(stage), port, host)
            log.info("serving /metrics, /healthz and /readyz on %s port %d", host, port)

        app.task(serve_metrics)  # registered by a call: faust's task decorator is untyped

    logging.config.dictConfig(logging_config(settings.log_level))
    milestone("worker starting (modules imported)", stage)
    asyncio.run(wait_for_broker(settings))
    worker = Worker(
        app,
        loglevel=settings.log_level.upper(),
        redirect_stdouts=False,
        logging_config=logging_config(settings.log_level),
    )

    assigned_once = False

    @app.on_partitions_assigned.connect
    async def _assigned(_app: Any, /, *args: Any, **kwargs: Any) -> None:
        nonlocal assigned_once
        if not assigned_once:
            assigned_once = True
            assigned = args[0] if args else kwargs.get("assigned", ())
            milestone(f"joined the consumer group, {len(assigned)} partitions assigned", stage)

    async def _announce() -> None:
        # settings are printed without secrets: a password inside a URL is masked
        log.info(
            "starting %s: kafka %s, elasticsearch %s, topic prefix %r, index prefix %r",
            stage,
            redact_servers(settings.kafka_bootstrap),
            redact_password(settings.es_url),
            settings.topic_prefix,
            settings.index_prefix,
            extra={"stage": stage},
        )

    app.task(_announce)
    worker.execute_from_commandline()
