"""Delivery runs beside the stream, not inside it: a matched alert is recorded as pending in the ledger
(durable), the input offset can move on, and a pool of senders posts it. A slow or dead receiver delays
only its own alerts; leases let another replica finish what a dead one left pending."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from schemas import Alert, DeadLetter, Rule
from services.alerter.delivery import WebhookSender
from services.alerter.ledger import Ledger

log = logging.getLogger(__name__)

DeadLetterSink = Callable[[DeadLetter], Awaitable[None]]
RuleLookup = Callable[[str], Awaitable[Rule | None]]


class Dispatcher:
    def __init__(self, sender: WebhookSender, ledger: Ledger, *, rules: RuleLookup,
                 dead_letter: DeadLetterSink, concurrency: int) -> None:
        self.sender = sender
        self.ledger = ledger
        self.rules = rules
        self.dead_letter = dead_letter
        self.queue: asyncio.Queue[tuple[Alert, Rule]] = asyncio.Queue()
        self.concurrency = concurrency
        self.delivered = 0
        self.failed = 0
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.concurrency)]
        self._tasks.append(asyncio.create_task(self._resume_stale()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def submit(self, alert: Alert, rule: Rule) -> None:
        self.queue.put_nowait((alert, rule))

    async def _work(self) -> None:
        while True:
            alert, rule = await self.queue.get()
            try:
                await self._deliver(alert, rule)
            except Exception:
                log.exception("delivery of alert %s crashed; its lease will expire and it is retried",
                              alert.alert_id)
            finally:
                self.queue.task_done()

    async def _deliver(self, alert: Alert, rule: Rule) -> None:
        errors: list[str] = []
        attempts = 0
        for url in rule.webhooks:
            result = await self.sender.deliver(url, alert, rule)
            attempts = max(attempts, result.attempts)
            if not result.ok:
                errors.append(f"{url}: {result.error} after {result.attempts} attempts")
        if errors:
            self.failed += 1
            reason = "; ".join(errors)
            await self.dead_letter(_alert_dead_letter(alert, reason))
            await self.ledger.finish(alert.alert_id, status="failed", attempts=attempts, error=reason)
            log.warning("alert %s for rule %r dead-lettered: %s", alert.alert_id, rule.name, reason)
        else:
            self.delivered += 1
            await self.ledger.finish(alert.alert_id, status="delivered", attempts=attempts)

    async def _resume_stale(self, every_s: float = 15.0) -> None:
        while True:
            for alert in await self.ledger.claim_stale():
                rule = await self.rules(alert.rule_id)
                if rule is not None:
                    self.submit(alert, rule)
            await asyncio.sleep(every_s)


def _alert_dead_letter(alert: Alert, reason: str) -> DeadLetter:
    return DeadLetter(stage="alerter", key=alert.alert_id, payload_b64=base64.b64encode(alert.to_bytes()).decode(),
                      error_class="DeliveryFailed", reason=reason, failed_at=datetime.now(UTC),
                      item_id=alert.article_id)
