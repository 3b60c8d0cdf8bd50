"""The topic registry: every topic's name, payload model, key and broker settings.

Names are relative; the deployment adds a prefix (``wirewatch.`` by default) so that tests and
several installations can share one broker.

    (feeds index), fetch.requests ──► pages ──► articles.parsed ──► articles.enriched ──► (Elasticsearch)
                                                                                └─► articles.indexed ──► alerts
    any stage ──► deadletters

``probe`` carries only the record ``wirewatch stack up`` sends and reads back. Which stage reads and writes
which topic is the stage registry's business (:mod:`wirewatch.schemas.stages`).

Reprocessing (``wirewatch replay``) travels a separate lane: ``pages.backfill`` →
``articles.parsed.backfill`` → ``articles.enriched.backfill`` → (Elasticsearch, announced on
``articles.indexed`` marked ``lane=backfill``), served by each worker only when its live lane is idle.
"""

from __future__ import annotations

from dataclasses import dataclass

from wirewatch.schemas._base import Message
from wirewatch.schemas.alerts import Alert
from wirewatch.schemas.articles import EnrichedArticle, ParsedArticle
from wirewatch.schemas.deadletters import DeadLetter
from wirewatch.schemas.indexing import IndexedBatch
from wirewatch.schemas.pages import FetchedPage, FetchRequest
from wirewatch.schemas.probe import Probe

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """How a topic is created and what travels on it."""

    name: str
    model: type[Message]
    key: str
    partitions: int
    retention_ms: int
    compression: str = "zstd"
    cleanup_policy: str = "delete"
    max_message_bytes: int = 1024 * 1024

    def full_name(self, prefix: str) -> str:
        return f"{prefix}{self.name}"

    def configs(self) -> dict[str, str]:
        return {
            "retention.ms": str(self.retention_ms),
            "compression.type": self.compression,
            "cleanup.policy": self.cleanup_policy,
            "max.message.bytes": str(self.max_message_bytes),
        }


TOPICS: dict[str, TopicSpec] = {
    spec.name: spec
    for spec in (
        TopicSpec("fetch.requests", FetchRequest, key="feed_id", partitions=3, retention_ms=7 * DAY_MS),
        TopicSpec(
            "pages", FetchedPage, key="id", partitions=6, retention_ms=7 * DAY_MS, max_message_bytes=16 * 1024 * 1024
        ),
        TopicSpec(
            "articles.parsed",
            ParsedArticle,
            key="id",
            partitions=6,
            retention_ms=7 * DAY_MS,
            max_message_bytes=4 * 1024 * 1024,
        ),
        TopicSpec(
            "articles.enriched",
            EnrichedArticle,
            key="id",
            partitions=6,
            retention_ms=7 * DAY_MS,
            max_message_bytes=8 * 1024 * 1024,
        ),
        TopicSpec("articles.indexed", IndexedBatch, key="batch_id", partitions=3, retention_ms=3 * DAY_MS),
        TopicSpec("alerts", Alert, key="alert_id", partitions=3, retention_ms=30 * DAY_MS),
        # the backfill lane: the same payloads, reprocessed (wirewatch replay) without delaying live traffic
        TopicSpec(
            "pages.backfill",
            FetchedPage,
            key="id",
            partitions=6,
            retention_ms=3 * DAY_MS,
            max_message_bytes=16 * 1024 * 1024,
        ),
        TopicSpec(
            "articles.parsed.backfill",
            ParsedArticle,
            key="id",
            partitions=6,
            retention_ms=3 * DAY_MS,
            max_message_bytes=4 * 1024 * 1024,
        ),
        TopicSpec(
            "articles.enriched.backfill",
            EnrichedArticle,
            key="id",
            partitions=6,
            retention_ms=3 * DAY_MS,
            max_message_bytes=8 * 1024 * 1024,
        ),
        TopicSpec("probe", Probe, key="marker", partitions=1, retention_ms=3600 * 1000),
        TopicSpec(
            "deadletters",
            DeadLetter,
            key="stage",
            partitions=1,
            retention_ms=30 * DAY_MS,
            max_message_bytes=16 * 1024 * 1024,
        ),
    )
}


BACKFILL_SUFFIX = ".backfill"


def backfill_of(name: str) -> str:
    """The backfill-lane twin of a live topic (``pages`` → ``pages.backfill``)."""
    twin = name + BACKFILL_SUFFIX
    if twin not in TOPICS:
        raise KeyError(f"topic {name!r} has no backfill lane")
    return twin


def topic(name: str) -> TopicSpec:
    try:
        return TOPICS[name]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; known: {', '.join(TOPICS)}") from None
