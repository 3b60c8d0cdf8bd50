"""Throttle windows: one message per window; matches inside it wait for one digest at its end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wirewatch.schemas import Rule
from wirewatch.services.alerter.throttle import Throttler, Window

T0 = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
TEN = timedelta(minutes=10)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_first_match_goes_out_at_once_and_opens_the_window() -> None:
    window = Window(TEN)
    assert window.admit(at(0)) is None
    assert window.last_message_at == at(0) and window.ends_at() == at(10)


def test_matches_inside_the_window_are_held_until_it_ends() -> None:
    window = Window(TEN, last_message_at=at(0))
    assert window.admit(at(1)) == at(10)
    assert window.admit(at(9.9)) == at(10)


def test_after_the_window_a_match_goes_out_at_once_again() -> None:
    window = Window(TEN, last_message_at=at(0))
    assert window.admit(at(10)) is None
    assert window.ends_at() == at(20)


def test_while_a_digest_is_pending_late_matches_join_it_instead_of_going_out_alone() -> None:
    window = Window(TEN, last_message_at=at(0))
    assert window.admit(at(5)) == at(10)
    # the window has ended but the digest has not left yet: a new match must not overtake it
    assert window.admit(at(10.01)) == at(10)


def test_the_digest_opens_the_next_window() -> None:
    window = Window(TEN, last_message_at=at(0))
    window.admit(at(5))
    assert window.flush_at(at(10)) is None
    window.sent(at(10))
    assert window.digest_due is None
    assert window.admit(at(12)) == at(20)
    assert window.flush_at(at(20.5)) is None


def test_held_alerts_wait_longer_when_another_message_went_out_since() -> None:
    window = Window(TEN, last_message_at=at(0))
    window.sent(at(8))  # e.g. another replica's digest, learnt from the ledger
    assert window.flush_at(at(10)) == at(18)


async def test_throttler_loads_a_rule_window_from_the_ledger_once(rule: Rule) -> None:
    loads: list[str] = []

    async def load(rule_id: str) -> tuple[datetime | None, datetime | None]:
        loads.append(rule_id)
        return at(0), None

    now = [at(3)]
    throttler = Throttler(load, clock=lambda: now[0])
    throttled = rule.model_copy(update={"throttle_minutes": 10.0})
    assert await throttler.admit(throttled) == at(10)  # a restart still knows the last message time
    now[0] = at(11)
    assert await throttler.flush_at(throttled) is None
    assert loads == [rule.id]


async def test_unthrottled_rules_always_send_and_never_touch_the_ledger(rule: Rule) -> None:
    async def load(rule_id: str) -> tuple[datetime | None, datetime | None]:
        raise AssertionError("no ledger lookup for an unthrottled rule")

    throttler = Throttler(load)
    assert await throttler.admit(rule) is None
    assert await throttler.admit(rule) is None
