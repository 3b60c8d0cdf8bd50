"""Alerter worker: ``articles.indexed`` → rules (``<prefix>-rules``) → ledger (``<prefix>-alerts``) →
signed webhooks, and every new alert on ``alerts``. Failed deliveries go to ``deadletters``."""

from __future__ import annotations

from functools import partial

import aiohttp
from wirewatch.schemas import DeadLetter, IndexedBatch
from wirewatch.services.alerter.delivery import DeliveryPolicy, Limiter, WebhookSender
from wirewatch.services.alerter.dispatch import Dispatcher
from wirewatch.services.alerter.handler import AlertHandler
from wirewatch.services.alerter.ledger import Ledger
from wirewatch.services.alerter.rules import RuleStore
from wirewatch.services.alerter.settings import AlerterSettings

from wirewatch.core import worker
from wirewatch.core.es import make_es
from wirewatch.core.kafka import Outgoing, app_topic, make_app, send_all
from wirewatch.core.runner import BatchRunner

settings = AlerterSettings()
app = make_app("alerter", settings)
indexed_topic = app_topic(app, settings, "articles.indexed")
DEADLETTERS = settings.topic_name("deadletters")


async def _dead_letter(letter: DeadLetter) -> None:
    await send_all(app, [Outgoing(DEADLETTERS, letter.stage, letter.to_bytes())])


@app.agent(indexed_topic, concurrency=1)
async def evaluate_rules(stream):  # type: ignore[no-untyped-def]
    es = make_es(settings)
    rules = RuleStore(es, settings.index_name("rules"), ttl_s=settings.alerter_rules_ttl_s)
    ledger = Ledger(es, settings.index_name("alerts"), claim_s=settings.alerter_claim_s)
    policy = DeliveryPolicy(
        settings.alerter_attempts,
        settings.alerter_backoff_s,
        settings.alerter_backoff_max_s,
        settings.alerter_timeout_s,
    )
    # one destination may hold a quarter of the POST slots, so a hanging receiver never starves the rest
    limiter = Limiter(settings.alerter_concurrency, max(1, settings.alerter_concurrency // 4))
    connector = aiohttp.TCPConnector(limit=settings.alerter_concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        dispatcher = Dispatcher(
            WebhookSender(session, policy, limiter), ledger, rules=rules.get, dead_letter=_dead_letter
        )
        dispatcher.start()
        handler = AlertHandler(
            es,
            articles=settings.index_name("articles"),
            rules=rules,
            ledger=ledger,
            dispatcher=dispatcher,
            alerts_topic=settings.topic_name("alerts"),
            publish=partial(send_all, app),
        )
        runner = BatchRunner(
            stage="alerter",
            model=IndexedBatch,
            handler=handler,
            send=partial(send_all, app),
            deadletter_topic=DEADLETTERS,
        )
        try:
            # a batch closes after 50 ms at the latest: the matcher runs per batch, not per article
            await worker.drain(stream, runner, max_batch=50, within_s=0.05)
        finally:
            await dispatcher.stop()
            await es.close()


def main() -> None:
    worker.run(app, settings)


if __name__ == "__main__":
    main()
