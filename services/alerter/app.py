"""Alerter worker: ``articles.indexed`` → rules (``<prefix>-rules``) → ledger (``<prefix>-alerts``) →
signed webhooks, Teams cards and e-mails (SMTP), and every new alert on ``alerts``. Failed deliveries go to
``deadletters``. The topics come from the ``alerter`` entry of ``STAGES``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from wirewatch.core import worker
from wirewatch.core.es import make_es
from wirewatch.core.kafka import Outgoing, make_app, send_all
from wirewatch.core.outbound import policy_for
from wirewatch.core.runner import BatchRunner
from wirewatch.core.stageapp import declare_agents, stage_runner
from wirewatch.core.stores.rules import RuleStore
from wirewatch.schemas import DeadLetter, IndexedBatch, Lane, stage
from wirewatch.services.alerter.delivery import DeliveryPolicy, Limiter, WebhookSender
from wirewatch.services.alerter.dispatch import Dispatcher
from wirewatch.services.alerter.flatline import FlatlineWatch, announcer
from wirewatch.services.alerter.handler import AlertHandler
from wirewatch.services.alerter.ledger import Ledger
from wirewatch.services.alerter.mail import MailSender
from wirewatch.services.alerter.settings import AlerterSettings
from wirewatch.services.alerter.volume import VolumeRules

STAGE = stage("alerter")
settings = AlerterSettings()
app = make_app(STAGE.name, settings)
DEADLETTERS = settings.topic_name(STAGE.deadletters)


async def _dead_letter(letter: DeadLetter) -> None:
    await send_all(app, [Outgoing(DEADLETTERS, letter.stage, letter.to_bytes())])


@asynccontextmanager
async def runner_for(lane: Lane) -> AsyncIterator[BatchRunner[IndexedBatch]]:
    """The rule matcher with its Elasticsearch client, rule cache, ledger and webhook dispatcher."""
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
    # every POST (webhooks, chat) goes through the installation's outbound address policy
    addresses = policy_for(settings)
    sender = WebhookSender(policy, limiter, addresses=addresses, connections=settings.alerter_concurrency)
    # e-mails: the SMTP host is resolved and checked against the same policy before every connection
    mailer = MailSender(settings.smtp_server(), policy, limiter, addresses=addresses)
    async with sender:
        dispatcher = Dispatcher(sender, ledger, rules=rules.get, dead_letter=_dead_letter, mailer=mailer)
        dispatcher.start()
        handler = AlertHandler(
            es,
            articles=settings.index_name("articles"),
            rules=rules,
            ledger=ledger,
            dispatcher=dispatcher,
            alerts_topic=settings.topic_name(STAGE.output),
            publish=partial(send_all, app),
            volume=VolumeRules(
                es,
                articles=settings.index_name("articles"),
                mentions=settings.index_name("entity-mentions"),
                alerts=settings.index_name("alerts"),
            ),
        )
        # silence is the one thing no batch announces: flatline rules are checked on a timer
        flatlines = FlatlineWatch(
            es,
            articles=settings.index_name("articles"),
            feeds=settings.index_name("feeds"),
            rules=rules.enabled,
            fire=announcer(ledger, dispatcher, partial(send_all, app), settings.topic_name(STAGE.output)),
        )
        flatlines.start()
        try:
            yield stage_runner(app, settings, STAGE, IndexedBatch, handler)
        finally:
            await flatlines.stop()
            await dispatcher.stop()
            await es.close()


agents = declare_agents(app, settings, STAGE.name, runner_for)


def main() -> None:
    worker.run(app, settings)


if __name__ == "__main__":
    main()
