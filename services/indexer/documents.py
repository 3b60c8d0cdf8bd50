"""From an enriched article to the Elasticsearch document, its id and its external version."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from schemas import EnrichedArticle


def external_version(article: EnrichedArticle) -> int:
    """The fetch time in milliseconds: a re-fetch wins, a replay of older data never overwrites newer."""
    return int(article.fetched_at.timestamp() * 1000)


def to_document(article: EnrichedArticle, *, indexed_at: datetime | None = None) -> dict[str, Any]:
    doc = article.model_dump(mode="json")
    doc["indexed_at"] = (indexed_at or datetime.now(UTC)).isoformat()
    doc["version"] = external_version(article)
    doc["cluster_id"] = article.duplicate_of or article.id
    return doc
