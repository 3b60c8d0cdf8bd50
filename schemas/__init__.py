"""The contract between Wirewatch services: one pydantic model per topic payload, the topic registry and the
stage registry (the pipeline's topology).

Depends on pydantic only. A change here changes the wire format: the JSON Schema snapshots under
``tests/contract/`` must be regenerated on purpose.

Names load their module on first use (a module ``__getattr__``), so the stage registry is cheap to read: the
CLI lists the stages in ``--help`` without building every payload model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wirewatch.schemas._base import AwareDatetime, Message
    from wirewatch.schemas.alerts import (
        ENTITY_KINDS,
        Alert,
        FlatlineSpec,
        Rule,
        RuleFilters,
        SpikeSpec,
        alert_id_for,
        keyed_alert_id,
    )
    from wirewatch.schemas.articles import MAIN_TYPES, EnrichedArticle, Entity, GeoPoint, Mention, ParsedArticle
    from wirewatch.schemas.deadletters import DeadLetter
    from wirewatch.schemas.feeds import Feed, feed_id_for
    from wirewatch.schemas.indexing import IndexedBatch, IndexedDoc
    from wirewatch.schemas.pages import FeedItem, FetchedPage, FetchRequest
    from wirewatch.schemas.probe import Probe
    from wirewatch.schemas.stages import STAGES, Lane, LaneTopics, Stage, StageSpec, backfill_stages, stage
    from wirewatch.schemas.timelines import HOPS, STAGE_STAMPS, STAMPS, Stamp, Timeline
    from wirewatch.schemas.topics import TOPICS, TopicSpec, backfill_of, topic

__all__ = [
    "ENTITY_KINDS",
    "HOPS",
    "MAIN_TYPES",
    "STAGES",
    "STAGE_STAMPS",
    "STAMPS",
    "TOPICS",
    "Alert",
    "AwareDatetime",
    "DeadLetter",
    "EnrichedArticle",
    "Entity",
    "Feed",
    "FeedItem",
    "FetchRequest",
    "FetchedPage",
    "FlatlineSpec",
    "GeoPoint",
    "IndexedBatch",
    "IndexedDoc",
    "Lane",
    "LaneTopics",
    "Mention",
    "Message",
    "ParsedArticle",
    "Probe",
    "Rule",
    "RuleFilters",
    "SpikeSpec",
    "Stage",
    "StageSpec",
    "Stamp",
    "Timeline",
    "TopicSpec",
    "alert_id_for",
    "backfill_of",
    "backfill_stages",
    "feed_id_for",
    "keyed_alert_id",
    "stage",
    "topic",
]

#: which module holds each name
_WHERE = {
    "_base": ["AwareDatetime", "Message"],
    "alerts": [
        "ENTITY_KINDS",
        "Alert",
        "FlatlineSpec",
        "Rule",
        "RuleFilters",
        "SpikeSpec",
        "alert_id_for",
        "keyed_alert_id",
    ],
    "articles": ["MAIN_TYPES", "EnrichedArticle", "Entity", "GeoPoint", "Mention", "ParsedArticle"],
    "deadletters": ["DeadLetter"],
    "feeds": ["Feed", "feed_id_for"],
    "indexing": ["IndexedBatch", "IndexedDoc"],
    "pages": ["FeedItem", "FetchedPage", "FetchRequest"],
    "probe": ["Probe"],
    "stages": ["STAGES", "Lane", "LaneTopics", "Stage", "StageSpec", "backfill_stages", "stage"],
    "timelines": ["HOPS", "STAGE_STAMPS", "STAMPS", "Stamp", "Timeline"],
    "topics": ["TOPICS", "TopicSpec", "backfill_of", "topic"],
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
