"""Extractor worker: ``articles.parsed`` → people, organisations and places → ``articles.enriched`` (and
the backfill lane ``articles.parsed.backfill`` → ``articles.enriched.backfill`` while live is idle).
Batches of N messages within T ms go through one ``nlp.pipe`` stream; failures go to ``deadletters``.
The topics come from the ``extractor`` entry of ``STAGES``.

The spaCy model takes seconds to load: ``main()`` starts loading it in a thread before faust starts, so
the consumer-group join and the load overlap instead of following each other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import cache

from wirewatch.core import worker
from wirewatch.core.kafka import make_app
from wirewatch.core.runner import BatchRunner
from wirewatch.core.stageapp import declare_agents, stage_runner
from wirewatch.schemas import Lane, ParsedArticle, stage
from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.handler import ExtractHandler, build_extractor
from wirewatch.services.extractor.settings import ExtractorSettings

STAGE = stage("extractor")
settings = ExtractorSettings()
app = make_app(STAGE.name, settings)


def _load_extractor() -> EntityExtractor:
    extractor = build_extractor(settings)
    worker.milestone(f"model {settings.ner_model} loaded", STAGE.name)
    return extractor


@cache
def shared_extractor() -> Future[EntityExtractor]:
    """One model in memory for both lanes, loaded off the event loop (which keeps joining the group)."""
    loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-load")
    future = loader.submit(_load_extractor)
    loader.shutdown(wait=False)
    return future


@asynccontextmanager
async def runner_for(lane: Lane) -> AsyncIterator[BatchRunner[ParsedArticle]]:
    extractor = await asyncio.wrap_future(shared_extractor())
    handler = ExtractHandler(extractor, enriched_topic=settings.topic_name(STAGE.lane(lane).output))
    yield stage_runner(app, settings, STAGE, ParsedArticle, handler)


agents = declare_agents(app, settings, STAGE.name, runner_for)


def main() -> None:
    shared_extractor()  # start loading the model now
    worker.run(app, settings)


if __name__ == "__main__":
    main()
