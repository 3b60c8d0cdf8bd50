"""Confident types, the extractor's registry memory: ``{key: type}`` of the keys typed the same way often
enough. The request body and its parser are separate so a process without an event loop can ask
Elasticsearch with a plain HTTP ``POST <index>/_search``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from wirewatch.core.entities.aggregations import ACTIVE, NOT_SELF, buckets
from wirewatch.core.entities.keys import index_name
from wirewatch.schemas.articles import EntityType

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch


def confident_types_body(*, min_articles: int, limit: int) -> dict[str, Any]:
    """Keys with at least ``min_articles`` articles typed by anything but the registry, with their type votes."""
    return {
        "size": 0,
        "query": {"bool": {"filter": [ACTIVE, NOT_SELF]}},
        "aggs": {
            "keys": {
                "terms": {"field": "key", "size": limit, "min_doc_count": min_articles},
                "aggs": {"types": {"terms": {"field": "type", "size": 3}}},
            }
        },
    }


def parse_confident_types(response: dict[str, Any], *, min_share: float) -> dict[str, EntityType]:
    """``{key: type}`` where one type holds at least ``min_share`` of the key's votes."""
    confident: dict[str, EntityType] = {}
    for bucket in buckets(response.get("aggregations", {}), "keys"):
        types = buckets(bucket, "types")
        if types and types[0]["doc_count"] >= min_share * bucket["doc_count"]:
            confident[str(bucket["key"])] = cast("EntityType", str(types[0]["key"]))
    return confident


async def confident_types(
    es: AsyncElasticsearch,
    *,
    min_articles: int = 3,
    min_share: float = 0.8,
    limit: int = 10_000,
    index: str | None = None,
) -> dict[str, EntityType]:
    """The snapshot the extractor caches: keys seen in at least ``min_articles`` articles (not counting
    registry retypes) whose majority type holds ``min_share`` of those votes. ``limit`` keys at most, the most
    frequent first."""
    body = confident_types_body(min_articles=min_articles, limit=limit)
    response = await es.search(index=index or index_name(), **body)
    return parse_confident_types(response.body, min_share=min_share)
