"""Extractor worker: ``articles.parsed`` → people, organisations and places → ``articles.enriched`` (and
the backfill lane ``articles.parsed.backfill`` → ``articles.enriched.backfill`` while live is idle).
Batches of N messages within T ms go through one ``nlp.pipe`` stream in the budget's worker process
(``budget.py``); failures, and articles that overrun their time budget, go to ``deadletters``.
The topics come from the ``extractor`` entry of ``STAGES``.

The spaCy model takes seconds to load, in the budget pool's forkserver: ``main()`` starts the pool in a thread
before faust starts, so the consumer-group join and the load overlap instead of following each other."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import cache

from wirewatch.core import worker
from wirewatch.core.kafka import make_app
from wirewatch.core.runner import BatchRunner
from wirewatch.core.stageapp import declare_agents, stage_runner
from wirewatch.schemas import Lane, ParsedArticle, stage
from wirewatch.services.extractor.budget import PRELOAD_FLAG, BudgetedExtractor, Recipe
from wirewatch.services.extractor.handler import ExtractHandler
from wirewatch.services.extractor.settings import ExtractorSettings

STAGE = stage("extractor")
settings = ExtractorSettings()
app = make_app(STAGE.name, settings)


def _start_extractor() -> BudgetedExtractor:
    os.environ[PRELOAD_FLAG] = "1"  # the forkserver, started now, builds the model the settings name
    extractor = BudgetedExtractor(
        Recipe.from_settings(settings),
        seconds_per_article=settings.extractor_budget_s,
        workers=settings.live_processes(),
        nice=settings.extractor_nice,
        backfill_workers=settings.extractor_backfill_processes,
        backfill_nice=settings.extractor_backfill_nice,
    )
    extractor.warm_up()  # a missing model fails here, at start-up
    worker.milestone(f"model {settings.ner_model} loaded", STAGE.name)
    return extractor


@cache
def shared_extractor() -> Future[BudgetedExtractor]:
    """One extractor for both lanes (its processes forked from one forkserver holding the model, so they share
    its memory), started off the event loop (which keeps joining the group)."""
    loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-load")
    future = loader.submit(_start_extractor)
    loader.shutdown(wait=False)
    return future


@asynccontextmanager
async def runner_for(lane: Lane) -> AsyncIterator[BatchRunner[ParsedArticle]]:
    extractor = await asyncio.wrap_future(shared_extractor())
    handler = ExtractHandler(extractor, enriched_topic=settings.topic_name(STAGE.lane(lane).output), lane=lane)
    yield stage_runner(app, settings, STAGE, ParsedArticle, handler)


agents = declare_agents(app, settings, STAGE.name, runner_for)


def main() -> None:
    shared_extractor()  # start loading the model now
    worker.run(app, settings)


if __name__ == "__main__":
    main()
