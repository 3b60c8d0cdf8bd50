"""The alerter's batch handler: searchable ids → rule matches → ledger → dispatcher and ``alerts`` topic."""

from __future__ import annotations

from collections.abc import Sequence

from elasticsearch import AsyncElasticsearch

from schemas import IndexedBatch
from services.alerter.dispatch import Dispatcher
from services.alerter.ledger import Ledger
from services.alerter.matching import match
from services.alerter.rules import RuleStore
from wirewatch.kafka import Outgoing
from wirewatch.stage import Result


class AlertHandler:
    def __init__(self, es: AsyncElasticsearch, *, articles: str, rules: RuleStore, ledger: Ledger,
                 dispatcher: Dispatcher, alerts_topic: str) -> None:
        self.es = es
        self.articles = articles
        self.rules = rules
        self.ledger = ledger
        self.dispatcher = dispatcher
        self.alerts_topic = alerts_topic

    async def __call__(self, batches: Sequence[IndexedBatch]) -> list[Result]:
        ids = list(dict.fromkeys(doc.id for batch in batches for doc in batch.docs))
        rules = await self.rules.enabled()
        matches = await match(self.es, self.articles, rules, ids)
        rules_by_id = {m.rule.id: m.rule for m in matches}
        destinations = {rid: rule.webhooks for rid, rule in rules_by_id.items()}
        new = await self.ledger.record([m.alert for m in matches], destinations)
        for alert in new:
            self.dispatcher.submit(alert, rules_by_id[alert.rule_id])
        published = [Outgoing(self.alerts_topic, a.alert_id, a.to_bytes()) for a in new]
        return [published, *([[]] * (len(batches) - 1))]
