"""Extractor worker: ``articles.parsed`` → people, organisations and places → ``articles.enriched`` (and
the backfill lane ``articles.parsed.backfill`` → ``articles.enriched.backfill`` while live is idle).
Batches of N messages within T ms go through one ``nlp.pipe`` stream; failures go to ``deadletters``."""

from __future__ import annotations

from functools import cache, partial

from wirewatch.schemas import Lane, ParsedArticle
from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.handler import ExtractHandler, build_extractor
from wirewatch.services.extractor.settings import ExtractorSettings

from wirewatch.core import worker
from wirewatch.core.kafka import app_topic, make_app, send_all
from wirewatch.core.lanes import LaneGate
from wirewatch.core.runner import BatchRunner

settings = ExtractorSettings()
app = make_app("extractor", settings)
parsed_topic = app_topic(app, settings, "articles.parsed")
backfill_topic = app_topic(app, settings, "articles.parsed.backfill")
gate = LaneGate()


@cache
def shared_extractor() -> EntityExtractor:
    """One model in memory for both lanes."""
    return build_extractor(settings)


def runner_for(lane: Lane) -> BatchRunner[ParsedArticle]:
    output = "articles.enriched" if lane == "live" else "articles.enriched.backfill"
    handler = ExtractHandler(shared_extractor(), enriched_topic=settings.topic_name(output))
    return BatchRunner(
        stage="extractor",
        model=ParsedArticle,
        handler=handler,
        send=partial(send_all, app),
        deadletter_topic=settings.topic_name("deadletters"),
    )


@app.agent(parsed_topic, concurrency=1)
async def extract_entities(stream):  # type: ignore[no-untyped-def]
    await worker.drain(
        stream,
        runner_for("live"),
        max_batch=settings.extractor_batch_max,
        within_s=settings.extractor_batch_within_s,
        gate=gate,
    )


@app.agent(backfill_topic, concurrency=1)
async def extract_backfill(stream):  # type: ignore[no-untyped-def]
    await worker.drain(stream, runner_for("backfill"), max_batch=8, within_s=0.1, gate=gate, lane="backfill")


def main() -> None:
    worker.run(app, settings)


if __name__ == "__main__":
    main()
