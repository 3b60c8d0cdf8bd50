"""The entity registry: what Wirewatch remembers of every entity across articles, read as aggregations.

The indexer writes one document per (entity key, article) into ``<prefix>-entity-mentions`` in the same bulk
request as the article (``services/indexer/mentions.py``); its id is :func:`mention_id`, so a replay rewrites
the same documents and counts nothing twice. A re-fetch whose entities changed overwrites the documents of
keys no longer present with a tombstone (``active: false``, same id, the newer external version), so the
older fetch can never come back either. Every view here filters ``active: true``; one document is one
article, so a key's document count is its article count.

Readers (the extractor's registry memory, ``wirewatch entities``, alerts on first-seen entities, the
workspace's entity pages):

- :func:`lookup` — one :class:`RegistryEntry`: canonical name (the most used), type (the majority of the
  votes *not* cast by the registry itself, so the registry never reinforces its own guess), votes per type
  and per reason, aliases, first/last seen, article and mention counts, mentions per day, co-occurring
  entities, latest articles, coordinates;
- :func:`search` — entities by folded name prefix and type (``entities list``);
- :func:`confident_types` — ``{key: type}`` of the keys typed the same way often enough; its request body and
  its parser are separate (:func:`confident_types_body`, :func:`parse_confident_types`) so a process without
  an event loop can ask Elasticsearch with a plain HTTP ``POST <index>/_search``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from wirewatch.schemas.articles import MAIN_TYPES, Entity, EntityType

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch

FAMILY = "entity-mentions"
#: the CLI's and rules' type names and the index's
TYPE_NAMES: dict[str, EntityType] = {"person": "PERSON", "org": "ORG", "place": "LOC"}
#: the reason a registry retype is recorded with: its votes never count towards the registry's own type
SELF = "registry"
#: the template's ``ignore_above`` of keys and names: a longer one is stored but never matches a query
MAX_TERM = 512
_APOSTROPHES = "'’ʼ‘`´"
_NOT_WORD = re.compile(r"[^\w]+")


# Keys and ids ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case, diacritics, apostrophes and punctuation folded away: "Kata'ib Ḥezbollah" → "kataib hezbollah".

    The same fold as the extractor's ``normalise.fold`` (core cannot import a service): the registry key of an
    entity the extractor gave no key, and the form entity names are searched by."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    for mark in _APOSTROPHES:
        plain = plain.replace(mark, "")
    return _NOT_WORD.sub(" ", plain.casefold()).strip()


def key_of(name: str, key: str | None = None) -> str:
    """The key a name is counted under: the extractor's ``key``, else the folded name (else the name)."""
    return key or fold(name) or name


def registry_key(entity: Entity) -> str:
    """:func:`key_of` an entity."""
    return key_of(entity.name, entity.key)


def mention_id(key: str, article_id: str) -> str:
    """The document id of one (key, article): stable across processes and releases (never Python's hash)."""
    digest = hashlib.blake2b(f"{key}\x1f{article_id}".encode(), digest_size=16)
    return digest.hexdigest()


def index_name(index_prefix: str | None = None) -> str:
    """``<prefix>-entity-mentions``; without a prefix, the one configured in the environment."""
    if index_prefix is None:
        from wirewatch.core.settings import CommonSettings

        index_prefix = CommonSettings().index_prefix
    return f"{index_prefix}-{FAMILY}"


def majority(votes: dict[str, int]) -> str | None:
    """The type with most votes; a tie goes to the first of PERSON, ORG, LOC, then alphabetical order."""
    if not votes:
        return None
    rank = {name: i for i, name in enumerate(MAIN_TYPES)}
    return min(votes, key=lambda t: (-votes[t], rank.get(t, len(rank)), t))


# The registry entry ---------------------------------------------------------------------------------------


@dataclass
class Neighbour:
    """An entity named in the same articles."""

    key: str
    name: str
    type: str | None
    articles: int


@dataclass
class ArticleRef:
    id: str
    title: str | None
    source: str | None
    seen_at: str | None


@dataclass
class DayCount:
    day: str
    articles: int
    mentions: int


@dataclass
class RegistryEntry:
    key: str
    name: str
    type: str | None
    votes: dict[str, int]
    registry_votes: dict[str, int]
    reasons: dict[str, int]
    aliases: list[str]
    first_seen: str | None
    last_seen: str | None
    articles: int
    mentions: int
    per_day: list[DayCount] = field(default_factory=list)
    co_occurring: list[Neighbour] = field(default_factory=list)
    latest: list[ArticleRef] = field(default_factory=list)
    geo: dict[str, float] | None = None
    country_code: str | None = None
    external_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EntitySummary:
    """One line of ``entities list``."""

    key: str
    name: str
    type: str | None
    articles: int
    last_seen: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


ACTIVE: dict[str, Any] = {"term": {"active": True}}
NOT_SELF: dict[str, Any] = {"bool": {"must_not": [{"term": {"why": SELF}}]}}


def _buckets(aggs: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return cast("list[dict[str, Any]]", aggs.get(name, {}).get("buckets", []))


def _counts(aggs: dict[str, Any], name: str) -> dict[str, int]:
    return {str(b["key"]): int(b["doc_count"]) for b in _buckets(aggs, name)}


def _top(aggs: dict[str, Any], name: str) -> str | None:
    buckets = _buckets(aggs, name)
    return str(buckets[0]["key"]) if buckets else None


def _type_votes(aggs: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """(votes not cast by the registry, votes the registry cast)."""
    own = _counts(aggs.get("own", {}), "types")
    registry = {t: n - own.get(t, 0) for t, n in _counts(aggs, "types").items() if n > own.get(t, 0)}
    return own, registry


def _type_of(aggs: dict[str, Any]) -> str | None:
    """The majority of the votes the registry did not cast; only registry votes: their majority."""
    own, registry = _type_votes(aggs)
    return majority(own) or majority(registry)


def _type_aggs(size: int = 10) -> dict[str, Any]:
    return {
        "types": {"terms": {"field": "type", "size": size}},
        "own": {"filter": NOT_SELF, "aggs": {"types": {"terms": {"field": "type", "size": size}}}},
    }


# lookup ----------------------------------------------------------------------------------------------------


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
            **_type_aggs(),
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


def _when(value: dict[str, Any]) -> str | None:
    return cast("str | None", value.get("value_as_string")) if value.get("value") is not None else None


def parse_entry(key: str, response: dict[str, Any], *, days: int = 30) -> RegistryEntry | None:
    """The entry from :func:`entry_body`'s answer; ``None`` when no active document has the key."""
    total = int(response["hits"]["total"]["value"])
    if not total:
        return None
    aggs = response["aggregations"]
    names = [str(b["key"]) for b in _buckets(aggs, "names")]
    own, registry = _type_votes(aggs)
    per_day = [
        DayCount(str(b["key_as_string"])[:10], int(b["doc_count"]), int(b["mentions"]["value"]))
        for b in _buckets(aggs, "per_day")
    ]
    geo_hits = aggs["geo"]["one"]["hits"]["hits"]
    aliases = [n for n in [*names[1:], *(str(b["key"]) for b in _buckets(aggs, "aliases"))] if n != names[0]]
    return RegistryEntry(
        key=key,
        name=names[0] if names else key,
        type=_type_of(aggs),
        votes=own,
        registry_votes=registry,
        reasons=_counts(aggs, "reasons"),
        aliases=list(dict.fromkeys(aliases)),
        first_seen=_when(aggs["first"]),
        last_seen=_when(aggs["last"]),
        articles=total,
        mentions=int(aggs["mentions"]["value"]),
        per_day=per_day[-days:],
        co_occurring=[Neighbour(str(b["key"]), str(b["key"]), None, int(b["doc_count"])) for b in _buckets(aggs, "co")],
        latest=[_article(hit["_source"]) for hit in aggs["latest"]["hits"]["hits"]],
        geo=geo_hits[0]["_source"]["geo"] if geo_hits else None,
        country_code=_top(aggs, "countries"),
        external_id=_top(aggs, "external"),
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
                "aggs": {"names": {"terms": {"field": "name", "size": 1}}, **_type_aggs(5)},
            }
        },
    }


def parse_names(response: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {
        str(b["key"]): (_top(b, "names") or str(b["key"]), _type_of(b))
        for b in _buckets(response.get("aggregations", {}), "keys")
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
    key = _top(resolved.body.get("aggregations", {}), "keys")
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


# search ----------------------------------------------------------------------------------------------------


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
        "aggs": {"keys": {"terms": {"field": "key", "size": max(len(keys), 1)}, "aggs": _type_aggs(5)}},
    }


def parse_search(response: dict[str, Any]) -> list[EntitySummary]:
    return [
        EntitySummary(
            key=str(b["key"]),
            name=_top(b, "names") or str(b["key"]),
            type=None,
            articles=int(b["doc_count"]),
            last_seen=_when(b["last"]),
        )
        for b in _buckets(response.get("aggregations", {}), "keys")
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
    types = {str(b["key"]): _type_of(b) for b in _buckets(typed.body.get("aggregations", {}), "keys")}
    for summary in found:
        summary.type = types.get(summary.key)
    if entity_type:
        found = [s for s in found if s.type == entity_type]
    return found[:limit]


# confident types (the extractor's registry memory) --------------------------------------------------------


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
    for bucket in _buckets(response.get("aggregations", {}), "keys"):
        types = _buckets(bucket, "types")
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
