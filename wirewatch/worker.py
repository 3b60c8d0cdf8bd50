"""Running a worker: the agent loop every consuming stage shares, and the faust Worker entry point."""

from __future__ import annotations

import logging
from typing import Any

import faust
from faust.worker import Worker

from wirewatch.settings import CommonSettings
from wirewatch.stage import BatchRunner, Record

log = logging.getLogger(__name__)


async def drain(stream: faust.StreamT[Any], runner: BatchRunner[Any], *, max_batch: int, within_s: float) -> None:
    """Take up to ``max_batch`` records within ``within_s``, process them completely, then ack them.

    Acks happen only after the runner returned, i.e. after every output and dead letter was acknowledged
    by the broker; faust then commits the acked offsets. A crash before that replays the batch.
    """
    async for events in stream.noack_take(max_batch, within=within_s):
        await runner.run([Record.from_event(e) for e in events])
        for event in events:
            await stream.ack(event)


def run(app: faust.App, settings: CommonSettings) -> None:
    """Run the app until SIGTERM/SIGINT; faust stops agents, commits acked offsets and closes clients."""
    worker = Worker(app, loglevel=settings.log_level.upper(), redirect_stdouts=False)
    worker.execute_from_commandline()
