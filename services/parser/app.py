"""Parser worker: ``pages`` → ``articles.parsed`` (and the backfill lane ``pages.backfill`` →
``articles.parsed.backfill`` while live is idle); pages it cannot parse go to ``deadletters`` with the
reason (not HTML, empty, too large, pathological, over its time budget). The topics come from the
``parser`` entry of ``STAGES``."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from wirewatch.core import worker
from wirewatch.core.kafka import make_app
from wirewatch.core.runner import BatchRunner
from wirewatch.core.stageapp import declare_agents, stage_runner
from wirewatch.schemas import FetchedPage, Lane, stage
from wirewatch.services.parser.budget import default_parser
from wirewatch.services.parser.handler import ParseHandler
from wirewatch.services.parser.settings import ParserSettings

STAGE = stage("parser")
settings = ParserSettings()
app = make_app(STAGE.name, settings)


@asynccontextmanager
async def runner_for(lane: Lane) -> AsyncIterator[BatchRunner[FetchedPage]]:
    handler = ParseHandler(
        parsed_topic=settings.topic_name(STAGE.lane(lane).output),
        budget_s=settings.parser_budget_s,
        max_bytes=settings.parser_max_page_bytes,
    )
    yield stage_runner(app, settings, STAGE, FetchedPage, handler)


agents = declare_agents(app, settings, STAGE.name, runner_for)


def main() -> None:
    # the parse pool's forkserver imports and warms the parser (seconds of CPU): start it while faust joins
    # the consumer group, not when the first page arrives
    threading.Thread(target=default_parser, name="parse-pool", daemon=True).start()
    worker.run(app, settings)


if __name__ == "__main__":
    main()
