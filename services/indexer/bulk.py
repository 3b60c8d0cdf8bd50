"""Bulk writes with per-item outcomes: what became searchable, what must be retried, what is rejected.

    item status 2xx  → written
    item status 409  → Elasticsearch already holds this or a newer version: counts as written
                       (a replay after a crash must still report the id as searchable)
    item status 429, 5xx → retriable: the whole batch is retried with backoff (writes are idempotent)
    alias/index missing, 401, 403 → retriable too: a deployment problem stops consumption, drops nothing
    other 4xx        → rejected: the article is dead-lettered with Elasticsearch's reason

A request that fails as a whole (connection refused or reset, a timeout because the server is frozen,
429 or 5xx) raises :class:`~wirewatch.core.errors.ServiceUnavailable`, which the batch runner retries with
backoff and jitter without consuming further: nothing is dropped while Elasticsearch is away.

With a mentions index, each article's action is followed by its entity registry documents
(``mentions.py``); the article's item decides its outcome as above. A registry document that must wait retries
the batch like an article; one refused is logged and the article still counts as written: the registry is
derived data, which a replay rebuilds.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from elasticsearch import ApiError, AsyncElasticsearch, ConnectionError, ConnectionTimeout, TransportError

from wirewatch.core import metrics
from wirewatch.core.errors import ServiceUnavailable
from wirewatch.schemas import EnrichedArticle
from wirewatch.services.indexer.documents import document_bytes, external_version
from wirewatch.services.indexer.errors import DocumentRejected
from wirewatch.services.indexer.mentions import mention_lines, plan, stored_keys

log = logging.getLogger(__name__)

#: Elasticsearch quotes the refused value in its reason (a 40 KB keyword comes back whole): keep it short
REASON_CHARS = 600

Line = tuple[EnrichedArticle, bytes]
#: Refresh the written shard as part of the bulk request, so the documents are searchable when it
#: returns. ``wait_for`` gives the same guarantee but parks every batch until the next scheduled refresh
#: (up to ``refresh_interval``, 1 s): measured with bench/indexing.py it cost 60 % of the throughput and
#: put p99 time-to-searchable at 1.9 s. The price is more, smaller segments at low rates (merged away).
REFRESH = "true"
#: whole-request answers that mean "wait and retry", not "this document is bad": overload, and
#: authentication/authorisation or a missing index (an operator fixes those; nothing is dropped meanwhile)
WAIT_STATUSES = frozenset({401, 403, 404, 429})


@dataclass
class BulkOutcome:
    written: list[EnrichedArticle] = field(default_factory=list)
    rejected: dict[str, DocumentRejected] = field(default_factory=dict)


def _action(index: str, article: EnrichedArticle) -> bytes:
    # a reprocessed article (backfill lane) replaces the copy fetched at the same time; a replay of an
    # older fetch still never overwrites a newer one
    version_type = "external_gte" if article.lane == "backfill" else "external"
    return json.dumps(
        {
            "index": {
                "_index": index,
                "_id": article.id,
                "version": external_version(article),
                "version_type": version_type,
            }
        }
    ).encode()


def _lines(index: str, article: EnrichedArticle, fields: dict[str, Any] | None = None) -> bytes:
    """The action and source lines of one article (with the indexer's ``fields``, such as its story),
    newline-terminated, as they go on the wire."""
    return _action(index, article) + b"\n" + document_bytes(article, fields=fields) + b"\n"


def _chunks(
    index: str,
    articles: Sequence[EnrichedArticle],
    max_bytes: int,
    extra: dict[int, list[bytes]] | None = None,
    fields: Mapping[str, dict[str, Any]] | None = None,
) -> list[list[Line]]:
    """Split a batch so that no bulk request body exceeds ``max_bytes`` (counting action lines and
    newlines); an article larger than that on its own goes alone, with its ``extra`` lines (by position) after
    it. Order is kept."""
    chunks: list[list[Line]] = [[]]
    size = 0
    for i, article in enumerate(articles):
        lines = _lines(index, article, (fields or {}).get(article.id))
        if extra and i in extra:
            lines += b"".join(extra[i])
        if chunks[-1] and size + len(lines) > max_bytes:
            chunks.append([])
            size = 0
        chunks[-1].append((article, lines))
        size += len(lines)
    return [c for c in chunks if c]


def _body(chunk: list[Line]) -> bytes:
    return b"".join(lines for _, lines in chunk)


@contextmanager
def unavailable() -> Iterator[None]:
    """Outages and overload as :class:`ServiceUnavailable` (retried with backoff); other API errors as they are."""
    try:
        yield
    except ConnectionTimeout as exc:
        raise ServiceUnavailable(f"Elasticsearch did not answer in time: {exc}") from exc
    except ConnectionError as exc:
        raise ServiceUnavailable(f"Elasticsearch unreachable: {exc}") from exc
    except ApiError as exc:
        if exc.meta.status in WAIT_STATUSES or exc.meta.status >= 500:
            raise ServiceUnavailable(f"Elasticsearch answered {exc.meta.status}: {exc.message}") from exc
        raise
    except TransportError as exc:
        raise ServiceUnavailable(f"Elasticsearch transport error: {exc}") from exc


async def _registry_lines(
    es: AsyncElasticsearch, index: str, articles: Sequence[EnrichedArticle], mentions: str
) -> dict[int, list[bytes]]:
    """The entity registry documents of the batch, by article position (see ``mentions.py``)."""
    with unavailable():
        stored = await stored_keys(es, index, list(dict.fromkeys(a.id for a in articles)))
    now = datetime.now(UTC)
    return {i: mention_lines(mentions, articles[i], dropped, now) for i, dropped in plan(articles, stored).items()}


async def write(
    es: AsyncElasticsearch,
    index: str,
    articles: Sequence[EnrichedArticle],
    *,
    max_bytes: int,
    mentions: str | None = None,
    fields: Mapping[str, dict[str, Any]] | None = None,
    lines: Mapping[str, list[bytes]] | None = None,
) -> BulkOutcome:
    """Write the articles (with ``fields``, by article id, added to their documents; given a ``mentions``
    index, their entity registry documents; and ``lines``, by article id, more documents of derived indices
    that travel with the article, such as its story's); when this returns they are searchable (see
    :data:`REFRESH`)."""
    outcome = BulkOutcome()
    extra = await _registry_lines(es, index, articles, mentions) if mentions else {}
    last = {article.id: i for i, article in enumerate(articles)}
    for id_, more in (lines or {}).items():
        if id_ in last:
            extra[last[id_]] = [*extra.get(last[id_], []), *more]
    for chunk in _chunks(index, articles, max_bytes, extra, fields):
        with unavailable():
            # pre-serialised NDJSON: the client sends bytes as they are
            # require_alias: never auto-create an unmapped index if the alias went missing (the registry's
            # actions opt out: their plain index is created from its template)
            response = await es.bulk(body=_body(chunk), refresh=REFRESH, require_alias=True)  # type: ignore[arg-type]
            metrics.BULK_DOCS.observe(len(chunk))
        _collect(outcome, chunk, response.body["items"])
    return outcome


def rejection_reason(error: dict[str, Any] | None, status: int) -> str:
    """``type: reason`` of Elasticsearch's error, with the root cause when it says more."""
    error = error or {}
    reason = f"{error.get('type', status)}: {str(error.get('reason', ''))[:REASON_CHARS]}"
    cause = error.get("caused_by")
    while isinstance(cause, dict) and isinstance(cause.get("caused_by"), dict):
        cause = cause["caused_by"]
    if isinstance(cause, dict):
        reason += f" (caused by {cause.get('type')}: {str(cause.get('reason', ''))[:REASON_CHARS]})"
    return reason


def _index_missing(error: dict[str, Any] | None) -> bool:
    """The alias or index is gone (a deployment problem): wait for it to be fixed, never dead-letter."""
    return bool(error) and error.get("type") == "index_not_found_exception"  # type: ignore[union-attr]


def _per_article(chunk: list[Line], items: list[Any]) -> Iterator[tuple[EnrichedArticle, Any, list[Any]]]:
    """Each article with its own item and its registry documents' items. Every action and every source is
    one line (JSON escapes newlines), so an article's lines hold two per action."""
    position = 0
    for article, lines in chunk:
        actions = lines.count(b"\n") // 2
        yield article, items[position], items[position + 1 : position + actions]
        position += actions
    if position != len(items):
        raise ValueError(f"Elasticsearch answered {len(items)} items for {position} actions")


def _collect(outcome: BulkOutcome, chunk: list[Line], items: list[Any]) -> None:
    retry: list[str] = []
    for article, item, registry in _per_article(chunk, items):
        retry += _registry_retries(article, registry)
        result = item["index"]
        status = int(result["status"])
        if status < 300 or status == 409:
            outcome.written.append(article)
        elif status in WAIT_STATUSES or status >= 500 or _index_missing(result.get("error")):
            retry.append(f"{article.id}: {status}")
        else:
            reason = rejection_reason(result.get("error"), status)
            outcome.rejected[article.id] = DocumentRejected(reason, article_id=article.id, status=status)
    if retry:
        raise ServiceUnavailable(f"{len(retry)} documents need a retry ({', '.join(retry[:3])})")


def _registry_retries(article: EnrichedArticle, items: list[Any]) -> list[str]:
    """Registry documents that must wait (as ``id: status``); a refused one is logged, never retried."""
    retry = []
    for item in items:
        result = item["index"]
        status = int(result["status"])
        if status < 300 or status == 409:
            continue
        if status in WAIT_STATUSES or status >= 500 or _index_missing(result.get("error")):
            retry.append(f"{article.id} (entity registry or story): {status}")
        else:
            log.error(
                "entity registry or story document of article %s refused: %s",
                article.id,
                rejection_reason(result.get("error"), status),
            )
    return retry
