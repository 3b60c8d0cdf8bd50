"""Delivery runs beside the stream, not inside it: a matched alert is recorded as pending in the ledger
(durable), the input offset can move on, and the alert is posted by its own task. A slow or dead receiver
delays only its own alerts (the sender's limiter caps what one destination may hold); leases let another
replica finish what a dead one left pending; a loop sends the digests of throttled rules when they fall due,
and those of digest rules at their scheduled time (:mod:`~wirewatch.services.alerter.digests`). The clock is
injected (``clock``), so tests choose when a digest is due.
Each destination of a rule (webhooks, Teams, e-mail: :mod:`~wirewatch.services.alerter.couriers`) is delivered
and fails on its own, with a dead letter per failed destination. Failures name a webhook by
:func:`~wirewatch.core.redaction.destination` (redacted URL and fingerprint) in the log, the ledger and the
dead letter: the URL itself is the receiver's credential.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from wirewatch.core import metrics
from wirewatch.core.deadletters import dead_letter
from wirewatch.schemas import Alert, DeadLetter, Rule
from wirewatch.services.alerter.bodies import alert_envelope, digest_envelope, make_digest, scheduled_digest_id
from wirewatch.services.alerter.couriers import Couriers, failure
from wirewatch.services.alerter.delivery import Envelope, WebhookSender
from wirewatch.services.alerter.digests import DigestQueue
from wirewatch.services.alerter.errors import DeliveryFailed
from wirewatch.services.alerter.ledger import Ledger, outcome
from wirewatch.services.alerter.mail import MailSender
from wirewatch.services.alerter.schedule import Schedule, parse_schedule
from wirewatch.services.alerter.throttle import Clock, Throttler, utcnow

log = logging.getLogger(__name__)

#: how often delivery outcomes are written to the ledger
OUTCOMES_EVERY_S = 0.2

DeadLetterSink = Callable[[DeadLetter], Awaitable[None]]
RuleLookup = Callable[[str], Awaitable[Rule | None]]


class Dispatcher:
    def __init__(
        self,
        sender: WebhookSender,
        ledger: Ledger,
        *,
        rules: RuleLookup,
        dead_letter: DeadLetterSink,
        throttler: Throttler | None = None,
        resume_every_s: float = 15.0,
        digest_every_s: float = 1.0,
        clock: Clock = utcnow,
        digests: DigestQueue | None = None,
        mailer: MailSender | None = None,
    ) -> None:
        self.sender = sender
        self.couriers = Couriers(sender, mailer)
        self.ledger = ledger
        self.rules = rules
        self.dead_letter = dead_letter
        self.clock = clock
        self.throttler = throttler or Throttler(ledger.window_of, clock)
        self.digests = digests or DigestQueue(ledger.es, ledger.index, claim_s=ledger.claim_s, clock=clock)
        self.resume_every_s = resume_every_s
        self.digest_every_s = digest_every_s
        self.delivered = 0
        self.failed = 0
        self.held = 0
        self._loops: list[asyncio.Task[None]] = []
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._outcomes: list[tuple[str, dict[str, Any]]] = []
        self._owned: dict[str, list[str]] = {}  # task key → the alerts it holds a lease on
        self._digests = 0
        self._last_due: dict[str, datetime] = {}  # rule id → due instant of the last digest this process sent
        self._sending: set[tuple[str, datetime]] = set()  # (rule id, due instant) of digests on their way

    def start(self) -> None:
        self._loops = [
            asyncio.create_task(self._every(self.resume_every_s, self.resume_stale)),
            asyncio.create_task(self._every(self.digest_every_s, self.flush_digests)),
            asyncio.create_task(self._every(OUTCOMES_EVERY_S, self.flush_outcomes)),
        ]

    async def stop(self) -> None:
        """Cancel everything; alerts still on their way are released so the next alerter resumes them."""
        unfinished = [aid for key, task in self._inflight.items() if not task.done() for aid in self._owned[key]]
        tasks = [*self._loops, *self._inflight.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            await self.flush_outcomes()
            await self.ledger.release(unfinished)
        except Exception:
            log.exception("could not release %d pending alerts; they resume when their lease expires", len(unfinished))

    async def idle(self) -> None:
        """Wait until no alert is on its way (tests and benchmarks)."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight.values()), return_exceptions=True)

    def submit(self, alert: Alert, rule: Rule) -> None:
        if alert.alert_id in self._inflight:
            return
        self._spawn(alert.alert_id, [alert.alert_id], self._handle(alert, rule))

    def _spawn(self, key: str, alert_ids: list[str], work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._inflight[key] = task
        self._owned[key] = alert_ids
        task.add_done_callback(lambda _: self._done(key))

    def _done(self, key: str) -> None:
        self._inflight.pop(key, None)
        self._owned.pop(key, None)

    async def _handle(self, alert: Alert, rule: Rule) -> None:
        try:
            schedule = _schedule_of(rule)
            if schedule is not None:
                await self.digests.hold([alert.alert_id], schedule.next_due(self.clock()))
                self.held += 1
                return
            due = await self.throttler.admit(rule)
            if due is not None:
                await self.ledger.hold([alert.alert_id], due)
                self.held += 1
                return
            await self._send(rule, alert_envelope(alert, rule), [alert], item_id=alert.article_id or alert.alert_id)
        except Exception:
            log.exception(
                "delivery of alert %s (rule %r) crashed; it is retried when its lease expires",
                alert.alert_id,
                rule.name,
            )

    async def _send(
        self, rule: Rule, envelope: Envelope, alerts: list[Alert], *, item_id: str, digest_id: str | None = None
    ) -> None:
        """Deliver one envelope to every destination of the rule, each on its own (its own retries, its own dead
        letter), then record the outcome for its alerts: delivered, or failed naming what failed (and what not)."""
        ids = [a.alert_id for a in alerts]
        results = await self.couriers.deliver_all(rule, envelope)
        attempts = max((r.attempts for _, r in results), default=0)
        errors = [failure(target, r) for target, r in results if not r.ok]
        if not errors:
            metrics.ALERT_DELIVERIES.labels("delivered").inc(len(alerts))
            self.delivered += len(alerts)
            self._record(ids, outcome("delivered", attempts, digest_id=digest_id))
            return
        metrics.ALERT_DELIVERIES.labels("failed").inc(len(alerts))
        self.failed += len(alerts)
        for error in errors:  # one dead letter per failed destination, each naming it (redacted)
            await self.dead_letter(delivery_dead_letter(envelope, error, item_id))
        delivered = [target.name for target, r in results if r.ok]
        reason = "; ".join(errors) + (f" (delivered to {', '.join(delivered)})" if delivered else "")
        self._record(ids, outcome("failed", attempts, reason, digest_id))
        log.warning("delivery %s for rule %r dead-lettered: %s", envelope.delivery_id, rule.name, reason)

    def _record(self, alert_ids: list[str], doc: dict[str, Any]) -> None:
        self._outcomes += [(alert_id, doc) for alert_id in alert_ids]

    async def flush_outcomes(self) -> None:
        """Write the outcomes gathered since the last flush in one bulk request. Written behind, not per
        alert: at hundreds of alerts a second, one request each would queue up in front of the POSTs. A
        crash before the flush leaves those alerts pending, and they are posted again (at least once)."""
        batch, self._outcomes = self._outcomes, []
        try:
            await self.ledger.apply(batch)
        except Exception:
            self._outcomes = batch + self._outcomes
            raise

    async def _every(self, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        while True:
            try:
                await job()
            except Exception:
                log.exception("alerter background job %s failed; retrying in %.0fs", job.__name__, seconds)
            await asyncio.sleep(seconds)

    async def resume_stale(self) -> None:
        """Deliver pending alerts whose replica died (or stopped) before finishing them."""
        for alert in await self.ledger.claim_stale():
            rule = await self.rules(alert.rule_id)
            if rule is None:
                await self.ledger.finish([alert.alert_id], status="failed", attempts=0, error="rule removed")
            else:
                self.submit(alert, rule)

    async def flush_digests(self) -> None:
        """Send one digest per throttled rule whose held alerts are due, and one per digest rule and due instant."""
        by_rule: defaultdict[str, list[Alert]] = defaultdict(list)
        for alert in await self.ledger.claim_due():
            by_rule[alert.rule_id].append(alert)
        for rule_id, alerts in by_rule.items():
            self._digests += 1
            self._spawn(f"digest:{self._digests}", [a.alert_id for a in alerts], self._flush_rule(rule_id, alerts))
        scheduled: defaultdict[tuple[str, datetime], list[Alert]] = defaultdict(list)
        for held in await self.digests.claim_due():
            scheduled[held.alert.rule_id, held.due].append(held.alert)
        for (rule_id, due), alerts in scheduled.items():
            self._digests += 1
            work = self._flush_scheduled(rule_id, due, alerts)
            self._spawn(f"digest:{self._digests}", [a.alert_id for a in alerts], work)

    async def _flush_rule(self, rule_id: str, alerts: list[Alert]) -> None:
        ids = [a.alert_id for a in alerts]
        try:
            rule = await self.rules(rule_id)
            if rule is None:
                await self.ledger.finish(ids, status="failed", attempts=0, error="rule removed")
                return
            later = await self.throttler.flush_at(rule)
            if later is not None:
                await self.ledger.hold(ids, later)
                return
            now = self.clock()
            await self.throttler.sent(rule, now)  # the digest opens the next window as it leaves
            digest = make_digest(rule, alerts, now)
            await self._send(rule, digest_envelope(digest, rule), alerts, item_id=rule.id, digest_id=digest.digest_id)
        except Exception:
            log.exception("digest of rule %s crashed; it is retried when its lease expires", rule_id)

    async def _flush_scheduled(self, rule_id: str, due: datetime, alerts: list[Alert]) -> None:
        """The digest of one digest rule due at ``due``. Alerts held for a due instant whose digest already went
        out (they were held while it was being sent) wait for the next one instead: never lost, never a second
        message under the same id."""
        ids = [a.alert_id for a in alerts]
        try:
            rule = await self.rules(rule_id)
            if rule is None:
                await self.ledger.finish(ids, status="failed", attempts=0, error="rule removed")
                return
            schedule = _schedule_of(rule)
            digest_id = scheduled_digest_id(rule.id, due)
            if schedule is not None and await self._went_out(rule.id, due, digest_id):
                await self.digests.hold(ids, schedule.next_due(self.clock()))
                return
            digest = make_digest(rule, alerts, due, digest_id=digest_id, schedule=rule.digest)
            self._sending.add((rule.id, due))
            try:
                await self._send(rule, digest_envelope(digest, rule), alerts, item_id=rule.id, digest_id=digest_id)
                self._last_due[rule.id] = max(due, self._last_due.get(rule.id, due))
            finally:
                self._sending.discard((rule.id, due))
        except Exception:
            log.exception("digest of rule %s due %s crashed; it is retried when its lease expires", rule_id, due)

    async def _went_out(self, rule_id: str, due: datetime, digest_id: str) -> bool:
        """Whether the digest due at ``due`` is on its way or went out already: from this process, or from any
        (the ledger says). A digest that crashed before it was sent is not: its retry carries the same id."""
        last = self._last_due.get(rule_id)
        if (rule_id, due) in self._sending or (last is not None and due <= last):
            return True
        return await self.digests.carried(digest_id)


def _schedule_of(rule: Rule) -> Schedule | None:
    """The rule's digest schedule; None for a rule without one (or one stored with a spec that does not parse:
    its alerts go out at once rather than wait for a time that never comes)."""
    if not rule.digest:
        return None
    try:
        return parse_schedule(rule.digest, rule.timezone)
    except ValueError as exc:
        log.error("rule %r: %s; its alerts are sent at once", rule.name, exc)
        return None


def delivery_dead_letter(envelope: Envelope, reason: str, item_id: str) -> DeadLetter:
    """The envelope's body, keyed by its delivery id (``dlq replay`` sets the alert back to pending)."""
    error = DeliveryFailed(reason, delivery_id=envelope.delivery_id)
    return dead_letter("alerter", error, envelope.body, key=envelope.delivery_id, item_id=item_id)
