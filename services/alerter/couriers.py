"""Who carries each destination of a rule: webhooks and Teams by HTTP POST (:class:`WebhookSender`), e-mail
by SMTP (:class:`MailSender`). Every destination of a delivery is sent at once and on its own: its own
attempts and backoff and its own limiter slot, so one dead receiver neither delays nor fails the others;
the caller gets one result per destination and dead-letters each failure by itself.
"""

from __future__ import annotations

import asyncio

from wirewatch.core.redaction import scrub
from wirewatch.schemas import Rule
from wirewatch.services.alerter.channels import Destination, destinations_of
from wirewatch.services.alerter.delivery import DeliveryResult, Envelope, WebhookSender
from wirewatch.services.alerter.mail import NOT_CONFIGURED, MailSender


class Couriers:
    def __init__(self, webhooks: WebhookSender, mail: MailSender | None = None) -> None:
        self.webhooks = webhooks
        self.mail = mail

    async def deliver(self, target: Destination, envelope: Envelope) -> DeliveryResult:
        if target.channel == "webhook":
            return await self.webhooks.deliver(target.target, envelope)
        if target.channel == "teams":
            card = envelope.for_teams()
            if card is None:
                return DeliveryResult(False, 0, "no Teams card for this delivery")
            return await self.webhooks.deliver(target.target, card)
        if self.mail is None:
            return DeliveryResult(False, 0, NOT_CONFIGURED)
        return await self.mail.deliver(target.target, envelope)

    async def deliver_all(self, rule: Rule, envelope: Envelope) -> list[tuple[Destination, DeliveryResult]]:
        """Every destination of the rule at once; a result for each, in the rule's order."""
        targets = destinations_of(rule)
        results = await asyncio.gather(*(self.deliver(target, envelope) for target in targets))
        return list(zip(targets, results, strict=True))


def failure(target: Destination, result: DeliveryResult) -> str:
    """What failed, as the log, the ledger and the dead letter say it: the destination redacted, the error by
    class (any URL in it redacted too), the attempts."""
    secrets = [] if target.channel == "email" else [target.target]
    return f"{target.name}: {scrub(result.error or 'failed', *secrets)} after {result.attempts} attempts"
