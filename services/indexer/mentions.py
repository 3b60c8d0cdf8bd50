"""The entity registry's share of a bulk request: one ``<prefix>-entity-mentions`` document per (entity key,
article), written next to the article (see ``wirewatch.core.entities`` for what reads them).

Idempotent under replay without scripts (the test server has no painless):

* the document id is ``mention_id(key, article id)`` and its external version the article's (the fetch time),
  so a replay writes the same documents again (409: already there) and counts nothing twice;
* a re-fetch whose entities changed overwrites each key it no longer names with a tombstone (same id,
  ``active: false``, the newer version); every registry view counts only ``active`` documents, and a replay of
  the older fetch is refused by the tombstone's newer version, however late it comes (a delete would forget
  its version after ``index.gc_deletes``);
* the keys an article had are read from the article index itself, in one search per batch for all its ids
  (:func:`stored_keys`): a batch of new articles costs one request that finds nothing. An article whose stored
  copy is newer than the message gets no mention documents at all (its own write is refused too).

Known limit: an article Elasticsearch refuses (dead-lettered) still has its registry documents written in the
same request, so it is counted until its dead letter is replayed (which rewrites the same documents, counting
nothing twice). Tombstoning them instead would make that replay's documents lose against the tombstones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from wirewatch.core.entities import fold, key_of, mention_id, registry_key
from wirewatch.schemas import EnrichedArticle
from wirewatch.schemas.articles import Entity
from wirewatch.services.indexer.documents import external_version

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch

#: co-occurring keys stored on each document: the article's most mentioned others
MAX_CO_KEYS = 25
#: ids per stored-keys search: two hits each (an alias over two versions) stay under the 10,000 result window
IDS_PER_SEARCH = 2000


@dataclass(frozen=True)
class Stored:
    """What the article index holds of an article: its version and its entities' keys."""

    version: int
    keys: frozenset[str]


async def stored_keys(es: AsyncElasticsearch, alias: str, ids: Sequence[str]) -> dict[str, Stored]:
    """The stored version and keys of those of ``ids`` already indexed (the newest copy if the alias spans
    two index versions during a migration). Every bulk request refreshes, so a search sees earlier batches."""
    found: dict[str, Stored] = {}
    for start in range(0, len(ids), IDS_PER_SEARCH):
        await _stored_slice(es, alias, ids[start : start + IDS_PER_SEARCH], found)
    return found


async def _stored_slice(es: AsyncElasticsearch, alias: str, ids: Sequence[str], found: dict[str, Stored]) -> None:
    response = await es.search(
        index=alias,
        query={"ids": {"values": list(ids)}},
        source_includes=["version", "entities.key", "entities.name"],
        size=2 * len(ids),
    )
    for hit in response.body["hits"]["hits"]:
        source = hit["_source"]
        version = int(source.get("version") or 0)
        if hit["_id"] in found and found[hit["_id"]].version >= version:
            continue
        keys = (key_of(str(e.get("name") or ""), e.get("key")) for e in source.get("entities") or [])
        found[hit["_id"]] = Stored(version, frozenset(keys))


def grouped(entities: Iterable[Entity]) -> dict[str, list[Entity]]:
    """The entities of one article by registry key (two spellings folding alike are one entity), in order."""
    groups: dict[str, list[Entity]] = {}
    for entity in entities:
        groups.setdefault(registry_key(entity), []).append(entity)
    return groups


def _top_others(groups: dict[str, list[Entity]]) -> list[str]:
    """Keys by mentions, most first (the first named first on a tie), bounded by :data:`MAX_CO_KEYS` + 1."""
    ranked = sorted(groups, key=lambda k: (-sum(e.count for e in groups[k]), min(e.first_position for e in groups[k])))
    return ranked[: MAX_CO_KEYS + 1]


def _compact(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _article_part(article: EnrichedArticle, at: str) -> bytes:
    """The fields every document of one article shares, serialised once: ``"article_id":…,"active":true}``."""
    shared = {
        "article_id": article.id,
        "title": article.title,
        "source": article.source,
        "feed_id": article.feed_id,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "seen_at": (article.published_at or article.fetched_at).isoformat(),
        "indexed_at": at,
        "version": external_version(article),
        "active": True,
    }
    return _compact({k: v for k, v in shared.items() if v is not None})[1:]


def mention_source(key: str, group: list[Entity], co_keys: list[str], shared: bytes) -> bytes:
    """The document of one key in one article (``shared``: :func:`_article_part`): the most mentioned spelling
    gives the name, type and reason. Empty fields are left out."""
    main = max(group, key=lambda e: e.count)
    names = [main.name, *(e.name for e in group if e.name != main.name), *(a for e in group for a in e.aliases)]
    geo = next((e.geo for e in group if e.geo is not None), None)
    doc = {
        "key": key,
        "name": main.name,
        "names_folded": sorted({folded for folded in map(fold, names) if folded}),
        "aliases": sorted({n for n in names if n != main.name}),
        "type": main.type,
        "label": main.label,
        "why": main.why,
        "count": sum(e.count for e in group) or len(group),
        "in_title": any(e.in_title for e in group),
        "geo": geo.model_dump() if geo else None,
        "country_code": next((e.country_code for e in group if e.country_code), None),
        "external_id": next((e.external_id for e in group if e.external_id), None),
        "co_keys": [k for k in co_keys if k != key][:MAX_CO_KEYS],
    }
    return _compact({k: v for k, v in doc.items() if v is not None and v != []})[:-1] + b"," + shared


def _actions(index: str, article: EnrichedArticle) -> tuple[bytes, bytes]:
    """The bulk action of the article's documents before and after their id."""
    version_type = "external_gte" if article.lane == "backfill" else "external"
    meta = _compact({"_index": index, "version": external_version(article), "version_type": version_type})
    return b'{"index":' + meta[:-1] + b',"require_alias":false,"_id":"', b'"}}\n'


def mention_lines(index: str, article: EnrichedArticle, dropped: Iterable[str], indexed_at: datetime) -> list[bytes]:
    """Action and source lines (newline-terminated) of the article's keys and tombstones of ``dropped``."""
    at = indexed_at.isoformat()
    head, tail = _actions(index, article)
    shared = _article_part(article, at)
    groups = grouped(article.entities)
    co_keys = _top_others(groups)
    lines = []
    for key, group in groups.items():
        action = head + mention_id(key, article.id).encode() + tail
        lines.append(action + mention_source(key, group, co_keys, shared) + b"\n")
    tombstone = {"article_id": article.id, "version": external_version(article), "indexed_at": at, "active": False}
    for key in sorted(set(dropped) - set(groups)):
        action = head + mention_id(key, article.id).encode() + tail
        lines.append(action + _compact({"key": key, **tombstone}) + b"\n")
    return lines


def plan(articles: Sequence[EnrichedArticle], stored: dict[str, Stored]) -> dict[int, set[str]]:
    """Which articles of the batch write mention documents (by position) and the keys each must tombstone.

    Per article id only the newest copy in the batch writes (the last of equal ones), and only if the index
    holds nothing newer; it tombstones the keys the stored copy and the batch's other copies had."""
    copies: dict[str, list[int]] = {}
    for i, article in enumerate(articles):
        copies.setdefault(article.id, []).append(i)
    planned: dict[int, set[str]] = {}
    for article_id, positions in copies.items():
        # the newest copy; on equal versions the last one (max keeps the first of equal keys)
        i = max(reversed(positions), key=lambda p: external_version(articles[p]))
        before = stored.get(article_id)
        if before is not None and before.version > external_version(articles[i]):
            continue
        dropped = set(before.keys) if before else set()
        for p in positions:
            if p != i:
                dropped |= set(grouped(articles[p].entities))
        planned[i] = dropped
    return planned
