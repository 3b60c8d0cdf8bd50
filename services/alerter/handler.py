"""The alerter's batch handler: searchable ids → rule matches → ledger → dispatcher and ``alerts`` topic.

Order matters for the guarantees: an alert is recorded (pending) before anyone may post it, so replicas
and replays post it once; it is handed to the dispatcher at once (the POST does not wait for Kafka); it is
marked published only after the broker acknowledged it on ``alerts``, so a crash in between republishes
it on the replay instead of losing it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from elasticsearch import AsyncElasticsearch

from wirewatch.core.kafka import Outgoing
from wirewatch.core.runner import Result
from wirewatch.core.stores.rules import RuleStore
from wirewatch.schemas import Alert, IndexedBatch
from wirewatch.services.alerter.dispatch import Dispatcher
from wirewatch.services.alerter.ledger import Ledger
from wirewatch.services.alerter.matching import Matcher

Publish = Callable[[Sequence[Outgoing]], Awaitable[None]]


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
    ) -> None:
        self.es = es
        self.articles = articles
        self.rules = rules
        self.ledger = ledger
        self.dispatcher = dispatcher
        self.alerts_topic = alerts_topic
        self.publish = publish
        self.matcher = Matcher(es, articles)

    async def __call__(self, batches: Sequence[IndexedBatch]) -> list[Result]:
        ids = list(dict.fromkeys(doc.id for batch in batches for doc in batch.docs))
        matches = await self.matcher.match(await self.rules.enabled(), ids)
        rules_by_id = {m.rule.id: m.rule for m in matches}
        recorded = await self.ledger.record(
            [m.alert for m in matches], {rid: rule.webhooks for rid, rule in rules_by_id.items()}
        )
        for alert in recorded.new:
            self.dispatcher.submit(alert, rules_by_id[alert.rule_id])
        await self._announce([*recorded.new, *await self.ledger.unpublished(recorded.seen)])
        return [[] for _ in batches]

    async def _announce(self, alerts: list[Alert]) -> None:
        if alerts:
            await self.publish([Outgoing(self.alerts_topic, a.alert_id, a.to_bytes()) for a in alerts])
            await self.ledger.published(alerts)
