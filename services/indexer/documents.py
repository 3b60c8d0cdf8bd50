"""From an enriched article to the Elasticsearch document, its id and its external version."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from wirewatch.schemas import EnrichedArticle


def external_version(article: EnrichedArticle) -> int:
    """The fetch time in milliseconds: a re-fetch wins, a replay of older data never overwrites newer."""
    return int(article.fetched_at.timestamp() * 1000)


def document_bytes(article: EnrichedArticle, *, indexed_at: datetime | None = None) -> bytes:
    """The same document as :func:`to_document`, serialised by pydantic's Rust core: the model's JSON
    object with the indexer's three fields appended (the hot path of every bulk request)."""
    body = article.model_dump_json().encode()
    extra = json.dumps(
        {
            "indexed_at": (indexed_at or datetime.now(UTC)).isoformat(),
            "version": external_version(article),
            "cluster_id": article.duplicate_of or article.id,
        }
    )
    return body[:-1] + b"," + extra[1:].encode()


def to_document(article: EnrichedArticle, *, indexed_at: datetime | None = None) -> dict[str, Any]:
    doc = article.model_dump(mode="json")
    doc["indexed_at"] = (indexed_at or datetime.now(UTC)).isoformat()
    doc["version"] = external_version(article)
    doc["cluster_id"] = article.duplicate_of or article.id
    return doc
