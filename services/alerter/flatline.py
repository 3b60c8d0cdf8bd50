"""Flatline rules: a feed (``rule.flatline.feed_id``) or a query that has had nothing new for the window.

Silence is an absence, which no batch announces, so this is the alerter's one timer: each tick asks
Elasticsearch, in one multi-search for every flatline rule, for the newest ``fetched_at`` of the articles the
rule watches (the feed's, or the query's). A rule whose newest item (else, for a feed, when it was added to
the feeds store; else when the rule was created) is older than its window fires. The tick runs every
quarter of the shortest window (between :data:`MIN_TICK_S` and :data:`MAX_TICK_S`): a handful of size-0
searches a minute, whatever the number of articles.

*Once per silence*: the alert id is keyed on the rule and the time of the last item, so a silence fires once
(a restart or a replica computes the same id and the ledger turns it away), and the next silence, after
items arrived again, has a new last item and fires again. The alert names the feed's last poll error, if the
feed store has one, since a silent feed is often a broken one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch

from wirewatch.core.errors import ServiceUnavailable
from wirewatch.core.kafka import Outgoing
from wirewatch.core.query import build_query
from wirewatch.core.stores.feeds import FeedHealth
from wirewatch.schemas import Alert, Rule, keyed_alert_id
from wirewatch.services.alerter.channels import targets
from wirewatch.services.alerter.dispatch import Dispatcher
from wirewatch.services.alerter.ledger import Ledger
from wirewatch.services.alerter.matching import Match, rule_filters

log = logging.getLogger(__name__)

MIN_TICK_S = 0.5
MAX_TICK_S = 60.0
TIME_FIELD = "fetched_at"

Clock = Callable[[], datetime]
Rules = Callable[[], Awaitable[list[Rule]]]
Fire = Callable[[list[Match]], Awaitable[None]]
Publish = Callable[[Sequence[Outgoing]], Awaitable[None]]


def utcnow() -> datetime:
    return datetime.now(UTC)


def tick_s(rules: Sequence[Rule]) -> float:
    """How long to sleep between checks: a quarter of the shortest window, bounded."""
    windows = [r.flatline.window_s for r in rules if r.flatline is not None]
    return min(MAX_TICK_S, max(MIN_TICK_S, min(windows, default=MAX_TICK_S * 4) / 4))


def newest_body(rule: Rule) -> dict[str, Any]:
    """The newest fetch time of what the rule watches: the feed's articles (and the query's, if it has one)."""
    assert rule.flatline is not None
    query = build_query(rule.query, rule_filters(rule, []))
    if rule.flatline.feed_id:
        query["bool"]["filter"] = [*query["bool"]["filter"], {"term": {"feed_id": rule.flatline.feed_id}}]
    return {"size": 0, "track_total_hits": False, "query": query, "aggs": {"newest": {"max": {"field": TIME_FIELD}}}}


def flatline_alert(rule: Rule, last: datetime, now: datetime, health: FeedHealth | None) -> Alert:
    assert rule.flatline is not None
    what = f"feed {rule.flatline.feed_id}" if rule.flatline.feed_id else f"query {rule.query!r}"
    why = None
    if health is not None and health.last_error_class:
        why = f"last poll error: {health.last_error_class}" + (f" ({health.last_error})" if health.last_error else "")
    return Alert(
        alert_id=keyed_alert_id(rule.id, "flatline", last.isoformat()),
        rule_id=rule.id,
        rule_name=rule.name,
        kind="flatline",
        matched_at=now,
        title=f"nothing new from {what} since {last.isoformat(timespec='seconds')}",
        snippet=why,
        count=0,
        window_start=last,
        window_end=now,
    )


class FlatlineWatch:
    """Checks every flatline rule on a timer and fires those gone silent (through ``fire``)."""

    def __init__(
        self, es: AsyncElasticsearch, *, articles: str, feeds: str, rules: Rules, fire: Fire, clock: Clock = utcnow
    ) -> None:
        self.es = es
        self.articles = articles
        self.feeds = feeds
        self.rules = rules
        self.fire = fire
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            rules: list[Rule] = []
            try:
                rules = self._flatlines(await self.rules())
                if rules:
                    await self.fire(await self.check(rules))
            except Exception:
                log.exception("the flatline check failed; it runs again at the next tick")
            await asyncio.sleep(tick_s(rules))

    @staticmethod
    def _flatlines(rules: Sequence[Rule]) -> list[Rule]:
        return [r for r in rules if r.kind == "flatline" and r.flatline is not None]

    async def check(self, rules: Sequence[Rule]) -> list[Match]:
        """The alerts of the flatline rules among ``rules`` that are silent now."""
        rules = self._flatlines(rules)
        if not rules:
            return []
        now = self.clock()
        newest = await self._newest(rules)
        feeds = await self._feeds([r.flatline.feed_id for r in rules if r.flatline and r.flatline.feed_id])
        fired: list[Match] = []
        for rule, last in zip(rules, newest, strict=True):
            assert rule.flatline is not None
            feed = feeds.get(rule.flatline.feed_id or "")
            since = last or (feed[0] if feed else None) or rule.created_at
            if now - since >= timedelta(seconds=rule.flatline.window_s):
                fired.append(Match(rule, flatline_alert(rule, since, now, feed[1] if feed else None)))
        return fired

    async def _newest(self, rules: Sequence[Rule]) -> list[datetime | None]:
        searches = [line for rule in rules for line in ({"index": self.articles}, newest_body(rule))]
        try:
            response = await self.es.msearch(searches=searches)
        except (ApiError, TransportError) as exc:
            raise ServiceUnavailable(f"the flatline searches failed ({type(exc).__name__})") from exc
        newest: list[datetime | None] = []
        for rule, answer in zip(rules, response.body["responses"], strict=True):
            if "error" in answer:
                log.warning("the flatline search of rule %r was refused: %s", rule.name, answer["error"].get("type"))
                newest.append(None)
                continue
            value = answer["aggregations"]["newest"].get("value")
            newest.append(None if value is None else datetime.fromtimestamp(value / 1000, UTC))
        return newest

    async def _feeds(self, feed_ids: list[str]) -> dict[str, tuple[datetime | None, FeedHealth]]:
        """When each feed was added, and its health (read as stored: no secret is opened)."""
        if not feed_ids:
            return {}
        fields = ["added_at", *FeedHealth.model_fields]
        try:
            response = await self.es.options(ignore_status=404).mget(
                index=self.feeds, ids=list(dict.fromkeys(feed_ids)), source_includes=fields
            )
        except (ApiError, TransportError) as exc:
            raise ServiceUnavailable(f"reading the feeds of flatline rules failed ({type(exc).__name__})") from exc
        found: dict[str, tuple[datetime | None, FeedHealth]] = {}
        for doc in response.body.get("docs", []):
            if doc.get("found"):
                source = doc["_source"]
                added = source.get("added_at")
                when = datetime.fromisoformat(added.replace("Z", "+00:00")) if added else None
                found[doc["_id"]] = (when, FeedHealth.model_validate(source))
        return found


def announcer(ledger: Ledger, dispatcher: Dispatcher, publish: Publish, alerts_topic: str) -> Fire:
    """What the flatline watch does with its alerts: as the batch handler does (ledger, dispatcher, topic)."""

    async def fire(matches: list[Match]) -> None:
        if not matches:
            return
        rules = {m.rule.id: m.rule for m in matches}
        recorded = await ledger.record([m.alert for m in matches], {rid: targets(r) for rid, r in rules.items()})
        for alert in recorded.new:
            dispatcher.submit(alert, rules[alert.rule_id])
        alerts = [*recorded.new, *await ledger.unpublished(recorded.seen)]
        if alerts:
            await publish([Outgoing(alerts_topic, a.alert_id, a.to_bytes()) for a in alerts])
            await ledger.published(alerts)

    return fire
