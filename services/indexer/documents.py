"""From an enriched article to the Elasticsearch document, its id and its external version."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from wirewatch.schemas import EnrichedArticle


def external_version(article: EnrichedArticle) -> int:
    """The fetch time in milliseconds: a re-fetch wins, a replay of older data never overwrites newer."""
    return int(article.fetched_at.timestamp() * 1000)


def _indexer_fields(
    article: EnrichedArticle, indexed_at: datetime | None, fields: dict[str, Any] | None
) -> dict[str, Any]:
    """What the indexer adds: when, the version, and the article's story (``story_id``, ``cluster_id``
    equal to it for Kibana's searches, ``story_keys``; see ``stories.py``), its own id until it has one."""
    added: dict[str, Any] = {
        "indexed_at": (indexed_at or datetime.now(UTC)).isoformat(),
        "version": external_version(article),
        "story_id": article.id,
        "cluster_id": article.id,
    }
    return added | (fields or {})


def document_bytes(
    article: EnrichedArticle, *, indexed_at: datetime | None = None, fields: dict[str, Any] | None = None
) -> bytes:
    """The same document as :func:`to_document`, serialised by pydantic's Rust core: the model's JSON
    object with the indexer's fields appended (the hot path of every bulk request)."""
    body = article.model_dump_json().encode()
    extra = json.dumps(_indexer_fields(article, indexed_at, fields))
    return body[:-1] + b"," + extra[1:].encode()


def to_document(
    article: EnrichedArticle, *, indexed_at: datetime | None = None, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    doc = article.model_dump(mode="json")
    doc.update(_indexer_fields(article, indexed_at, fields))
    return doc
