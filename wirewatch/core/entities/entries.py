"""One entity's registry entry (:func:`lookup`): which key a name stands for, that key's aggregations read into
a :class:`RegistryEntry`, and the names of the entities it co-occurs with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wirewatch.core.entities.aggregations import ACTIVE, buckets, counts, top, type_aggs, type_of, type_votes, when
from wirewatch.core.entities.keys import MAX_TERM, fold, index_name
from wirewatch.core.entities.records import ArticleRef, DayCount, Neighbour, RegistryEntry

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch


def resolve_body(name: str) -> dict[str, Any] | None:
    """The key a name stands for: itself as a key, its fold as a key, or a name or alias folding like it;
    ``None`` when no stored key or name can be that long."""
    folded = fold(name) or name
    candidates = [
        {"term": {field: value}}
        for field, value in (("key", name), ("key", folded), ("names_folded", folded))
        if len(value) <= MAX_TERM
    ]
    if not candidates:
        return None
    return {
        "size": 0,
        "query": {"bool": {"filter": [ACTIVE], "should": candidates, "minimum_should_match": 1}},
        "aggs": {"keys": {"terms": {"field": "key", "size": 1}}},
    }


def entry_body(key: str, *, neighbours: int = 10, latest: int = 10) -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": True,
        "query": {"bool": {"filter": [ACTIVE, {"term": {"key": key}}]}},
        "aggs": {
            "names": {"terms": {"field": "name", "size": 20}},
            "aliases": {"terms": {"field": "aliases", "size": 20}},
            **type_aggs(),
            "reasons": {"terms": {"field": "why", "size": 10}},
            "first": {"min": {"field": "seen_at"}},
            "last": {"max": {"field": "seen_at"}},
            "mentions": {"sum": {"field": "count"}},
            "per_day": {
                "date_histogram": {"field": "seen_at", "calendar_interval": "day", "min_doc_count": 1},
                "aggs": {"mentions": {"sum": {"field": "count"}}},
            },
            "co": {"terms": {"field": "co_keys", "size": neighbours, "exclude": [key]}},
            "latest": {
                "top_hits": {
                    "size": latest,
                    "sort": [{"seen_at": {"order": "desc", "missing": "_last"}}],
                    "_source": ["article_id", "title", "source", "seen_at"],
                }
            },
            "countries": {"terms": {"field": "country_code", "size": 1}},
            "external": {"terms": {"field": "external_id", "size": 1}},
            "geo": {
                "filter": {"exists": {"field": "geo"}},
                "aggs": {"one": {"top_hits": {"size": 1, "_source": ["geo"]}}},
            },
        },
    }


def parse_entry(key: str, response: dict[str, Any], *, days: int = 30) -> RegistryEntry | None:
    """The entry from :func:`entry_body`'s answer; ``None`` when no active document has the key."""
    total = int(response["hits"]["total"]["value"])
    if not total:
        return None
    aggs = response["aggregations"]
    names = [str(b["key"]) for b in buckets(aggs, "names")]
    own, registry = type_votes(aggs)
    per_day = [
        DayCount(str(b["key_as_string"])[:10], int(b["doc_count"]), int(b["mentions"]["value"]))
        for b in buckets(aggs, "per_day")
    ]
    geo_hits = aggs["geo"]["one"]["hits"]["hits"]
    aliases = [n for n in [*names[1:], *(str(b["key"]) for b in buckets(aggs, "aliases"))] if n != names[0]]
    return RegistryEntry(
        key=key,
        name=names[0] if names else key,
        type=type_of(aggs),
        votes=own,
        registry_votes=registry,
        reasons=counts(aggs, "reasons"),
        aliases=list(dict.fromkeys(aliases)),
        first_seen=when(aggs["first"]),
        last_seen=when(aggs["last"]),
        articles=total,
        mentions=int(aggs["mentions"]["value"]),
        per_day=per_day[-days:],
        co_occurring=[Neighbour(str(b["key"]), str(b["key"]), None, int(b["doc_count"])) for b in buckets(aggs, "co")],
        latest=[_article(hit["_source"]) for hit in aggs["latest"]["hits"]["hits"]],
        geo=geo_hits[0]["_source"]["geo"] if geo_hits else None,
        country_code=top(aggs, "countries"),
        external_id=top(aggs, "external"),
    )


def _article(source: dict[str, Any]) -> ArticleRef:
    return ArticleRef(
        id=source["article_id"],
        title=source.get("title"),
        source=source.get("source"),
        seen_at=source.get("seen_at"),
    )


def names_body(keys: list[str]) -> dict[str, Any]:
    """Canonical name and type of each key (to show co-occurring entities by name)."""
    return {
        "size": 0,
        "query": {"bool": {"filter": [ACTIVE, {"terms": {"key": keys}}]}},
        "aggs": {
            "keys": {
                "terms": {"field": "key", "size": max(len(keys), 1)},
                "aggs": {"names": {"terms": {"field": "name", "size": 1}}, **type_aggs(5)},
            }
        },
    }


def parse_names(response: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {
        str(b["key"]): (top(b, "names") or str(b["key"]), type_of(b))
        for b in buckets(response.get("aggregations", {}), "keys")
    }


async def lookup(
    es: AsyncElasticsearch, name: str, *, index: str | None = None, days: int = 30, neighbours: int = 10
) -> RegistryEntry | None:
    """The registry's entry for a name (a key, a name or an alias, folded), or ``None`` if it never appeared."""
    index = index or index_name()
    from elasticsearch import NotFoundError  # here: the extractor's workers read this module without a client

    body = resolve_body(name)
    if body is None:
        return None
    try:
        resolved = await es.search(index=index, **body)
    except NotFoundError:  # no registry yet (nothing indexed since the templates were applied)
        return None
    key = top(resolved.body.get("aggregations", {}), "keys")
    if key is None:
        return None
    found = await es.search(index=index, **entry_body(key, neighbours=neighbours))
    entry = parse_entry(key, found.body, days=days)
    if entry is not None and entry.co_occurring:
        named = await es.search(index=index, **names_body([n.key for n in entry.co_occurring]))
        known = parse_names(named.body)
        for neighbour in entry.co_occurring:
            neighbour.name, neighbour.type = known.get(neighbour.key, (neighbour.key, None))
    return entry
