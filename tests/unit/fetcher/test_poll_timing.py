"""When the poll loop polls: an interval is the period between polls' starts, and the loop wakes on time."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from wirewatch.core.stores.feeds import FeedHealth
from wirewatch.services.fetcher.polling import HEALTH_SAVE_S, MAX_TICK_S, MIN_TICK_S, FeedPoller, next_due


def test_the_interval_counts_from_the_start_of_the_poll() -> None:
    # a 1 s interval and a poll that took 0.3 s: due 1 s after it started, not 1.3 s
    assert next_due(started=100.0, finished=100.3, delay=1.0) == 101.0


def test_a_poll_slower_than_its_interval_is_not_repeated_back_to_back() -> None:
    assert next_due(started=100.0, finished=105.0, delay=1.0) == 105.1


def _loop(due: dict[str, float], inflight: set[str]) -> SimpleNamespace:
    return SimpleNamespace(due=due, inflight=dict.fromkeys(inflight))


def test_the_loop_sleeps_until_the_next_idle_feed_is_due() -> None:
    now = time.monotonic()
    wait = FeedPoller._until_next_due(_loop({"a": now + 0.05, "b": now + 5}, set()))  # type: ignore[arg-type]
    assert 0.03 < wait <= 0.05


def test_the_loop_ignores_feeds_being_polled_and_bounds_its_sleep() -> None:
    now = time.monotonic()
    polling = _loop({"a": now - 1, "b": now + 0.1}, {"a"})
    assert 0.05 < FeedPoller._until_next_due(polling) <= 0.1  # type: ignore[arg-type]
    assert FeedPoller._until_next_due(_loop({"a": now - 1}, set())) == MIN_TICK_S  # type: ignore[arg-type]
    assert FeedPoller._until_next_due(_loop({}, set())) == MAX_TICK_S  # type: ignore[arg-type]
    assert FeedPoller._until_next_due(_loop({"a": now + 60}, set())) == MAX_TICK_S  # type: ignore[arg-type]


async def test_stopping_cancels_the_polls_in_flight_before_the_client_closes() -> None:
    finished: list[str] = []

    async def poll(name: str) -> None:
        try:
            await asyncio.sleep(60)
        finally:
            finished.append(name)

    inflight = {"a": asyncio.create_task(poll("a"))}
    background = {asyncio.create_task(poll("hub"))}
    await asyncio.sleep(0)
    await FeedPoller.stop(SimpleNamespace(inflight=inflight, _background=background))  # type: ignore[arg-type]
    assert sorted(finished) == ["a", "hub"]  # both ended (cancelled) by the time stop returned
    assert all(task.cancelled() for task in [*inflight.values(), *background])


class _Store:
    def __init__(self) -> None:
        self.saved: list[FeedHealth] = []

    async def save_health(self, _feed_id: str, health: FeedHealth) -> bool:
        self.saved.append(health)
        return True


async def test_a_poll_that_only_moved_its_times_is_not_saved_again_within_the_save_interval() -> None:
    poller = SimpleNamespace(store=_Store(), _saved={})
    t0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)

    def polled(at: datetime, items: int = 3) -> FeedHealth:
        return FeedHealth(last_polled_at=at, next_poll_at=at + timedelta(seconds=1), items_total=items)

    save = FeedPoller._save_health
    await save(poller, "f", polled(t0))  # type: ignore[arg-type]
    await save(poller, "f", polled(t0 + timedelta(seconds=1)))  # type: ignore[arg-type]
    assert len(poller.store.saved) == 1  # only the poll times moved
    await save(poller, "f", polled(t0 + timedelta(seconds=2), items=4))  # type: ignore[arg-type]
    assert [h.items_total for h in poller.store.saved] == [3, 4]  # a new item is news
    material, _at = poller._saved["f"]
    poller._saved["f"] = (material, time.monotonic() - HEALTH_SAVE_S)  # the save interval went by
    await save(poller, "f", polled(t0 + timedelta(seconds=40), items=4))  # type: ignore[arg-type]
    assert len(poller.store.saved) == 3 and poller.store.saved[-1].last_polled_at == t0 + timedelta(seconds=40)
