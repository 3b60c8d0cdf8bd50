"""The alerter's batch handler: searchable ids → rule matches → ledger → dispatcher and ``alerts`` topic.

Order matters for the guarantees: an alert is recorded (pending) before anyone may post it, so replicas
and replays post it once; it is handed to the dispatcher at once (the POST does not wait for Kafka); it is
marked published only after the broker acknowledged it on ``alerts``, so a crash in between republishes
it on the replay instead of losing it.

Per-story rules (:mod:`~wirewatch.services.alerter.stories`) keep one entry per rule and story: the first copy
is recorded and sent as above, later copies are joined to it, and a story that reached the rule's number of
sources fires one ``story_grew`` follow-up, recorded the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from elasticsearch import AsyncElasticsearch

from wirewatch.core import metrics
from wirewatch.core.kafka import Outgoing
from wirewatch.core.runner import Result
from wirewatch.core.stores.rules import RuleStore
from wirewatch.schemas import Alert, IndexedBatch, Rule
from wirewatch.services.alerter import stories
from wirewatch.services.alerter.channels import targets
from wirewatch.services.alerter.dispatch import Dispatcher
from wirewatch.services.alerter.ledger import Ledger
from wirewatch.services.alerter.matching import Match, Matcher
from wirewatch.services.alerter.volume import VolumeRules

Publish = Callable[[Sequence[Outgoing]], Awaitable[None]]


def now() -> datetime:
    return datetime.now(UTC)


class AlertHandler:
    def __init__(
        self,
        es: AsyncElasticsearch,
        *,
        articles: str,
        rules: RuleStore,
        ledger: Ledger,
        dispatcher: Dispatcher,
        alerts_topic: str,
        publish: Publish,
        volume: VolumeRules | None = None,
    ) -> None:
        self.es = es
        self.articles = articles
        self.rules = rules
        self.ledger = ledger
        self.dispatcher = dispatcher
        self.alerts_topic = alerts_topic
        self.publish = publish
        self.matcher = Matcher(es, articles)
        self.volume = volume

    async def __call__(self, batches: Sequence[IndexedBatch]) -> list[Result]:
        ids = list(dict.fromkeys(doc.id for batch in batches for doc in batch.docs))
        enabled = await self.rules.enabled()
        # only match rules fire per article or story; spike and first-seen rules fire on the live batches' volume
        match_rules = [r for r in enabled if r.kind == "match"]
        volume: list[Match]
        if self.volume is None:
            matches, volume = await self.matcher.match(match_rules, ids), []
        else:  # both only read Elasticsearch: side by side, so volume rules add no latency to article alerts
            matches, volume = await asyncio.gather(
                self.matcher.match(match_rules, ids), self.volume.evaluate(enabled, batches)
            )
        rules_by_id = {m.rule.id: m.rule for m in [*matches, *volume]}
        destinations = {rid: targets(rule) for rid, rule in rules_by_id.items()}
        # 1. article alerts and each story's first copy: recorded, then on their way before anything else
        story_plan = stories.plan(matches)
        recorded = await self.ledger.record([*story_plan.alerts, *(m.alert for m in volume)], destinations)
        self._submit(recorded.new, rules_by_id)
        observe_alerted(batches, recorded.new, now())
        # 2. later copies join their story's entry; a story that reached its rule's sources grows once
        joins = stories.to_join(story_plan, recorded.new)
        joined = await self.ledger.join(joins) if joins else {}
        grown = await self.ledger.record(stories.grew_alerts(joined.values(), rules_by_id, now()), destinations)
        self._submit(grown.new, rules_by_id)
        # 3. a story alert seen before is republished (if a crash lost it) as stored, not as this copy
        seen = [joined.get(a.alert_id, a) for a in [*recorded.seen, *grown.seen]]
        await self._announce([*recorded.new, *grown.new, *await self.ledger.unpublished(seen)])
        return [[] for _ in batches]

    def _submit(self, alerts: Sequence[Alert], rules: dict[str, Rule]) -> None:
        for alert in alerts:
            self.dispatcher.submit(alert, rules[alert.rule_id])

    async def _announce(self, alerts: list[Alert]) -> None:
        if alerts:
            await self.publish([Outgoing(self.alerts_topic, a.alert_id, a.to_bytes()) for a in alerts])
            await self.ledger.published(alerts)


def observe_alerted(batches: Sequence[IndexedBatch], alerts: Sequence[Alert], at: datetime) -> None:
    """The hops ending at ``alerted`` for each live article that fired a new alert (once per article)."""
    found = {doc.id: (doc.timeline, batch.lane) for batch in batches for doc in batch.docs}
    for article_id in dict.fromkeys(a.article_id for a in alerts if a.article_id is not None):
        if article_id in found:
            timeline, lane = found[article_id]
            metrics.observe_hops(timeline.stamped(alerted=at), "alerted", lane)
