"""Volume rules evaluated on each live batch of ``articles.indexed``: spikes and first-seen entities.

A batch costs at most three searches whatever the number of rules: one finds which volume rules match which
of the batch's articles (each rule a named clause; it also reads the articles' entities), then, at once, one
counts every matching spike rule's window and baseline (a ``filters`` aggregation) and one asks the entity
registry about the batch's entities. Backfill batches are never evaluated (a backfill is history, not news).
A query Wirewatch refuses is skipped (logged once per version); one Elasticsearch refuses makes the combined
search fall back to one search per rule, so one bad rule never silences the others. What they decide on is
read from Elasticsearch, so a restart or a replica decides the same (the two caches below only save work):

- **spike** (``rule.spike``, ``spikes.py``): the rule's matches in the window ending at the batch's newest fetch
  time against the baseline rate; one alert per window.
- **first-seen** (``rule.entity_type``, ``first_seen.py``): an entity of that type, named in an article matching
  the rule, whose earliest mention in the entity registry is in this batch; one alert per entity, ever. Keys
  found to have an earlier mention are remembered (:data:`KNOWN_KEYS` of them), so the registry is asked only
  about keys this process has not yet seen known.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError

from wirewatch.core.errors import ServiceUnavailable
from wirewatch.core.query import QueryError, build_query, validate_query
from wirewatch.schemas import ENTITY_KINDS, Alert, IndexedBatch, Rule, keyed_alert_id
from wirewatch.services.alerter.first_seen import (
    Mention,
    earliest_body,
    first_mentions,
    first_seen_alert,
    mentions_of,
    new_keys,
)
from wirewatch.services.alerter.matching import SOURCE_FIELDS, Match, rule_filters, rule_version, to_alert
from wirewatch.services.alerter.spikes import (
    SpikeCounts,
    is_spike,
    last_spikes,
    last_spikes_body,
    spike_alert,
    spike_body,
    spike_counts,
    spike_slot,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

#: entity keys remembered as known (seen before some batch): never new again, so never asked about again
KNOWN_KEYS = 100_000
#: article ids per matching search: far below the index's 10,000 hits of one page
IDS_PER_SEARCH = 1000
#: rules per matching search (each a named clause), well under Elasticsearch's clause limit
RULES_PER_SEARCH = 200
#: what the matching search reads of each article: the alert's fields, and the entities for first-seen rules
ARTICLE_FIELDS = [*SOURCE_FIELDS, "fetched_at", "entities.key", "entities.name", "entities.type", "entities.count"]


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
        try:
            response = await self.es.search(index=self.alerts, **last_spikes_body(unknown))
        except NotFoundError:
            response = None
        except (ApiError, TransportError) as exc:
            raise ServiceUnavailable(f"reading the last spike alerts failed ({type(exc).__name__})") from exc
        self._last_spike.update(last_spikes(None if response is None else response.body))
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
        new = new_keys(mentions, earliest)
        self._remember({m.key for m in mentions} - new)
        return first_mentions(rules, matched, [m for m in mentions if m.key in new])

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
