"""Parser worker: ``pages`` → ``articles.parsed`` (and the backfill lane ``pages.backfill`` →
``articles.parsed.backfill`` while live is idle); pages it cannot parse go to ``deadletters`` with the
reason (not HTML, empty, too large, pathological, over its time budget)."""

from __future__ import annotations

from functools import partial

from wirewatch.schemas import FetchedPage, Lane
from wirewatch.services.parser.handler import ParseHandler
from wirewatch.services.parser.settings import ParserSettings

from wirewatch.core import worker
from wirewatch.core.kafka import app_topic, make_app, send_all
from wirewatch.core.lanes import LaneGate
from wirewatch.core.runner import BatchRunner

settings = ParserSettings()
app = make_app("parser", settings)
pages_topic = app_topic(app, settings, "pages")
backfill_topic = app_topic(app, settings, "pages.backfill")
gate = LaneGate()


def runner_for(lane: Lane) -> BatchRunner[FetchedPage]:
    output = "articles.parsed" if lane == "live" else "articles.parsed.backfill"
    handler = ParseHandler(
        parsed_topic=settings.topic_name(output),
        budget_s=settings.parser_budget_s,
        max_bytes=settings.parser_max_page_bytes,
    )
    return BatchRunner(
        stage="parser",
        model=FetchedPage,
        handler=handler,
        send=partial(send_all, app),
        deadletter_topic=settings.topic_name("deadletters"),
    )


@app.agent(pages_topic, concurrency=1)
async def parse_pages(stream):  # type: ignore[no-untyped-def]
    await worker.drain(stream, runner_for("live"), max_batch=settings.parser_batch_max, within_s=0.1, gate=gate)


@app.agent(backfill_topic, concurrency=1)
async def parse_backfill(stream):  # type: ignore[no-untyped-def]
    await worker.drain(stream, runner_for("backfill"), max_batch=8, within_s=0.1, gate=gate, lane="backfill")


def main() -> None:
    worker.run(app, settings)


if __name__ == "__main__":
    main()
