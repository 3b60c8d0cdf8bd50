"""The contract between Wirewatch services: one pydantic model per topic payload, the topic registry and the
stage registry (the pipeline's topology).

Depends on pydantic only. A change here changes the wire format: the JSON Schema snapshots under
``tests/contract/`` must be regenerated on purpose.
"""

from wirewatch.schemas._base import AwareDatetime, Message
from wirewatch.schemas.alerts import Alert, Rule, RuleFilters, alert_id_for
from wirewatch.schemas.articles import MAIN_TYPES, EnrichedArticle, Entity, GeoPoint, Mention, ParsedArticle
from wirewatch.schemas.deadletters import DeadLetter
from wirewatch.schemas.feeds import Feed, feed_id_for
from wirewatch.schemas.indexing import IndexedBatch, IndexedDoc
from wirewatch.schemas.pages import FeedItem, FetchedPage, FetchRequest, Lane
from wirewatch.schemas.probe import Probe
from wirewatch.schemas.stages import STAGES, LaneTopics, Stage, StageSpec, backfill_stages, stage
from wirewatch.schemas.topics import TOPICS, TopicSpec, backfill_of, topic

__all__ = [
    "MAIN_TYPES",
    "STAGES",
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
    "Stage",
    "StageSpec",
    "TopicSpec",
    "alert_id_for",
    "backfill_of",
    "backfill_stages",
    "feed_id_for",
    "stage",
    "topic",
]
