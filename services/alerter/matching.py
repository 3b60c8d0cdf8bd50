"""Rule evaluation restricted to the ids that just became searchable: one multi-search, Elasticsearch's
own semantics, no polling window."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from schemas import Alert, Rule, alert_id_for
from wirewatch.query import HIGHLIGHT, Filters, build_query

log = logging.getLogger(__name__)

SOURCE_FIELDS = ["url", "title", "published_at", "source", "persons", "organizations", "locations", "text"]
RULES_PER_MSEARCH = 200


@dataclass(frozen=True)
class Match:
    rule: Rule
    alert: Alert


def rule_filters(rule: Rule, ids: Sequence[str]) -> Filters:
    f = rule.filters
    return Filters(persons=f.persons, organizations=f.organizations, locations=f.locations,
                   sources=f.sources, languages=f.languages, ids=ids)


def _search_body(rule: Rule, ids: Sequence[str]) -> dict[str, Any]:
    return {"query": build_query(rule.query, rule_filters(rule, ids)), "size": len(ids),
            "_source": SOURCE_FIELDS, "highlight": HIGHLIGHT}


def snippet(hit: dict[str, Any]) -> str | None:
    highlight = hit.get("highlight", {})
    fragments = highlight.get("text") or highlight.get("title")
    if fragments:
        return " … ".join(fragments)
    text = hit["_source"].get("text") or ""
    return text[:240] or None


def to_alert(rule: Rule, hit: dict[str, Any], matched_at: datetime) -> Alert:
    src = hit["_source"]
    return Alert(alert_id=alert_id_for(rule.id, hit["_id"]), rule_id=rule.id, rule_name=rule.name,
                 matched_at=matched_at, article_id=hit["_id"], url=src["url"], title=src.get("title"),
                 published_at=src.get("published_at"), source=src.get("source"),
                 persons=src.get("persons", []), organizations=src.get("organizations", []),
                 locations=src.get("locations", []), snippet=snippet(hit))


async def match(es: AsyncElasticsearch, index: str, rules: Sequence[Rule], ids: Sequence[str]) -> list[Match]:
    """Every (rule, article) pair among ``ids`` that the rule's query and filters select."""
    if not rules or not ids:
        return []
    matched_at = datetime.now(UTC)
    matches: list[Match] = []
    for start in range(0, len(rules), RULES_PER_MSEARCH):
        chunk = rules[start:start + RULES_PER_MSEARCH]
        searches: list[dict[str, Any]] = []
        for rule in chunk:
            searches += [{"index": index}, _search_body(rule, ids)]
        response = await es.msearch(searches=searches)
        for rule, result in zip(chunk, response.body["responses"], strict=True):
            if "error" in result:
                log.warning("rule %r failed to run: %s", rule.name, result["error"].get("reason", result["error"]))
                continue
            matches += [Match(rule, to_alert(rule, hit, matched_at)) for hit in result["hits"]["hits"]]
    return matches
