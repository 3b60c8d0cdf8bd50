"""Rule evaluation restricted to the ids that just became searchable: Elasticsearch's own semantics (the
same query builder as ``wirewatch search``), no polling window. Each rule runs as one search of a
multi-search; with many rules a combined prefilter first finds the few rules that can match at all."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from elasticsearch import AsyncElasticsearch

from wirewatch.core.query import HIGHLIGHT, Filters, build_query
from wirewatch.schemas import Alert, Rule, alert_id_for

log = logging.getLogger(__name__)

SOURCE_FIELDS = ["url", "title", "published_at", "source", "persons", "organizations", "locations", "text"]
RULES_PER_MSEARCH = 200
#: with more rules than this, a cheap combined search first finds which rules can match at all
PREFILTER_ABOVE = 20
RULES_PER_PREFILTER = 100
T = TypeVar("T")


@dataclass(frozen=True)
class Match:
    rule: Rule
    alert: Alert


def rule_filters(rule: Rule, ids: Sequence[str]) -> Filters:
    f = rule.filters
    return Filters(
        persons=f.persons,
        organizations=f.organizations,
        locations=f.locations,
        sources=f.sources,
        languages=f.languages,
        ids=ids,
    )


def _search_body(rule: Rule, ids: Sequence[str]) -> dict[str, Any]:
    return {
        "query": build_query(rule.query, rule_filters(rule, ids)),
        "size": len(ids),
        "_source": SOURCE_FIELDS,
        "highlight": HIGHLIGHT,
    }


def snippet(hit: dict[str, Any]) -> str | None:
    highlight = hit.get("highlight", {})
    fragments = highlight.get("text") or highlight.get("title")
    if fragments:
        return " … ".join(fragments)
    text = hit["_source"].get("text") or ""
    return text[:240] or None


def to_alert(rule: Rule, hit: dict[str, Any], matched_at: datetime) -> Alert:
    src = hit["_source"]
    return Alert(
        alert_id=alert_id_for(rule.id, hit["_id"]),
        rule_id=rule.id,
        rule_name=rule.name,
        matched_at=matched_at,
        article_id=hit["_id"],
        url=src["url"],
        title=src.get("title"),
        published_at=src.get("published_at"),
        source=src.get("source"),
        persons=src.get("persons", []),
        organizations=src.get("organizations", []),
        locations=src.get("locations", []),
        snippet=snippet(hit),
    )


async def match(es: AsyncElasticsearch, index: str, rules: Sequence[Rule], ids: Sequence[str]) -> list[Match]:
    """Every (rule, article) pair among ``ids`` that the rule's query and filters select."""
    if not rules or not ids:
        return []
    matched_at = datetime.now(UTC)
    candidates = await prefilter(es, index, rules, ids) if len(rules) > PREFILTER_ABOVE else None
    chunks = (
        [(rule, ids) for rule in rules]
        if candidates is None
        else [(rule, candidates[rule.id]) for rule in rules if rule.id in candidates]
    )
    responses = await asyncio.gather(
        *(es.msearch(searches=_search_lines(index, part)) for part in _parts(chunks, RULES_PER_MSEARCH))
    )
    matches: list[Match] = []
    for part, response in zip(_parts(chunks, RULES_PER_MSEARCH), responses, strict=True):
        for (rule, _), result in zip(part, response.body["responses"], strict=True):
            if "error" in result:
                reason = result["error"].get("reason", result["error"])
                log.warning("rule %r failed to run: %s", rule.name, reason)
                continue
            matches += [Match(rule, to_alert(rule, hit, matched_at)) for hit in result["hits"]["hits"]]
    return matches


def _search_lines(index: str, part: Sequence[tuple[Rule, Sequence[str]]]) -> list[dict[str, Any]]:
    return [line for rule, ids in part for line in ({"index": index}, _search_body(rule, ids))]


def _parts(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


async def prefilter(
    es: AsyncElasticsearch, index: str, rules: Sequence[Rule], ids: Sequence[str]
) -> dict[str, list[str]] | None:
    """Which rules may match which of ``ids``: one search per chunk of rules, each rule a named clause,
    instead of one search per rule. Only the candidates are then searched rule by rule (for the exact
    hits and their highlights), so a thousand rules cost a few searches, not a thousand.

    Returns None when a chunk could not run (a malformed query breaks the whole chunk, or too many
    clauses): the caller then searches every rule on its own, which isolates the bad one."""
    searches: list[dict[str, Any]] = []
    for part in _parts(rules, RULES_PER_PREFILTER):
        named = [{"bool": {**build_query(r.query, rule_filters(r, []))["bool"], "_name": r.id}} for r in part]
        searches += [
            {"index": index},
            {
                "size": len(ids),
                "_source": False,
                "track_total_hits": False,
                "query": {
                    "bool": {
                        "filter": [
                            {"ids": {"values": list(ids)}},
                            {"bool": {"should": named, "minimum_should_match": 1}},
                        ]
                    }
                },
            },
        ]
    response = await es.msearch(searches=searches)
    candidates: dict[str, list[str]] = {}
    for result in response.body["responses"]:
        if "error" in result:
            log.info("prefilter failed (%s); searching rule by rule", result["error"].get("type"))
            return None
        for hit in result["hits"]["hits"]:
            for rule_id in hit.get("matched_queries", []):
                candidates.setdefault(rule_id, []).append(hit["_id"])
    return candidates
