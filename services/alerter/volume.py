"""Volume rules evaluated on each live batch of ``articles.indexed``: spikes and first-seen entities.

A batch costs at most three searches whatever the number of rules: one finds which volume rules match which
of the batch's articles (each rule a named clause; it also reads the articles' entities), then, at once, one
counts every matching spike rule's window and baseline (a ``filters`` aggregation) and one asks the entity
registry about the batch's entities. Backfill batches are never evaluated (a backfill is history, not news).
A query Wirewatch refuses is skipped (logged once per version); one Elasticsearch refuses makes the combined
search fall back to one search per rule, so one bad rule never silences the others. What they decide on is
read from Elasticsearch, so a restart or a replica decides the same (the two caches below only save work):

- **spike** (``rule.spike``): the rule's matches whose ``fetched_at`` lies in the window ending at the batch's
  newest fetch time, against the baseline rate (matches per window over the baseline period before it). It
  fires when the window holds at least ``min_count`` and more than ``factor`` × the baseline rate. *One alert
  per window*: the alert id is keyed on the rule and the window-length slot the window ends in, and after a
  spike alert the rule stays quiet until a window has passed since that alert's window ended (the last one is
  read from the ledger on first use). A surge that lasts for hours fires once per window length, one that
  straddles a slot boundary fires once. The window ends at the data's time, not the clock's: a replayed
  batch computes the same window and the same alert id (the ledger turns it away). Two replicas that see a
  surge's batches at a slot boundary may each fire once (the price of not serialising through the ledger).
- **first-seen** (``rule.entity_type``): an entity of that type named in one of the batch's articles that
  match the rule, whose earliest mention in the entity registry (``<prefix>-entity-mentions``, written in the
  same bulk request as the article) is in this batch: no mention outside the batch is older (an article is
  seen when it was published, else fetched, as the registry counts it). The alert id is keyed on the rule
  and the entity key: once per entity, ever. Comparing times rather than asking "any other mention?" keeps it
  right when the alerter lags behind the indexer (a later batch already indexed does not hide the entity's
  first appearance). Keys found to have an earlier mention are remembered (:data:`KNOWN_KEYS` of them), so the
  registry is asked only about keys this process has not yet seen known.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError

from wirewatch.core.entities import ACTIVE, key_of
from wirewatch.core.errors import ServiceUnavailable
from wirewatch.core.query import QueryError, build_query, validate_query
from wirewatch.schemas import ENTITY_KINDS, Alert, IndexedBatch, Rule, SpikeSpec, keyed_alert_id
from wirewatch.services.alerter.matching import SOURCE_FIELDS, Match, rule_filters, rule_version, to_alert

log = logging.getLogger(__name__)
T = TypeVar("T")

#: the article field the volume of a window is counted on: when Wirewatch learnt of the article
TIME_FIELD = "fetched_at"
#: entity keys remembered as known (seen before some batch): never new again, so never asked about again
KNOWN_KEYS = 100_000
#: article ids per matching search: far below the index's 10,000 hits of one page
IDS_PER_SEARCH = 1000
#: rules per matching search (each a named clause), well under Elasticsearch's clause limit
RULES_PER_SEARCH = 200
#: what the matching search reads of each article: the alert's fields, and the entities for first-seen rules
ARTICLE_FIELDS = [*SOURCE_FIELDS, "fetched_at", "entities.key", "entities.name", "entities.type", "entities.count"]


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


def spike_body(rules: Sequence[Rule], end: datetime) -> dict[str, Any]:
    """The matches of each rule's window ending at ``end`` and of its baseline before it, in one search: rules
    of one window and baseline share a ``filters`` aggregation (a filter per rule) under a ``date_range`` of
    the two periods, so each query is parsed once however many periods are counted."""
    groups: dict[tuple[float, float], dict[str, Any]] = {}
    for rule in rules:
        assert rule.spike is not None
        clause = build_query(rule.query, rule_filters(rule, []))
        groups.setdefault((rule.spike.window_s, rule.spike.baseline_s), {})[rule.id] = clause
    aggs: dict[str, Any] = {}
    earliest = end
    for number, ((window_s, baseline_s), filters) in enumerate(groups.items()):
        window_start = end - timedelta(seconds=window_s)
        baseline_start = window_start - timedelta(seconds=baseline_s)
        earliest = min(earliest, baseline_start)
        # date_range's "to" is exclusive: the window includes the batch's own newest article
        ranges = [
            {"key": "baseline", "from": baseline_start.isoformat(), "to": window_start.isoformat()},
            {"key": "window", "from": window_start.isoformat(), "to": (end + timedelta(milliseconds=1)).isoformat()},
        ]
        aggs[f"spec{number}"] = {
            "filters": {"filters": filters},
            "aggs": {"periods": {"date_range": {"field": TIME_FIELD, "ranges": ranges}}},
        }
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {"range": {TIME_FIELD: {"gte": earliest.isoformat(), "lte": end.isoformat()}}},
        "aggs": aggs,
    }


def spike_counts(answer: dict[str, Any]) -> dict[str, SpikeCounts]:
    """:func:`spike_body`'s answer: the counts of each rule."""
    counts: dict[str, SpikeCounts] = {}
    for spec in answer.get("aggregations", {}).values():
        for rule_id, bucket in spec["buckets"].items():
            periods = {p["key"]: int(p["doc_count"]) for p in bucket["periods"]["buckets"]}
            counts[rule_id] = SpikeCounts(periods.get("window", 0), periods.get("baseline", 0))
    return counts


def matching_body(rules: Sequence[Rule], ids: Sequence[str]) -> dict[str, Any]:
    """Which of ``ids`` each rule matches, in one search (each rule a named clause), with what alerts need."""
    named = [{"bool": {**build_query(r.query, rule_filters(r, []))["bool"], "_name": r.id}} for r in rules]
    return {
        "size": len(ids),
        "_source": ARTICLE_FIELDS,
        "track_total_hits": False,
        "query": {
            "bool": {"filter": [{"ids": {"values": list(ids)}}, {"bool": {"should": named, "minimum_should_match": 1}}]}
        },
    }


def spike_alert(rule: Rule, counts: SpikeCounts, end: datetime, article_ids: Sequence[str], base: Alert) -> Alert:
    """``base``: the alert of the batch's first matching article, whose link and title the spike carries."""
    assert rule.spike is not None
    spec = rule.spike
    rate = baseline_rate(spec, counts.baseline)
    return base.model_copy(
        update={
            "alert_id": keyed_alert_id(rule.id, "spike", spike_slot(spec, end)),
            "kind": "spike",
            "title": f"{counts.window} matches of {rule.name!r} in the window (baseline {rate:.1f} per window)",
            "snippet": base.title,
            "article_ids": list(article_ids),
            "count": counts.window,
            "baseline": round(rate, 3),
            "window_start": end - timedelta(seconds=spec.window_s),
            "window_end": end,
        }
    )


@dataclass(frozen=True)
class Mention:
    key: str
    name: str
    type: str
    article_id: str
    seen_at: float  # epoch milliseconds


def mentions_of(hit: dict[str, Any]) -> list[Mention]:
    """An article's entities as the registry counts them (see ``services/indexer/mentions.py``): one per key,
    typed by its most mentioned spelling, seen when the article was published (else fetched)."""
    src = hit["_source"]
    seen = src.get("published_at") or src.get("fetched_at")
    if not seen:
        return []
    seen_at = datetime.fromisoformat(str(seen).replace("Z", "+00:00")).timestamp() * 1000
    main: dict[str, dict[str, Any]] = {}
    for entity in src.get("entities") or []:
        key = key_of(str(entity.get("name") or ""), entity.get("key"))
        if key and (key not in main or int(entity.get("count") or 0) > int(main[key].get("count") or 0)):
            main[key] = entity
    return [Mention(key, str(e.get("name") or key), str(e.get("type")), hit["_id"], seen_at) for key, e in main.items()]


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


def first_seen_alert(rule: Rule, mention: Mention, base: Alert) -> Alert:
    """``base``: the alert of the article that named the entity first."""
    return base.model_copy(
        update={
            "alert_id": keyed_alert_id(rule.id, "first_seen", mention.key),
            "kind": "first_seen",
            "article_ids": [base.article_id] if base.article_id else [],
            "entity_key": mention.key,
            "entity_name": mention.name,
            "entity_type": rule.entity_type,
        }
    )


class VolumeRules:
    """Spike and first-seen rules over the live batches; keeps the last spike per rule (loaded from the
    ledger on first use) so one surge is not announced again in the same window."""

    def __init__(self, es: AsyncElasticsearch, *, articles: str, mentions: str, alerts: str) -> None:
        self.es = es
        self.articles = articles
        self.mentions = mentions
        self.alerts = alerts
        self._valid: dict[str, str] = {}  # rule id → version its query passed validate_query
        self._refused: dict[str, str] = {}  # rule id → version whose query is refused (logged once)
        self._last_spike: dict[str, tuple[str, datetime]] = {}  # rule id → (alert id, window end)
        self._spikes_loaded: set[str] = set()
        self._known: OrderedDict[str, None] = OrderedDict()  # keys with an earlier mention, oldest learnt first

    async def evaluate(self, rules: Sequence[Rule], batches: Sequence[IndexedBatch]) -> list[Match]:
        """The spike and first-seen alerts of the live batches among ``batches``."""
        volume = self._runnable(
            [r for r in rules if (r.kind == "spike" and r.spike) or (r.kind == "first_seen" and r.entity_type)]
        )
        docs = [doc for batch in batches if batch.lane == "live" for doc in batch.docs]
        if not volume or not docs:
            return []
        ids = list(dict.fromkeys(doc.id for doc in docs))
        matched, hits = await self._matching(volume, ids)
        if not matched:
            return []
        now = datetime.now(UTC)
        end = min(max(doc.fetched_at for doc in docs), now)
        spikes = [r for r in volume if r.kind == "spike" and r.id in matched]
        firsts = [r for r in volume if r.kind == "first_seen" and r.id in matched]
        surges, news = await asyncio.gather(self._spikes(spikes, end), self._first_seen(firsts, matched, hits, ids))
        articles = _Articles(hits, now)
        fired = []
        for rule, counts in surges:
            first = articles.alert(rule, matched[rule.id][0])
            fired.append(Match(rule, spike_alert(rule, counts, end, matched[rule.id], first)))
        for rule, mention in news:
            fired.append(Match(rule, first_seen_alert(rule, mention, articles.alert(rule, mention.article_id))))
        return fired

    def _runnable(self, rules: list[Rule]) -> list[Rule]:
        """The rules whose query Wirewatch runs (checked once per version; a refused one is logged once)."""
        runnable = []
        for rule in rules:
            version = rule_version(rule)
            if self._valid.get(rule.id) != version:
                if self._refused.get(rule.id) == version:
                    continue
                try:
                    validate_query(rule.query)
                except QueryError as exc:
                    self._refused[rule.id] = version
                    log.error("volume rule %r (%s) is skipped until it changes: %s", rule.name, rule.id, exc.reason)
                    continue
                self._valid[rule.id] = version
            runnable.append(rule)
        return runnable

    async def _matching(
        self, rules: list[Rule], ids: list[str]
    ) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
        """Which of ``ids`` each rule matches (in batch order), and the matched articles' hits. If Elasticsearch
        refuses the combined search (a query it cannot run), each rule is searched alone and the bad one skipped."""
        chunks = _parts(ids, IDS_PER_SEARCH)
        searches = [(part, chunk) for part in _parts(rules, RULES_PER_SEARCH) for chunk in chunks]
        answers = await self._msearch(self.articles, [matching_body(part, chunk) for part, chunk in searches])
        refused = {r.id: r for (part, _), answer in zip(searches, answers, strict=True) if answer is None for r in part}
        alone = [(rule, chunk) for rule in refused.values() for chunk in chunks]
        answers += await self._alone(alone)
        order = {article_id: i for i, article_id in enumerate(ids)}
        matched: dict[str, set[str]] = {}
        hits: dict[str, dict[str, Any]] = {}
        for answer in answers:
            for hit in (answer or {}).get("hits", {}).get("hits", []):
                hits[hit["_id"]] = hit
                for rule_id in hit.get("matched_queries", []):
                    matched.setdefault(rule_id, set()).add(hit["_id"])
        return {rule_id: sorted(found, key=order.__getitem__) for rule_id, found in matched.items()}, hits

    async def _alone(self, searches: list[tuple[Rule, Sequence[str]]]) -> list[dict[str, Any] | None]:
        """The rules of a refused combined search, each on its own: the one Elasticsearch refuses again is
        skipped until it changes (logged once), the others keep firing."""
        answers = await self._msearch(self.articles, [matching_body([rule], chunk) for rule, chunk in searches])
        for (rule, _), answer in zip(searches, answers, strict=True):
            if answer is None and self._refused.get(rule.id) != rule_version(rule):
                self._refused[rule.id] = rule_version(rule)
                self._valid.pop(rule.id, None)
                log.error(
                    "volume rule %r (%s) is skipped until it changes: Elasticsearch refused it", rule.name, rule.id
                )
        return answers

    # spikes ------------------------------------------------------------------------------------------------

    async def _spikes(self, rules: list[Rule], end: datetime) -> list[tuple[Rule, SpikeCounts]]:
        if not rules:
            return []
        await self._load_last_spikes(rules)
        answers = await self._msearch(self.articles, [spike_body(rules, end)])
        if answers[0] is None:  # a query Elasticsearch cannot run: each rule alone, so the others still count
            answers = await self._msearch(self.articles, [spike_body([rule], end) for rule in rules])
        counted = {
            rule_id: c for answer in answers if answer is not None for rule_id, c in spike_counts(answer).items()
        }
        fired: list[tuple[Rule, SpikeCounts]] = []
        for rule in rules:
            assert rule.spike is not None
            counts = counted.get(rule.id)
            if counts is None:
                continue
            if not is_spike(rule.spike, counts) or not self._armed(rule, end):
                continue
            if rule.id not in self._last_spike or self._last_spike[rule.id][1] != end:
                self._last_spike[rule.id] = (keyed_alert_id(rule.id, "spike", spike_slot(rule.spike, end)), end)
            fired.append((rule, counts))
        return fired

    def _armed(self, rule: Rule, end: datetime) -> bool:
        """No spike alert of the rule yet, or its window ended a window ago, or it is this very alert again (the
        same batch retried must produce it again, so the ledger can republish what a crash did not)."""
        assert rule.spike is not None
        last = self._last_spike.get(rule.id)
        if last is None:
            return True
        alert_id, last_end = last
        if last_end == end and alert_id == keyed_alert_id(rule.id, "spike", spike_slot(rule.spike, end)):
            return True
        return (end - last_end).total_seconds() >= rule.spike.window_s

    async def _load_last_spikes(self, rules: list[Rule]) -> None:
        unknown = [r.id for r in rules if r.id not in self._spikes_loaded]
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
            response = None
        except (ApiError, TransportError) as exc:
            raise ServiceUnavailable(f"reading the last spike alerts failed ({type(exc).__name__})") from exc
        buckets = [] if response is None else response.body.get("aggregations", {}).get("rules", {}).get("buckets", [])
        for bucket in buckets:
            source = bucket["last"]["hits"]["hits"][0]["_source"]
            end = datetime.fromisoformat(str(source["window_end"]).replace("Z", "+00:00"))
            self._last_spike[str(bucket["key"])] = (str(source["alert_id"]), end)
        self._spikes_loaded.update(unknown)

    # first-seen --------------------------------------------------------------------------------------------

    async def _first_seen(
        self, rules: list[Rule], matched: dict[str, list[str]], hits: dict[str, dict[str, Any]], ids: list[str]
    ) -> list[tuple[Rule, Mention]]:
        if not rules:
            return []
        wanted = {ENTITY_KINDS[r.entity_type] for r in rules if r.entity_type}
        articles = dict.fromkeys(article_id for r in rules for article_id in matched[r.id])
        mentions = [m for article_id in articles for m in mentions_of(hits[article_id]) if m.type in wanted]
        if not mentions:
            return []
        mentions = [m for m in mentions if m.key not in self._known]
        if not mentions:
            return []
        earliest = await self._earliest(sorted({m.key for m in mentions}), ids)
        new = _new_keys(mentions, earliest)
        self._remember({m.key for m in mentions} - new)
        fresh = sorted((m for m in mentions if m.key in new), key=lambda m: (m.seen_at, m.article_id))
        fired: list[tuple[Rule, Mention]] = []
        for rule in rules:
            assert rule.entity_type is not None
            kind = ENTITY_KINDS[rule.entity_type]
            own = set(matched[rule.id])
            seen: set[str] = set()
            for mention in fresh:
                if mention.type == kind and mention.key not in seen and mention.article_id in own:
                    seen.add(mention.key)
                    fired.append((rule, mention))
        return fired

    def _remember(self, known: set[str]) -> None:
        """Keys mentioned before some batch stay known (a first appearance cannot move later): a cache, so the
        registry is asked only about keys this process has not seen known yet."""
        for key in known:
            self._known[key] = None
            self._known.move_to_end(key)
        while len(self._known) > KNOWN_KEYS:
            self._known.popitem(last=False)

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
                # no registry yet (404), or a query Elasticsearch cannot run (400): that rule is skipped
                log.warning("a volume rule search of %s was refused: %s", index, error.get("type"))
                answers.append(None)
            else:
                raise ServiceUnavailable(f"a volume rule search of {index} failed: {error.get('type')}")
        return answers


class _Articles:
    """The alert fields of each article that fired, read once however many rules it fired for."""

    def __init__(self, hits: dict[str, dict[str, Any]], now: datetime) -> None:
        self.hits = hits
        self.now = now
        self._alerts: dict[str, Alert] = {}

    def alert(self, rule: Rule, article_id: str) -> Alert:
        base = self._alerts.get(article_id)
        if base is None:
            base = self._alerts[article_id] = to_alert(rule, self.hits[article_id], self.now)
        return base.model_copy(update={"rule_id": rule.id, "rule_name": rule.name})


def _parts(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _new_keys(mentions: Sequence[Mention], earliest: dict[str, float]) -> set[str]:
    """Keys whose earliest mention in the batch is no later than their earliest mention outside it."""
    first_here: dict[str, float] = {}
    for mention in mentions:
        at = mention.seen_at
        first_here[mention.key] = min(at, first_here.get(mention.key, at))
    return {key for key, at in first_here.items() if key not in earliest or at <= earliest[key]}
