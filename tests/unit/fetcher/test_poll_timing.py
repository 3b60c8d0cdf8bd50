"""When the poll loop polls: an interval is the period between polls' starts, and the loop wakes on time."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

from wirewatch.services.fetcher.polling import MAX_TICK_S, MIN_TICK_S, FeedPoller, next_due


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
