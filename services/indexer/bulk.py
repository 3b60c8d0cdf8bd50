"""Bulk writes with per-item outcomes: what became searchable, what must be retried, what is rejected.

    item status 2xx  → written
    item status 409  → Elasticsearch already holds this or a newer version: counts as written
                       (a replay after a crash must still report the id as searchable)
    item status 429, 5xx → retriable: the whole batch is retried with backoff (writes are idempotent)
    other 4xx        → rejected: the article is dead-lettered with Elasticsearch's reason
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import AsyncElasticsearch, ConnectionError, ConnectionTimeout, TransportError
from elasticsearch import ApiError

from schemas import EnrichedArticle
from services.indexer.documents import external_version, to_document
from wirewatch.errors import ServiceUnavailable, StageFailure


class DocumentRejected(StageFailure):
    """Elasticsearch refused the document (a mapping or value error); retrying cannot help."""


@dataclass
class BulkOutcome:
    written: list[EnrichedArticle] = field(default_factory=list)
    rejected: dict[str, DocumentRejected] = field(default_factory=dict)


def _chunks(articles: Sequence[EnrichedArticle], max_bytes: int) -> list[list[tuple[EnrichedArticle, bytes]]]:
    """Split a batch so that no bulk request body exceeds ``max_bytes`` (one oversized doc goes alone)."""
    chunks: list[list[tuple[EnrichedArticle, bytes]]] = [[]]
    size = 0
    for article in articles:
        body = json.dumps(to_document(article), ensure_ascii=False).encode()
        if chunks[-1] and size + len(body) > max_bytes:
            chunks.append([])
            size = 0
        chunks[-1].append((article, body))
        size += len(body)
    return [c for c in chunks if c]


def _operations(index: str, chunk: list[tuple[EnrichedArticle, bytes]]) -> bytes:
    lines: list[bytes] = []
    for article, body in chunk:
        action = {"index": {"_index": index, "_id": article.id, "version": external_version(article),
                            "version_type": "external"}}
        lines += [json.dumps(action).encode(), body]
    return b"\n".join(lines) + b"\n"


async def write(es: AsyncElasticsearch, index: str, articles: Sequence[EnrichedArticle],
                *, max_bytes: int) -> BulkOutcome:
    """Write the articles and wait until they are searchable (``refresh=wait_for``)."""
    outcome = BulkOutcome()
    for chunk in _chunks(articles, max_bytes):
        try:
            response = await es.bulk(body=_operations(index, chunk), refresh="wait_for")
        except (ConnectionError, ConnectionTimeout) as exc:
            raise ServiceUnavailable(f"Elasticsearch unreachable: {exc}") from exc
        except ApiError as exc:
            if exc.meta.status == 429 or exc.meta.status >= 500:
                raise ServiceUnavailable(f"Elasticsearch answered {exc.meta.status}") from exc
            raise
        except TransportError as exc:
            raise ServiceUnavailable(f"Elasticsearch transport error: {exc}") from exc
        _collect(outcome, chunk, response.body["items"])
    return outcome


def _collect(outcome: BulkOutcome, chunk: list[tuple[EnrichedArticle, bytes]], items: list[Any]) -> None:
    retry: list[str] = []
    for (article, _), item in zip(chunk, items, strict=True):
        result = item["index"]
        status = int(result["status"])
        if status < 300 or status == 409:
            outcome.written.append(article)
        elif status == 429 or status >= 500:
            retry.append(f"{article.id}: {status}")
        else:
            error = result.get("error", {})
            reason = f"{error.get('type', status)}: {error.get('reason', '')}"
            outcome.rejected[article.id] = DocumentRejected(reason, error_class="DocumentRejected")
    if retry:
        raise ServiceUnavailable(f"{len(retry)} documents need a retry ({', '.join(retry[:3])})")
