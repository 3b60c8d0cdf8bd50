"""A daily digest rule on the real stack (issue 16, digests): the alerter's handler and dispatcher run in this
process with an injected clock, on the test's real rules, articles and alerts indices, posting to a real local
receiver. Matches are held in the ledger, nothing goes out before the due time, one signed digest goes out at
it (also when the alerter was replaced in between, or died holding the claimed digest), never a second time,
and an empty period sends nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.test_alerter import Hook, announcement, index_articles, ledger, put_rules
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.kafka import Outgoing
from wirewatch.core.outbound import AddressPolicy
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.rules import RuleStore, new_rule
from wirewatch.schemas import DeadLetter, Rule
from wirewatch.services.alerter.bodies import scheduled_digest_id
from wirewatch.services.alerter.delivery import DeliveryPolicy, WebhookSender
from wirewatch.services.alerter.digests import DigestQueue
from wirewatch.services.alerter.dispatch import Dispatcher
from wirewatch.services.alerter.handler import AlertHandler
from wirewatch.services.alerter.ledger import Ledger
from wirewatch.services.alerter.schedule import parse_schedule
from wirewatch.services.alerter.signing import SIGNATURE_HEADER, verify

pytestmark = [pytest.mark.integration]

SECRET = "digest-secret"
CLAIM_S = 30.0
#: how long "nothing happens" is watched: many passes of the digest loop (every 0.1 s)
QUIET_S = 1.5


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Alerter:
    """One alerter's handler and dispatcher (a restart is a new one on the same indices)."""

    handler: AlertHandler
    dispatcher: Dispatcher
    letters: list[DeadLetter]


@asynccontextmanager
async def alerter(settings: CommonSettings, clock: Clock) -> AsyncIterator[Alerter]:
    es = make_es(settings)
    rules = RuleStore(es, settings.index_name("rules"), ttl_s=0.2)
    book = Ledger(es, settings.index_name("alerts"), claim_s=CLAIM_S)
    letters: list[DeadLetter] = []

    async def dead_letter(letter: DeadLetter) -> None:
        letters.append(letter)

    async def publish(outgoing: Sequence[Outgoing]) -> None:
        return None

    sender = WebhookSender(DeliveryPolicy(3, 0.05, 1.0, 2.0), addresses=AddressPolicy.exempting("127.0.0.1/32"))
    dispatcher = Dispatcher(
        sender, book, rules=rules.get, dead_letter=dead_letter, clock=clock, digest_every_s=0.1, resume_every_s=0.5
    )
    handler = AlertHandler(
        es,
        articles=settings.index_name("articles"),
        rules=rules,
        ledger=book,
        dispatcher=dispatcher,
        alerts_topic="alerts",
        publish=publish,
    )
    dispatcher.start()
    try:
        yield Alerter(handler, dispatcher, letters)
    finally:
        await dispatcher.stop()
        await sender.close()
        await es.close()


async def match(settings: CommonSettings, one: Alerter, numbers: Sequence[int]) -> None:
    await index_articles(settings, numbers, title="morning digest story")
    await one.handler([announcement(settings, numbers)])
    await one.dispatcher.idle()


async def entries(settings: CommonSettings, rule: Rule, status: str, count: int) -> list[dict[str, Any]] | None:
    found = [e for e in await ledger(settings, rule) if e["status"] == status]
    return found if len(found) == count else None


@pytest.fixture
def daily() -> Rule:
    return new_rule(
        "morning",
        "title:digest",
        webhooks=["http://placeholder.invalid/"],
        secret=SECRET,
        digest="daily@07:00",
        timezone="Europe/Berlin",
    )


async def test_a_daily_digest_goes_out_once_at_its_time_across_a_restart(
    initialised: CommonSettings, daily: Rule
) -> None:
    settings = initialised
    hook = await Hook().start()
    rule = daily.model_copy(update={"webhooks": [hook.url]})
    await put_rules(settings, rule)
    clock = Clock()
    due = parse_schedule("daily@07:00", "Europe/Berlin").next_due(clock.now)
    try:
        async with alerter(settings, clock) as first:
            await match(settings, first, [1, 2])
            held = await eventually(lambda: entries(settings, rule, "held", 2), timeout=20, what="two held alerts")
            assert {e["digest_due"] for e in held} == {due.isoformat()}
            clock.now = due - timedelta(seconds=1)
            await _quiet()
        assert hook.attempts == [], "nothing before the due time"

        # the alerter restarts; a match after the restart joins the same digest
        async with alerter(settings, clock) as second:
            await match(settings, second, [3])
            await eventually(lambda: entries(settings, rule, "held", 3), timeout=20, what="three held alerts")
            clock.now = due + timedelta(seconds=5)
            await eventually(lambda: hook.delivered, timeout=20, every=0.05, what="the digest")
            delivered = await eventually(
                lambda: entries(settings, rule, "delivered", 3), timeout=20, what="every alert delivered"
            )
            await _quiet()
            # the next day has nothing new: nothing is sent
            clock.now = due + timedelta(days=1, seconds=5)
            await _quiet()
            assert second.letters == []

        [digest] = hook.attempts
        assert verify(digest.body, SECRET, digest.headers.get(SIGNATURE_HEADER))
        body = json.loads(digest.body)
        assert body["digest_id"] == scheduled_digest_id(rule.id, due) == digest.headers.get("webhook-id")
        assert body["count"] == 3 and body["schedule"] == "daily@07:00"
        assert sorted(a["article_id"] for a in body["alerts"]) == ["doc00001", "doc00002", "doc00003"]
        assert datetime.fromisoformat(body["window_end"]) == due
        assert {e["digest_id"] for e in delivered} == {body["digest_id"]}
    finally:
        await hook.stop()


async def test_a_digest_claimed_by_an_alerter_that_died_goes_out_once_with_its_id(
    initialised: CommonSettings, daily: Rule
) -> None:
    settings = initialised
    hook = await Hook().start()
    rule = daily.model_copy(update={"webhooks": [hook.url]})
    await put_rules(settings, rule)
    clock = Clock()
    due = parse_schedule("daily@07:00", "Europe/Berlin").next_due(clock.now)
    async with alerter(settings, clock) as first:
        await match(settings, first, [1, 2])
        await eventually(lambda: entries(settings, rule, "held", 2), timeout=20, what="two held alerts")
    # a replica claims the due digest and dies before sending it
    clock.now = due
    es = make_es(settings)
    try:
        claimed = await DigestQueue(es, settings.index_name("alerts"), claim_s=CLAIM_S, clock=clock).claim_due()
    finally:
        await es.close()
    assert len(claimed) == 2
    try:
        async with alerter(settings, clock) as second:
            await _quiet()
            assert hook.attempts == [], "the dead replica's lease still holds the digest"
            assert second.letters == []
            clock.now = due + timedelta(seconds=CLAIM_S + 1)
            await eventually(lambda: hook.delivered, timeout=20, every=0.05, what="the digest")
            await eventually(lambda: entries(settings, rule, "delivered", 2), timeout=20, what="both delivered")
            await _quiet()
        [digest] = hook.attempts
        assert json.loads(digest.body)["digest_id"] == scheduled_digest_id(rule.id, due)
        assert json.loads(digest.body)["count"] == 2
    finally:
        await hook.stop()


async def _quiet() -> None:
    await asyncio.sleep(QUIET_S)
