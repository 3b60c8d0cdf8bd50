"""The pieces every registry request shares: the filters (active documents, votes not cast by the registry),
the type-vote aggregations, and readers of Elasticsearch's aggregation answers."""

from __future__ import annotations

from typing import Any, cast

from wirewatch.core.entities.keys import SELF, majority

ACTIVE: dict[str, Any] = {"term": {"active": True}}
NOT_SELF: dict[str, Any] = {"bool": {"must_not": [{"term": {"why": SELF}}]}}


def buckets(aggs: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return cast("list[dict[str, Any]]", aggs.get(name, {}).get("buckets", []))


def counts(aggs: dict[str, Any], name: str) -> dict[str, int]:
    return {str(b["key"]): int(b["doc_count"]) for b in buckets(aggs, name)}


def top(aggs: dict[str, Any], name: str) -> str | None:
    found = buckets(aggs, name)
    return str(found[0]["key"]) if found else None


def when(value: dict[str, Any]) -> str | None:
    return cast("str | None", value.get("value_as_string")) if value.get("value") is not None else None


def type_votes(aggs: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """(votes not cast by the registry, votes the registry cast)."""
    own = counts(aggs.get("own", {}), "types")
    registry = {t: n - own.get(t, 0) for t, n in counts(aggs, "types").items() if n > own.get(t, 0)}
    return own, registry


def type_of(aggs: dict[str, Any]) -> str | None:
    """The majority of the votes the registry did not cast; only registry votes: their majority."""
    own, registry = type_votes(aggs)
    return majority(own) or majority(registry)


def type_aggs(size: int = 10) -> dict[str, Any]:
    return {
        "types": {"terms": {"field": "type", "size": size}},
        "own": {"filter": NOT_SELF, "aggs": {"types": {"terms": {"field": "type", "size": size}}}},
    }
