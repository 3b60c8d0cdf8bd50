"""Rule evaluation restricted to the ids that just became searchable: Elasticsearch's own semantics (the
same query builder as ``wirewatch search``), no polling window. Each rule runs as searches of a
multi-search; with many rules a combined prefilter first finds the few rules that can match at all.

Two guarantees:

- *Nothing is skipped for size*: ids are searched in chunks of :data:`IDS_PER_SEARCH`, far below the
  index's ``max_result_window`` (10,000), so a batch of any size (after lag, a restart, a backfill) gets every
  alert. A search that fails for a reason waiting fixes (Elasticsearch down, overloaded, a closed index, a
  shard missing) raises the retriable ``ServiceUnavailable``: the runner retries the whole batch and commits
  no offset until it succeeds.
- *One broken rule never stalls the others*: a rule whose query :func:`validate_query` refuses is never
  searched, and one that Elasticsearch refuses to parse (a 400 naming the query) is skipped from then on;
  either is logged once and counted (``wirewatch_errors_total{stage="alerter",error_class="query_error"}``)
  per version of the rule, and tried again only when its query or filters change.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch

from wirewatch.core import metrics
from wirewatch.core.errors import ServiceUnavailable
from wirewatch.core.query import HIGHLIGHT, Filters, QueryError, build_query, validate_query
from wirewatch.schemas import Alert, Rule, alert_id_for

log = logging.getLogger(__name__)

SOURCE_FIELDS = [
    "url",
    "title",
    "published_at",
    "source",
    "persons",
    "organizations",
    "locations",
    "text",
    "story_id",
]
#: ids per search: far below Elasticsearch's max_result_window (10,000), and a page of hits a search returns
IDS_PER_SEARCH = 1000
SEARCHES_PER_MSEARCH = 200
#: multi-searches in flight at once (a backlog of many rules and chunks must not flood the search queue)
MSEARCH_CONCURRENCY = 4
#: with more rules than this, a cheap combined search first finds which rules can match at all
PREFILTER_ABOVE = 20
RULES_PER_PREFILTER = 100
#: Elasticsearch's words for "this query cannot be parsed or built": the rule's fault, not the cluster's
RULE_ERROR_TYPES = frozenset(
    {
        "query_shard_exception",
        "parse_exception",
        "query_parsing_exception",
        "x_content_parse_exception",
        "too_many_clauses",
        "too_many_nested_clauses",
    }
)
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


def rule_version(rule: Rule) -> str:
    """What decides whether the rule's search can run: its query and filters (not its name or webhooks)."""
    what = json.dumps([rule.query, rule.filters.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(what.encode()).hexdigest()[:16]


def _search_body(rule: Rule, ids: Sequence[str]) -> dict[str, Any]:
    return {
        "query": build_query(rule.query, rule_filters(rule, ids)),
        "size": len(ids),
        "_source": SOURCE_FIELDS,
        "highlight": HIGHLIGHT,
    }


def _prefilter_body(rules: Sequence[Rule], ids: Sequence[str]) -> dict[str, Any]:
    named = [{"bool": {**build_query(r.query, rule_filters(r, []))["bool"], "_name": r.id}} for r in rules]
    return {
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
        # the indexer's story; an article it has not clustered (or indexed before stories) is a story of its own
        story_id=src.get("story_id") or hit["_id"],
    )


def _parts(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _error_types(error: dict[str, Any]) -> set[str]:
    """Every exception type named in one Elasticsearch error: its own, its root causes, its cause chain."""
    types = {str(error.get("type"))}
    types.update(str(cause.get("type")) for cause in error.get("root_cause") or [] if isinstance(cause, dict))
    cause = error.get("caused_by")
    while isinstance(cause, dict):
        types.add(str(cause.get("type")))
        cause = cause.get("caused_by")
    return types


def _reason(error: dict[str, Any]) -> str:
    causes = [c for c in error.get("root_cause") or [] if isinstance(c, dict)]
    found = causes[0] if causes else error
    return f"{found.get('type')}: {found.get('reason')}"


def _failure(result: dict[str, Any]) -> dict[str, Any] | None:
    """The error of one search's answer: a refused search, or shards that failed or timed out (their hits
    would be missing, so the answer is as good as an error)."""
    if "error" in result:
        return dict(result["error"])
    failures = result.get("_shards", {}).get("failures") or []
    if failures:
        reason = failures[0].get("reason")
        return dict(reason) if isinstance(reason, dict) else {"type": "shard_failure", "reason": str(reason)}
    if result.get("timed_out"):
        return {"type": "search_timed_out", "reason": "the search timed out"}
    return None


def _is_rule_error(error: dict[str, Any]) -> bool:
    return bool(_error_types(error) & RULE_ERROR_TYPES)


class Matcher:
    """Runs the enabled rules over a batch of ids; remembers which rule versions cannot run, so each is
    reported once and never searched again until it changes."""

    def __init__(self, es: AsyncElasticsearch, index: str) -> None:
        self.es = es
        self.index = index
        self._checked: dict[str, str] = {}  # rule id → version that passed validate_query
        self._broken: dict[str, str] = {}  # rule id → version that cannot run

    async def match(self, rules: Sequence[Rule], ids: Sequence[str]) -> list[Match]:
        """Every (rule, article) pair among ``ids`` that the rule's query and filters select."""
        runnable = self._runnable(rules)
        if not runnable or not ids:
            return []
        matched_at = datetime.now(UTC)
        if len(runnable) <= PREFILTER_ABOVE:
            return await self._search([(rule, ids) for rule in runnable], matched_at)
        candidates, isolate = await self._prefilter(runnable, ids)
        alone = {rule.id for rule in isolate}
        pairs = [(rule, ids) for rule in isolate]
        pairs += [(rule, candidates[rule.id]) for rule in runnable if rule.id in candidates and rule.id not in alone]
        return await self._search(pairs, matched_at)

    def _runnable(self, rules: Sequence[Rule]) -> list[Rule]:
        """The rules worth searching: not known broken, and accepted by the validator (checked once per
        version: a thousand rules are not re-tokenised on every batch)."""
        current = {rule.id: rule_version(rule) for rule in rules}
        self._checked = {rid: v for rid, v in self._checked.items() if current.get(rid) == v}
        self._broken = {rid: v for rid, v in self._broken.items() if current.get(rid) == v}
        runnable = []
        for rule in rules:
            if rule.id in self._broken:
                continue
            if rule.id not in self._checked:
                try:
                    validate_query(rule.query)
                except QueryError as exc:
                    self._mark_broken(rule, f"its query is refused: {exc.reason}")
                    continue
                self._checked[rule.id] = current[rule.id]
            runnable.append(rule)
        return runnable

    def _mark_broken(self, rule: Rule, why: str) -> None:
        self._broken[rule.id] = rule_version(rule)
        metrics.ERRORS.labels("alerter", QueryError.error_class).inc()
        log.error(
            "rule %r (%s) is skipped until it changes: %s",
            rule.name,
            rule.id,
            why,
            extra={"stage": "alerter", "rule_id": rule.id, "error_class": QueryError.error_class},
        )

    async def _search(self, pairs: Sequence[tuple[Rule, Sequence[str]]], matched_at: datetime) -> list[Match]:
        searches = [(rule, chunk) for rule, ids in pairs for chunk in _parts(ids, IDS_PER_SEARCH)]
        results = await self._msearch(_search_body(rule, chunk) for rule, chunk in searches)
        matches: list[Match] = []
        refused: dict[str, tuple[Rule, dict[str, Any]]] = {}
        for (rule, _), result in zip(searches, results, strict=True):
            error = _failure(result)
            if error is None:
                matches += [Match(rule, to_alert(rule, hit, matched_at)) for hit in result["hits"]["hits"]]
            elif _is_rule_error(error):
                refused.setdefault(rule.id, (rule, error))
            else:
                raise ServiceUnavailable(f"the search of rule {rule.name!r} failed: {_reason(error)}")
        for rule, error in refused.values():
            self._mark_broken(rule, f"Elasticsearch refused its query: {_reason(error)}")
        return [m for m in matches if m.rule.id not in refused]

    async def _prefilter(self, rules: Sequence[Rule], ids: Sequence[str]) -> tuple[dict[str, list[str]], list[Rule]]:
        """Which rules may match which of ``ids``: one search per chunk of rules (each rule a named clause)
        and of ids, instead of one search per rule. Only the candidates are then searched rule by rule (for
        the exact hits and their highlights), so a thousand rules cost a few searches, not a thousand.

        Also returns the rules of chunks Elasticsearch refused to parse (a rule changed into a query it
        cannot run): those are searched one by one, which finds the bad one and keeps the others."""
        searches = [
            (part, chunk) for part in _parts(rules, RULES_PER_PREFILTER) for chunk in _parts(ids, IDS_PER_SEARCH)
        ]
        results = await self._msearch(_prefilter_body(part, chunk) for part, chunk in searches)
        candidates: dict[str, list[str]] = {}
        isolate: dict[str, Rule] = {}
        for (part, _), result in zip(searches, results, strict=True):
            error = _failure(result)
            if error is not None:
                if not _is_rule_error(error):
                    raise ServiceUnavailable(f"the rules prefilter failed: {_reason(error)}")
                log.info("prefilter refused (%s); searching its %d rules one by one", _reason(error), len(part))
                isolate.update((rule.id, rule) for rule in part)
                continue
            for hit in result["hits"]["hits"]:
                for rule_id in hit.get("matched_queries", []):
                    candidates.setdefault(rule_id, []).append(hit["_id"])
        return candidates, list(isolate.values())

    async def _msearch(self, bodies: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The answers to ``bodies``, in order, a few multi-searches at a time. Elasticsearch being
        unreachable, overloaded or refusing the request as a whole is retriable, never a skip."""
        lines = [({"index": self.index}, body) for body in bodies]
        gate = asyncio.Semaphore(MSEARCH_CONCURRENCY)

        async def one(part: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> list[dict[str, Any]]:
            async with gate:
                try:
                    response = await self.es.msearch(searches=[line for pair in part for line in pair])
                except (ApiError, TransportError) as exc:
                    status = exc.meta.status if isinstance(exc, ApiError) else "no answer"
                    raise ServiceUnavailable(f"the rule searches failed ({type(exc).__name__}, {status})") from exc
            return list(response.body["responses"])

        answers = await asyncio.gather(*(one(part) for part in _parts(lines, SEARCHES_PER_MSEARCH)))
        return [result for answer in answers for result in answer]
