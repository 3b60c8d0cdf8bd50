"""Indexer worker: ``articles.enriched`` → Elasticsearch (``<prefix>-articles`` alias, the entity registry's
``<prefix>-entity-mentions`` and the stories of ``<prefix>-stories``) → ``articles.indexed`` (and the backfill
lane ``articles.enriched.backfill`` while live is idle). The topics come from the ``indexer`` entry of ``STAGES``.

Offsets are committed only after Elasticsearch acknowledged the bulk request (``refresh=true``, so
the documents are searchable) and the searchable ids were published; dead letters go to ``deadletters``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from wirewatch.core import entities, worker
from wirewatch.core.es import make_es
from wirewatch.core.kafka import make_app
from wirewatch.core.runner import BatchRunner
from wirewatch.core.stageapp import declare_agents, stage_runner
from wirewatch.schemas import EnrichedArticle, Lane, stage
from wirewatch.services.indexer.handler import IndexHandler
from wirewatch.services.indexer.settings import ES_TIMEOUT_S, MAX_BACKOFF_S, IndexerSettings

STAGE = stage("indexer")
settings = IndexerSettings()
app = make_app(STAGE.name, settings)


@asynccontextmanager
async def runner_for(lane: Lane) -> AsyncIterator[BatchRunner[EnrichedArticle]]:
    """One Elasticsearch client per lane, open while the lane's agent runs."""
    async with make_es(settings, timeout=ES_TIMEOUT_S) as es:
        handler = IndexHandler(
            es,
            alias=settings.index_name("articles"),
            # the backfill lane publishes on the live topic too, its batches marked lane=backfill
            indexed_topic=settings.topic_name(STAGE.lane(lane).output),
            max_bytes=settings.indexer_batch_bytes,
            mentions_index=settings.index_name(entities.FAMILY),
            stories_index=settings.index_name("stories"),
        )
        yield stage_runner(app, settings, STAGE, EnrichedArticle, handler, max_backoff_s=MAX_BACKOFF_S)


agents = declare_agents(app, settings, STAGE.name, runner_for)


def main() -> None:
    worker.run(app, settings)


if __name__ == "__main__":
    main()
