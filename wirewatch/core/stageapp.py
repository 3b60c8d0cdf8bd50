"""Declaring a stage's agents from its registry entry (``wirewatch.schemas.STAGES``).

A service's ``app.py`` gives its faust app, settings, stage name and a ``runner_for(lane)`` factory; this
module creates the topics, declares the live agent and, for a stage with a backfill lane, the backfill
agent, each draining its topic through ``worker.drain`` in batches sized by the settings::

    WIREWATCH_<STAGE>_BATCH_MAX / _BATCH_WITHIN_S                  the live lane
    WIREWATCH_<STAGE>_BACKFILL_BATCH_MAX / _BACKFILL_BATCH_WITHIN_S the backfill lane

Both lanes of one worker share a :class:`LaneGate`, so the backfill lane runs only while live is idle.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import faust

from wirewatch.core import worker
from wirewatch.core.kafka import app_topic, send_all
from wirewatch.core.lanes import LaneGate
from wirewatch.core.runner import BatchRunner, Handler
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import Lane, Message, Stage, StageSpec, stage

M = TypeVar("M", bound=Message)

#: builds the batch runner of one lane, holding whatever it needs (an Elasticsearch client) open meanwhile
RunnerFactory = Callable[[Lane], AbstractAsyncContextManager[BatchRunner[Any]]]


@dataclass(frozen=True)
class Batching:
    """How many records one batch takes at most, and how long a partial batch waits for more."""

    max: int
    within_s: float


def batching(settings: CommonSettings, name: Stage, lane: Lane) -> Batching:
    """The batch size and window of one lane, from ``<stage>[_backfill]_batch_max`` / ``…_batch_within_s``."""
    prefix = f"{name}_batch" if lane == "live" else f"{name}_backfill_batch"
    try:
        return Batching(getattr(settings, f"{prefix}_max"), getattr(settings, f"{prefix}_within_s"))
    except AttributeError as exc:
        raise TypeError(f"{type(settings).__name__} lacks the {lane} batch settings of {name}: {exc}") from None


def declare_agents(
    app: faust.App, settings: CommonSettings, name: Stage, runner_for: RunnerFactory
) -> dict[Lane, faust.types.AgentT[Any]]:
    """Declare one agent per lane of stage ``name`` (concurrency 1: the runner's batches are ordered)."""
    spec = stage(name)
    gate = LaneGate() if spec.backfill is not None else None
    return {lane: _declare(app, settings, spec, lane, runner_for, gate) for lane in spec.lanes}


def _declare(
    app: faust.App,
    settings: CommonSettings,
    spec: StageSpec,
    lane: Lane,
    runner_for: RunnerFactory,
    gate: LaneGate | None,
) -> faust.types.AgentT[Any]:
    topic = app_topic(app, settings, spec.lane(lane).input)
    size = batching(settings, spec.name, lane)

    async def drain_lane(stream: faust.StreamT[Any]) -> None:
        async with runner_for(lane) as runner:
            await worker.drain(stream, runner, max_batch=size.max, within_s=size.within_s, gate=gate, lane=lane)

    return app.agent(topic, name=f"{spec.name}.{lane}", concurrency=1)(drain_lane)


def stage_runner(
    app: faust.App, settings: CommonSettings, spec: StageSpec, model: type[M], handler: Handler[M], **options: Any
) -> BatchRunner[M]:
    """The batch runner of stage ``spec``: ``handler`` over records of ``model`` (which must be the payload model
    of the stage's input in the registry), outputs sent through ``app``, dead letters to the stage's topic.
    ``options`` go to :class:`BatchRunner` as they are (e.g. ``max_backoff_s``)."""
    if model is not spec.model:
        raise TypeError(f"stage {spec.name!r} reads {spec.model.__name__}, not {model.__name__}")
    return BatchRunner(
        stage=spec.name,
        model=model,
        handler=handler,
        send=partial(send_all, app),
        deadletter_topic=settings.topic_name(spec.deadletters),
        **options,
    )
