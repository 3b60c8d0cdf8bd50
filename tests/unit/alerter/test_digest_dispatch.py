"""Digest rules in the dispatcher, with an injected clock and an in-memory ledger: alerts are held until the due
time, one digest per rule and due instant goes out then, alerts held while it was on its way wait for the next
one, and a digest retried after a crash keeps its id."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.unit.alerter.conftest import make_alert
from wirewatch.core.stores.rules import new_rule
from wirewatch.schemas import Alert, DeadLetter, Rule
from wirewatch.services.alerter.bodies import scheduled_digest_id
from wirewatch.services.alerter.delivery import DeliveryResult, Envelope
from wirewatch.services.alerter.digests import Held
from wirewatch.services.alerter.dispatch import Dispatcher

START = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)  # daily@07:00 UTC after START
NEXT = DUE + timedelta(days=1)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Sender:
    sent: list[Envelope] = field(default_factory=list)

    async def deliver(self, url: str, envelope: Envelope) -> DeliveryResult:
        self.sent.append(envelope)
        return DeliveryResult(True, 1)


@dataclass
class Entry:
    alert: Alert
    status: str = "pending"
    due: datetime | None = None
    claimed_until: datetime | None = None
    digest_id: str | None = None


@dataclass
class Store:
    """The ledger index as the dispatcher's ledger and digest queue see it."""

    clock: Clock
    entries: dict[str, Entry] = field(default_factory=dict)
    es: Any = None
    index: str = "alerts"
    claim_s: float = 60.0

    # Ledger
    async def apply(self, updates: Sequence[tuple[str, dict[str, Any]]]) -> None:
        for alert_id, doc in updates:
            entry = self.entries[alert_id]
            entry.status = doc.get("status", entry.status)
            entry.digest_id = doc.get("digest_id", entry.digest_id)

    async def claim_due(self, limit: int = 1000) -> list[Alert]:
        return []

    async def window_of(self, rule_id: str) -> tuple[None, None]:
        return None, None

    async def release(self, alert_ids: Sequence[str]) -> None:
        for alert_id in alert_ids:
            self.entries[alert_id].claimed_until = self.clock()

    # DigestQueue
    async def hold(self, alert_ids: Sequence[str], due: datetime) -> None:
        for alert_id in alert_ids:
            entry = self.entries[alert_id]
            entry.status, entry.due, entry.claimed_until = "held", due, due

    async def claim(self, limit: int = 1000) -> list[Held]:
        now = self.clock()
        due = [e for e in self.entries.values() if e.status == "held" and e.claimed_until and e.claimed_until <= now]
        for entry in due:
            entry.claimed_until = now + timedelta(seconds=self.claim_s)
        return [Held(e.alert, e.due) for e in due if e.due is not None]

    async def carried(self, digest_id: str) -> bool:
        return any(e.digest_id == digest_id and e.status != "held" for e in self.entries.values())


class Digests:
    def __init__(self, store: Store) -> None:
        self.hold = store.hold
        self.claim_due = store.claim
        self.carried = store.carried


@pytest.fixture
def daily() -> Rule:
    return new_rule("morning", "Kataib", webhooks=["https://hooks.example/h"], digest="daily@07:00")


def dispatcher(store: Store, sender: Sender, rule: Rule) -> Dispatcher:
    async def rules(rule_id: str) -> Rule | None:
        return rule if rule_id == rule.id else None

    async def dead_letter(letter: DeadLetter) -> None:
        raise AssertionError(f"nothing should be dead-lettered: {letter}")

    return Dispatcher(
        sender,  # type: ignore[arg-type]
        store,  # type: ignore[arg-type]
        rules=rules,
        dead_letter=dead_letter,
        clock=store.clock,
        digests=Digests(store),  # type: ignore[arg-type]
    )


async def submit(d: Dispatcher, store: Store, rule: Rule, *numbers: int) -> list[Alert]:
    alerts = [make_alert(rule, n) for n in numbers]
    for alert in alerts:
        store.entries[alert.alert_id] = Entry(alert)
        d.submit(alert, rule)
    await d.idle()
    return alerts


async def flush(d: Dispatcher) -> None:
    await d.flush_digests()
    await d.idle()
    await d.flush_outcomes()


async def test_held_until_the_due_time_then_one_digest_once(daily: Rule) -> None:
    store, sender = Store(Clock()), Sender()
    d = dispatcher(store, sender, daily)
    await submit(d, store, daily, 1, 2)
    assert {e.status for e in store.entries.values()} == {"held"} and sender.sent == []
    assert {e.due for e in store.entries.values()} == {DUE}

    store.clock.now = DUE - timedelta(seconds=1)
    await flush(d)
    assert sender.sent == [], "nothing before the time"

    store.clock.now = DUE
    await flush(d)
    await flush(d)
    [digest] = sender.sent
    body = json.loads(digest.body)
    assert digest.delivery_id == body["digest_id"] == scheduled_digest_id(daily.id, DUE)
    assert body["count"] == 2 and body["window_end"].startswith("2026-12-06T07:00")
    assert {e.status for e in store.entries.values()} == {"delivered"}
    assert {e.digest_id for e in store.entries.values()} == {body["digest_id"]}


async def test_an_alert_held_for_a_digest_that_went_out_waits_for_the_next(daily: Rule) -> None:
    store, sender = Store(Clock()), Sender()
    d = dispatcher(store, sender, daily)
    await submit(d, store, daily, 1)
    store.clock.now = DUE
    await flush(d)
    # an alert held for DUE a moment before it (its hold landed while the digest was on its way)
    late = make_alert(daily, 2)
    store.entries[late.alert_id] = Entry(late, status="held", due=DUE, claimed_until=DUE)
    store.clock.now = DUE + timedelta(seconds=2)
    await flush(d)
    assert len(sender.sent) == 1, "a second message under the first digest's id"
    assert store.entries[late.alert_id].status == "held" and store.entries[late.alert_id].due == NEXT

    # also for a new alerter, which knows the first digest only from the ledger
    again = dispatcher(store, sender, daily)
    store.entries[late.alert_id] = Entry(late, status="held", due=DUE, claimed_until=DUE)
    await flush(again)
    assert len(sender.sent) == 1 and store.entries[late.alert_id].due == NEXT

    store.clock.now = NEXT
    await flush(again)
    assert len(sender.sent) == 2
    assert json.loads(sender.sent[1].body)["digest_id"] == scheduled_digest_id(daily.id, NEXT)


async def test_a_digest_retried_after_a_crash_keeps_its_id_and_gains_what_joined(daily: Rule) -> None:
    store, sender = Store(Clock()), Sender()
    d = dispatcher(store, sender, daily)
    await submit(d, store, daily, 1, 2)
    store.clock.now = DUE
    # the alerter claimed the digest and died before sending it: the lease runs out
    claimed = await store.claim()
    assert len(claimed) == 2
    late = make_alert(daily, 3)
    store.entries[late.alert_id] = Entry(late, status="held", due=DUE, claimed_until=DUE)
    store.clock.now = DUE + timedelta(seconds=store.claim_s + 1)
    restarted = dispatcher(store, Sender(), daily)
    await flush(restarted)
    assert isinstance(restarted.sender, Sender)
    [digest] = restarted.sender.sent
    body = json.loads(digest.body)
    assert body["digest_id"] == scheduled_digest_id(daily.id, DUE) and body["count"] == 3


async def test_an_empty_period_sends_nothing(daily: Rule) -> None:
    store, sender = Store(Clock()), Sender()
    d = dispatcher(store, sender, daily)
    for now in (DUE, NEXT, NEXT + timedelta(days=1)):
        store.clock.now = now
        await flush(d)
    assert sender.sent == []


async def test_a_rule_without_a_digest_still_sends_at_once(daily: Rule) -> None:
    store, sender = Store(Clock()), Sender()
    plain = daily.model_copy(update={"digest": None})
    d = dispatcher(store, sender, plain)
    await submit(d, store, plain, 1)
    assert len(sender.sent) == 1 and Alert.from_bytes(sender.sent[0].body).article_id == "doc00001"
