"""Volume rules evaluated on each live batch of ``articles.indexed``: spikes and first-seen entities.

Both start from the rules that match the batch's own articles (the :class:`Matcher`, with its broken-rule
handling), so a batch that matches no volume rule costs one search; backfill batches are never evaluated (a
backfill is history, not news). Everything they decide on is read from Elasticsearch, never from memory
alone, so a restart or a replica decides the same:

- **spike** (``rule.spike``): the rule's matches whose ``fetched_at`` lies in the window ending at the batch's
  newest fetch time, against the baseline rate (matches per window over the baseline period before it). It
  fires when the window holds at least ``min_count`` and more than ``factor`` × the baseline rate. *One alert
  per window*: the alert id is keyed on the rule and the window-length slot the window ends in, and after a
  spike alert the rule stays quiet until a window has passed since that alert's window ended (the last one is
  read from the ledger on first use). A surge that lasts for hours fires once per window length, one that
  straddles a slot boundary fires once. The window ends at the data's time, not the clock's: a replayed
  batch computes the same window and the same alert id (the ledger turns it away).
- **first-seen** (``rule.entity_type``): an entity of that type named in one of the batch's articles that
  match the rule, whose earliest mention in the entity registry (``<prefix>-entity-mentions``, written in the
  same bulk request as the article) is in this batch: no mention outside the batch is older. The alert id is
  keyed on the rule and the entity key: once per entity, ever. Comparing times rather than asking "any other
  mention?" keeps it right when the alerter lags behind the indexer (a later batch already indexed does not
  hide the entity's first appearance).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError

from wirewatch.core.entities import ACTIVE
from wirewatch.core.errors import ServiceUnavailable
from wirewatch.core.query import build_query
from wirewatch.schemas import ENTITY_KINDS, Alert, IndexedBatch, Rule, SpikeSpec, keyed_alert_id
from wirewatch.services.alerter.matching import Match, Matcher, rule_filters

log = logging.getLogger(__name__)

#: the article field the volume of a window is counted on: when Wirewatch learnt of the article
TIME_FIELD = "fetched_at"
#: article ids per registry search: dozens of entities each stay under the 10,000 hits of one page
ARTICLES_PER_MENTIONS_SEARCH = 200


@dataclass(frozen=True)
class SpikeCounts:
    window: int
    baseline: int


def baseline_rate(spec: SpikeSpec, baseline: int) -> float:
    """The baseline's matches per window."""
    return baseline * spec.window_s / spec.baseline_s


def is_spike(spec: SpikeSpec, counts: SpikeCounts) -> bool:
    return counts.window >= spec.min_count and counts.window > spec.factor * baseline_rate(spec, counts.baseline)


def spike_slot(spec: SpikeSpec, end: datetime) -> str:
    """The window-length slot ``end`` falls in: part of the alert id, so replicas agree."""
    return str(int(end.timestamp() // spec.window_s))


def spike_body(rule: Rule, end: datetime) -> dict[str, Any]:
    """Counts of the window ending at ``end`` and of the baseline before it, in one search."""
    assert rule.spike is not None
    window_start = end - timedelta(seconds=rule.spike.window_s)
    baseline_start = window_start - timedelta(seconds=rule.spike.baseline_s)
    query = build_query(rule.query, rule_filters(rule, []))
    query["bool"]["filter"] = [
        *query["bool"]["filter"],
        {"range": {TIME_FIELD: {"gt": baseline_start.isoformat(), "lte": end.isoformat()}}},
    ]
    return {
        "size": 0,
        "track_total_hits": False,
        "query": query,
        "aggs": {
            "window": {"filter": {"range": {TIME_FIELD: {"gt": window_start.isoformat()}}}},
            "baseline": {"filter": {"range": {TIME_FIELD: {"lte": window_start.isoformat()}}}},
        },
    }


def spike_alert(rule: Rule, counts: SpikeCounts, end: datetime, batch: Sequence[Match], now: datetime) -> Alert:
    assert rule.spike is not None
    spec = rule.spike
    rate = baseline_rate(spec, counts.baseline)
    first = batch[0].alert
    return Alert(
        alert_id=keyed_alert_id(rule.id, "spike", spike_slot(spec, end)),
        rule_id=rule.id,
        rule_name=rule.name,
        kind="spike",
        matched_at=now,
        article_id=first.article_id,
        url=first.url,
        title=f"{counts.window} matches of {rule.name!r} in the window (baseline {rate:.1f} per window)",
        source=first.source,
        snippet=first.title,
        article_ids=[m.alert.article_id for m in batch if m.alert.article_id],
        count=counts.window,
        baseline=round(rate, 3),
        window_start=end - timedelta(seconds=spec.window_s),
        window_end=end,
    )


@dataclass(frozen=True)
class Mention:
    key: str
    name: str
    type: str
    article_id: str
    seen_at: str


def mentions_body(article_ids: Sequence[str], types: Sequence[str]) -> dict[str, Any]:
    return {
        "size": 10_000,
        "_source": ["key", "name", "type", "article_id", "seen_at"],
        "query": {
            "bool": {"filter": [ACTIVE, {"terms": {"article_id": list(article_ids)}}, {"terms": {"type": list(types)}}]}
        },
    }


def earliest_body(keys: Sequence[str], batch_ids: Sequence[str]) -> dict[str, Any]:
    """Each key's earliest mention outside the batch (keys without one are absent from the answer)."""
    return {
        "size": 0,
        "query": {
            "bool": {
                "filter": [ACTIVE, {"terms": {"key": list(keys)}}],
                "must_not": [{"terms": {"article_id": list(batch_ids)}}],
            }
        },
        "aggs": {
            "keys": {
                "terms": {"field": "key", "size": len(keys)},
                "aggs": {"first": {"min": {"field": "seen_at"}}},
            }
        },
    }


def first_seen_alert(rule: Rule, mention: Mention, match: Match, now: datetime) -> Alert:
    article = match.alert
    return Alert(
        alert_id=keyed_alert_id(rule.id, "first_seen", mention.key),
        rule_id=rule.id,
        rule_name=rule.name,
        kind="first_seen",
        matched_at=now,
        article_id=article.article_id,
        url=article.url,
        title=article.title,
        published_at=article.published_at,
        source=article.source,
        persons=article.persons,
        organizations=article.organizations,
        locations=article.locations,
        snippet=article.snippet,
        article_ids=[article.article_id] if article.article_id else [],
        entity_key=mention.key,
        entity_name=mention.name,
        entity_type=rule.entity_type,
    )


def _millis(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000


class VolumeRules:
    """Spike and first-seen rules over the live batches; keeps the last spike per rule (loaded from the
    ledger on first use) so one surge is not announced again in the same window."""

    def __init__(self, es: AsyncElasticsearch, *, articles: str, mentions: str, alerts: str) -> None:
        self.es = es
        self.articles = articles
        self.mentions = mentions
        self.alerts = alerts
        self.matcher = Matcher(es, articles)
        self._last_spike: dict[str, tuple[str, datetime]] = {}  # rule id → (alert id, window end)

    async def evaluate(self, rules: Sequence[Rule], batches: Sequence[IndexedBatch]) -> list[Match]:
        """The spike and first-seen alerts of the live batches among ``batches``."""
        volume = [r for r in rules if (r.kind == "spike" and r.spike) or (r.kind == "first_seen" and r.entity_type)]
        docs = [doc for batch in batches if batch.lane == "live" for doc in batch.docs]
        if not volume or not docs:
            return []
        ids = list(dict.fromkeys(doc.id for doc in docs))
        matched: dict[str, list[Match]] = {}
        for match in await self.matcher.match(volume, ids):
            matched.setdefault(match.rule.id, []).append(match)
        if not matched:
            return []
        now = datetime.now(UTC)
        end = min(max(doc.fetched_at for doc in docs), now)
        spikes = [r for r in volume if r.kind == "spike" and r.id in matched]
        firsts = [r for r in volume if r.kind == "first_seen" and r.id in matched]
        found = await asyncio.gather(self._spikes(spikes, matched, end, now), self._first_seen(firsts, matched, ids))
        return [m for part in found for m in part]

    # spikes ------------------------------------------------------------------------------------------------

    async def _spikes(
        self, rules: list[Rule], matched: dict[str, list[Match]], end: datetime, now: datetime
    ) -> list[Match]:
        if not rules:
            return []
        await self._load_last_spikes(rules)
        answers = await self._msearch(self.articles, [spike_body(rule, end) for rule in rules])
        fired: list[Match] = []
        for rule, answer in zip(rules, answers, strict=True):
            assert rule.spike is not None
            if answer is None:
                continue
            aggs = answer["aggregations"]
            counts = SpikeCounts(int(aggs["window"]["doc_count"]), int(aggs["baseline"]["doc_count"]))
            if not is_spike(rule.spike, counts) or not self._armed(rule, end):
                continue
            alert = spike_alert(rule, counts, end, matched[rule.id], now)
            if self._last_spike.get(rule.id, ("", end))[0] != alert.alert_id:
                self._last_spike[rule.id] = (alert.alert_id, end)  # a repeat keeps the first window's end
            fired.append(Match(rule, alert))
        return fired

    def _armed(self, rule: Rule, end: datetime) -> bool:
        """No spike alert of the rule yet, or its window ended a window ago, or it is this very alert (a retried
        batch must produce it again, so the ledger can republish what a crash did not)."""
        assert rule.spike is not None
        last = self._last_spike.get(rule.id)
        if last is None:
            return True
        alert_id, last_end = last
        if alert_id == keyed_alert_id(rule.id, "spike", spike_slot(rule.spike, end)):
            return True
        return (end - last_end).total_seconds() >= rule.spike.window_s

    async def _load_last_spikes(self, rules: list[Rule]) -> None:
        unknown = [r.id for r in rules if r.id not in self._last_spike]
        if not unknown:
            return
        body: dict[str, Any] = {
            "size": 0,
            "query": {"bool": {"filter": [{"term": {"kind": "spike"}}, {"terms": {"rule_id": unknown}}]}},
            "aggs": {
                "rules": {
                    "terms": {"field": "rule_id", "size": len(unknown)},
                    "aggs": {
                        "last": {
                            "top_hits": {
                                "size": 1,
                                "sort": [{"window_end": "desc"}],
                                "_source": ["alert_id", "window_end"],
                            }
                        }
                    },
                }
            },
        }
        try:
            response = await self.es.search(index=self.alerts, **body)
        except NotFoundError:
            return
        except (ApiError, TransportError) as exc:
            raise ServiceUnavailable(f"reading the last spike alerts failed ({type(exc).__name__})") from exc
        for bucket in response.body.get("aggregations", {}).get("rules", {}).get("buckets", []):
            source = bucket["last"]["hits"]["hits"][0]["_source"]
            end = datetime.fromisoformat(str(source["window_end"]).replace("Z", "+00:00"))
            self._last_spike[str(bucket["key"])] = (str(source["alert_id"]), end)

    # first-seen --------------------------------------------------------------------------------------------

    async def _first_seen(self, rules: list[Rule], matched: dict[str, list[Match]], ids: list[str]) -> list[Match]:
        if not rules:
            return []
        wanted = {ENTITY_KINDS[r.entity_type] for r in rules if r.entity_type}
        articles = list(dict.fromkeys(m.alert.article_id for r in rules for m in matched[r.id] if m.alert.article_id))
        mentions = await self._mentions(articles, sorted(wanted))
        if not mentions:
            return []
        earliest = await self._earliest(sorted({m.key for m in mentions}), ids)
        new = _new_keys(mentions, earliest)
        fired: list[Match] = []
        now = datetime.now(UTC)
        for rule in rules:
            assert rule.entity_type is not None
            kind = ENTITY_KINDS[rule.entity_type]
            by_article = {m.alert.article_id: m for m in matched[rule.id]}
            seen: set[str] = set()
            for mention in sorted(mentions, key=lambda m: (m.seen_at, m.article_id)):
                if mention.type != kind or mention.key not in new or mention.key in seen:
                    continue
                if (match := by_article.get(mention.article_id)) is not None:
                    seen.add(mention.key)
                    fired.append(Match(rule, first_seen_alert(rule, mention, match, now)))
        return fired

    async def _mentions(self, article_ids: list[str], types: list[str]) -> list[Mention]:
        parts = [
            article_ids[start : start + ARTICLES_PER_MENTIONS_SEARCH]
            for start in range(0, len(article_ids), ARTICLES_PER_MENTIONS_SEARCH)
        ]
        answers = await self._msearch(self.mentions, [mentions_body(part, types) for part in parts])
        found: list[Mention] = []
        for answer in answers:
            for hit in (answer or {}).get("hits", {}).get("hits", []):
                src = hit["_source"]
                if src.get("seen_at") and src.get("key"):
                    found.append(
                        Mention(
                            src["key"], src.get("name") or src["key"], src["type"], src["article_id"], src["seen_at"]
                        )
                    )
        return found

    async def _earliest(self, keys: list[str], batch_ids: list[str]) -> dict[str, float]:
        [answer] = await self._msearch(self.mentions, [earliest_body(keys, batch_ids)])
        buckets = (answer or {}).get("aggregations", {}).get("keys", {}).get("buckets", [])
        return {str(b["key"]): float(b["first"]["value"]) for b in buckets if b["first"].get("value") is not None}

    # searching ---------------------------------------------------------------------------------------------

    async def _msearch(self, index: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
        """The answers in order; ``None`` for a search Elasticsearch refused (logged; the rule's query)."""
        if not bodies:
            return []
        searches = [line for body in bodies for line in ({"index": index}, body)]
        try:
            response = await self.es.msearch(searches=searches)
        except (ApiError, TransportError) as exc:
            status = exc.meta.status if isinstance(exc, ApiError) else "no answer"
            raise ServiceUnavailable(f"the volume rule searches failed ({type(exc).__name__}, {status})") from exc
        answers: list[dict[str, Any] | None] = []
        for answer in response.body["responses"]:
            error = answer.get("error")
            if error is None:
                answers.append(answer)
            elif answer.get("status", 500) in (404, 400):
                # no registry yet (404), or a query the matcher let through but the counting refuses (400)
                log.warning("a volume rule search of %s was refused: %s", index, error.get("type"))
                answers.append(None)
            else:
                raise ServiceUnavailable(f"a volume rule search of {index} failed: {error.get('type')}")
        return answers


def _new_keys(mentions: Sequence[Mention], earliest: dict[str, float]) -> set[str]:
    """Keys whose earliest mention in the batch is no later than their earliest mention outside it."""
    first_here: dict[str, float] = {}
    for mention in mentions:
        at = _millis(mention.seen_at)
        first_here[mention.key] = min(at, first_here.get(mention.key, at))
    return {key for key, at in first_here.items() if key not in earliest or at <= earliest[key]}
