"""Entities by folded name prefix and type (:func:`search`, ``entities list``): the keys matching, then the
type votes of each over all its documents, since the type filter saw only some."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wirewatch.core.entities.aggregations import ACTIVE, buckets, top, type_aggs, type_of, when
from wirewatch.core.entities.keys import MAX_TERM, fold, index_name
from wirewatch.core.entities.records import EntitySummary

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch


def search_body(query: str | None, entity_type: str | None, *, limit: int) -> dict[str, Any]:
    """Keys whose name or an alias starts with ``query`` (folded), or has a word starting so."""
    filters: list[dict[str, Any]] = [ACTIVE]
    if entity_type:
        filters.append({"term": {"type": entity_type}})
    folded = fold(query or "")
    if folded:
        filters.append(
            {
                "bool": {
                    "should": [
                        {"prefix": {"names_folded": folded}},
                        {"match_bool_prefix": {"names_folded.words": {"query": folded, "operator": "and"}}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    # a type filter keeps keys with at least one vote for it; the majority decides afterwards, so ask for more
    size = limit * 3 if entity_type else limit
    return {
        "size": 0,
        "query": {"bool": {"filter": filters}},
        "aggs": {
            "keys": {
                "terms": {"field": "key", "size": size},
                "aggs": {"names": {"terms": {"field": "name", "size": 1}}, "last": {"max": {"field": "seen_at"}}},
            }
        },
    }


def type_body(keys: list[str]) -> dict[str, Any]:
    """The type votes of each key over all its documents (a search's filter saw only some)."""
    return {
        "size": 0,
        "query": {"bool": {"filter": [ACTIVE, {"terms": {"key": keys}}]}},
        "aggs": {"keys": {"terms": {"field": "key", "size": max(len(keys), 1)}, "aggs": type_aggs(5)}},
    }


def parse_search(response: dict[str, Any]) -> list[EntitySummary]:
    return [
        EntitySummary(
            key=str(b["key"]),
            name=top(b, "names") or str(b["key"]),
            type=None,
            articles=int(b["doc_count"]),
            last_seen=when(b["last"]),
        )
        for b in buckets(response.get("aggregations", {}), "keys")
    ]


async def search(
    es: AsyncElasticsearch,
    q: str | None,
    entity_type: str | None = None,
    *,
    limit: int = 50,
    index: str | None = None,
) -> list[EntitySummary]:
    """Entities matching ``q`` (folded prefix of a name, an alias or one of their words; empty: all), most
    articles first; with ``entity_type`` (``PERSON``, ``ORG``, ``LOC`` …) only those whose type is that. A
    query of punctuation alone, or longer than any stored name, finds nothing."""
    if q and not 0 < len(fold(q)) <= MAX_TERM:
        return []
    from elasticsearch import NotFoundError

    index = index or index_name()
    try:
        found = parse_search((await es.search(index=index, **search_body(q, entity_type, limit=limit))).body)
    except NotFoundError:  # no registry yet
        return []
    if not found:
        return []
    typed = await es.search(index=index, **type_body([s.key for s in found]))
    types = {str(b["key"]): type_of(b) for b in buckets(typed.body.get("aggregations", {}), "keys")}
    for summary in found:
        summary.type = types.get(summary.key)
    if entity_type:
        found = [s for s in found if s.type == entity_type]
    return found[:limit]
