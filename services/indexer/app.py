"""Indexer worker: ``articles.enriched`` → Elasticsearch (``<prefix>-articles`` alias) → ``articles.indexed``.

Offsets are committed only after Elasticsearch acknowledged the bulk request (``refresh=true``, so
the documents are searchable) and the searchable ids were published; dead letters go to ``deadletters``.
"""

from __future__ import annotations

from functools import partial

from elasticsearch import AsyncElasticsearch
from wirewatch.schemas import TOPICS, EnrichedArticle
from wirewatch.services.indexer.handler import IndexHandler
from wirewatch.services.indexer.settings import ES_TIMEOUT_S, MAX_BACKOFF_S, IndexerSettings

from wirewatch.core import worker
from wirewatch.core.es import make_es
from wirewatch.core.kafka import app_topic, make_app, send_all
from wirewatch.core.lanes import LaneGate
from wirewatch.core.runner import BatchRunner

settings = IndexerSettings()
app = make_app("indexer", settings)
enriched_topic = app_topic(app, settings, "articles.enriched")
backfill_topic = app_topic(app, settings, "articles.enriched.backfill")
gate = LaneGate()


def runner(es: AsyncElasticsearch) -> BatchRunner[EnrichedArticle]:
    handler = IndexHandler(
        es,
        alias=settings.index_name("articles"),
        indexed_topic=TOPICS["articles.indexed"].full_name(settings.topic_prefix),
        max_bytes=settings.indexer_batch_bytes,
    )
    return BatchRunner(
        stage="indexer",
        model=EnrichedArticle,
        handler=handler,
        send=partial(send_all, app),
        deadletter_topic=settings.topic_name("deadletters"),
        max_backoff_s=MAX_BACKOFF_S,
    )


@app.agent(enriched_topic, concurrency=1)
async def index_articles(stream):  # type: ignore[no-untyped-def]
    async with make_es(settings, timeout=ES_TIMEOUT_S) as es:
        await worker.drain(
            stream,
            runner(es),
            max_batch=settings.indexer_batch_max,
            within_s=settings.indexer_batch_within_s,
            gate=gate,
        )


@app.agent(backfill_topic, concurrency=1)
async def index_backfill(stream):  # type: ignore[no-untyped-def]
    async with make_es(settings, timeout=ES_TIMEOUT_S) as es:
        await worker.drain(stream, runner(es), max_batch=100, within_s=0.25, gate=gate, lane="backfill")


def main() -> None:
    worker.run(app, settings)


if __name__ == "__main__":
    main()
