"""The stage registry: every stage of the pipeline, in order, with the topics it reads and writes.

This is the only place that spells out the pipeline's topology. Replay, status, the dead-letter tools,
``wirewatch run``, the workers' agents, the compose contract tests and the bench derive it from here.

    stage       reads              writes              backfill lane                         metrics
    fetcher     fetch.requests     pages               —                                     9400
    parser      pages              articles.parsed     pages.backfill → articles.parsed.b…   9401
    extractor   articles.parsed    articles.enriched   articles.parsed.b… → articles.enr…    9402
    indexer     articles.enriched  articles.indexed    articles.enriched.backfill → (same)   9403
    alerter     articles.indexed   alerts              —                                     9404

A stage with a backfill lane reads the twin of its input (``backfill_of``) and writes the twin of its
output; where the output has no twin (the indexer's ``articles.indexed``) it writes the live topic, with
the messages marked ``lane=backfill``. Every stage dead-letters to ``deadletters``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from wirewatch.schemas._base import Message

#: the two lanes every stage with a backfill twin serves: new articles, and reprocessing (``wirewatch replay``)
Lane = Literal["live", "backfill"]

#: the stages' names, in pipeline order (also the ``stage`` of a dead letter)
Stage = Literal["fetcher", "parser", "extractor", "indexer", "alerter"]


@dataclass(frozen=True)
class LaneTopics:
    """The topic a stage reads and the topic it writes on one lane (names without the prefix)."""

    input: str
    output: str


@dataclass(frozen=True)
class StageSpec:
    """One stage: its live topics, its backfill lane if it has one, and its ``/metrics`` port."""

    name: Stage
    input: str
    output: str
    metrics_port: int
    backfill: LaneTopics | None = None
    #: where the stage sends what it cannot process
    deadletters: str = "deadletters"

    @property
    def live(self) -> LaneTopics:
        return LaneTopics(self.input, self.output)

    @property
    def lanes(self) -> tuple[Lane, ...]:
        return ("live",) if self.backfill is None else ("live", "backfill")

    def lane(self, lane: Lane) -> LaneTopics:
        if lane == "live":
            return self.live
        if self.backfill is None:
            raise KeyError(f"stage {self.name!r} has no backfill lane")
        return self.backfill

    @property
    def model(self) -> type[Message]:
        """The payload model of the stage's input, from the topic registry."""
        # imported here: topics.py imports deadletters.py, which imports Stage from this module
        from wirewatch.schemas.topics import TOPICS

        return TOPICS[self.input].model


STAGES: dict[str, StageSpec] = {
    spec.name: spec
    for spec in (
        StageSpec("fetcher", "fetch.requests", "pages", metrics_port=9400),
        StageSpec(
            "parser",
            "pages",
            "articles.parsed",
            metrics_port=9401,
            backfill=LaneTopics("pages.backfill", "articles.parsed.backfill"),
        ),
        StageSpec(
            "extractor",
            "articles.parsed",
            "articles.enriched",
            metrics_port=9402,
            backfill=LaneTopics("articles.parsed.backfill", "articles.enriched.backfill"),
        ),
        StageSpec(
            "indexer",
            "articles.enriched",
            "articles.indexed",
            metrics_port=9403,
            backfill=LaneTopics("articles.enriched.backfill", "articles.indexed"),
        ),
        StageSpec("alerter", "articles.indexed", "alerts", metrics_port=9404),
    )
}

if tuple(STAGES) != get_args(Stage):  # the Literal (a static type) and the registry must name the same stages
    raise RuntimeError(f"STAGES {tuple(STAGES)} and Stage {get_args(Stage)} disagree")


def stage(name: str) -> StageSpec:
    try:
        return STAGES[name]
    except KeyError:
        raise KeyError(f"unknown stage {name!r}; known: {', '.join(STAGES)}") from None


def backfill_stages() -> list[StageSpec]:
    """The stages ``wirewatch replay`` can reprocess: those with a backfill lane."""
    return [spec for spec in STAGES.values() if spec.backfill is not None]
