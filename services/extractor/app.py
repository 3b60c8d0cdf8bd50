"""Extractor worker: ``articles.parsed`` → people, organisations and places → ``articles.enriched``.
Batches of N messages within T ms go through one ``nlp.pipe`` stream; failures go to ``deadletters``."""

from __future__ import annotations

from functools import partial

from schemas import ParsedArticle
from services.extractor.handler import ExtractHandler, build_extractor
from services.extractor.settings import ExtractorSettings
from wirewatch import worker
from wirewatch.kafka import app_topic, make_app, send_all
from wirewatch.stage import BatchRunner

settings = ExtractorSettings()
app = make_app("extractor", settings, web_port=settings.metrics_port)
parsed_topic = app_topic(app, settings, "articles.parsed")


@app.agent(parsed_topic, concurrency=1)
async def extract_entities(stream):  # type: ignore[no-untyped-def]
    handler = ExtractHandler(build_extractor(settings), enriched_topic=settings.topic_name("articles.enriched"))
    runner = BatchRunner(stage="extractor", model=ParsedArticle, handler=handler, send=partial(send_all, app),
                         deadletter_topic=settings.topic_name("deadletters"))
    await worker.drain(stream, runner, max_batch=settings.extractor_batch_max,
                       within_s=settings.extractor_batch_within_s)


def main() -> None:
    worker.run(app, settings)


if __name__ == "__main__":
    main()
