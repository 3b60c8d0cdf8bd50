"""Poll scheduling maths: explicit intervals, learning from new items, hints, failures, jitter."""

from __future__ import annotations

import random
import ssl
import zlib

import aiohttp
import pytest

from wirewatch.services.fetcher.errors import FeedParseError, HTTPStatusError, TooLarge
from wirewatch.services.fetcher.feedmodels import ParsedFeed
from wirewatch.services.fetcher.schedule import (
    FeedSchedule,
    PollHints,
    SchedulePolicy,
    after_failure,
    after_success,
    backoff_multiplier,
    classify_error,
    hints_from,
    interval_factor,
    next_delay,
)

POLICY = SchedulePolicy(default_s=300, min_s=60, max_s=86400, jitter=0.1, hint_floor_cap_s=900)
NO_JITTER = SchedulePolicy(default_s=300, min_s=60, max_s=86400, jitter=0.0, hint_floor_cap_s=900)


def delays(state: FeedSchedule, policy: SchedulePolicy = POLICY, hints: PollHints | None = None) -> list[float]:
    rng = random.Random(7)
    return [next_delay(state, policy, hints, rng=rng) for _ in range(200)]


def test_explicit_interval_is_obeyed_as_given() -> None:
    state = FeedSchedule(explicit_interval_s=30.0)  # below min_s, and with hints that would say otherwise
    hints = PollHints(ttl_s=3600, update_period_s=86400, max_age_s=600)
    assert set(delays(state, hints=hints)) == {30.0}


def test_default_interval_with_jitter_spreads_polls() -> None:
    values = delays(FeedSchedule())
    assert all(270 <= value <= 330 for value in values)
    assert len({round(value, 3) for value in values}) > 100  # not lock-step
    assert min(values) < 285 and max(values) > 315


@pytest.mark.parametrize(
    ("new", "total", "factor"),
    [(0, 20, 1.5), (0, 0, 1.5), (5, 20, 1.0), (10, 20, 0.5), (20, 20, 0.5), (2, 20, 1.3)],
)
def test_interval_factor(new: int, total: int, factor: float) -> None:
    assert interval_factor(new, total, POLICY) == pytest.approx(factor)


def test_learning_moves_the_interval_within_bounds() -> None:
    state = FeedSchedule()
    quiet = after_success(state, new_items=0, total_items=20, policy=POLICY)
    assert quiet.interval_s == 450.0
    busy = after_success(state, new_items=20, total_items=20, policy=POLICY)
    assert busy.interval_s == 150.0
    for _ in range(30):
        quiet = after_success(quiet, new_items=0, total_items=20, policy=POLICY)
        busy = after_success(busy, new_items=20, total_items=20, policy=POLICY)
    assert (quiet.interval_s, busy.interval_s) == (86400.0, 60.0)
    assert next_delay(busy, NO_JITTER) == 60.0
    assert all(0.9 * 86400 <= value <= 86400.0 for value in delays(quiet))  # jitter stays inside max_s


def test_update_period_sets_the_first_interval_only() -> None:
    hints = PollHints(update_period_s=3600)
    assert next_delay(FeedSchedule(), NO_JITTER, hints) == 3600.0
    learned = after_success(FeedSchedule(), new_items=20, total_items=20, policy=NO_JITTER, hints=hints)
    assert learned.interval_s == 1800.0
    assert next_delay(learned, NO_JITTER, hints) == 1800.0  # history wins over the hint


def test_ttl_and_max_age_are_floors_up_to_the_cap() -> None:
    state = FeedSchedule(interval_s=120.0)
    assert next_delay(state, NO_JITTER, PollHints(ttl_s=600)) == 600.0
    assert next_delay(state, NO_JITTER, PollHints(max_age_s=300)) == 300.0
    assert next_delay(state, NO_JITTER, PollHints(ttl_s=3600)) == 900.0  # a WordPress "hourly" is capped
    assert next_delay(state, NO_JITTER, PollHints(max_age_s=10)) == 120.0


def test_retry_after_is_a_floor_over_everything() -> None:
    hints = PollHints(retry_after_s=200_000)
    assert next_delay(FeedSchedule(), POLICY, hints) == 200_000  # beyond max_s: the server asked
    assert next_delay(FeedSchedule(explicit_interval_s=30), POLICY, PollHints(retry_after_s=90)) == 90


def test_fractional_failures_back_off_exponentially_and_decay() -> None:
    state = after_failure(FeedSchedule(interval_s=300.0), "timeout")
    assert (state.failures, state.consecutive_failures, state.last_error) == (0.5, 1, "timeout")
    assert next_delay(state, NO_JITTER) == pytest.approx(300 * 2**0.5)
    state = after_failure(after_failure(state, "http_status"), "blocked_address")
    assert state.failures == 3.5 and state.consecutive_failures == 3
    assert next_delay(state, NO_JITTER) == pytest.approx(300 * 2**3.5)
    recovered = after_success(state, new_items=1, total_items=4, policy=NO_JITTER)
    assert (recovered.failures, recovered.consecutive_failures) == (1.75, 0)
    assert after_success(FeedSchedule(failures=0.2), new_items=0, total_items=1, policy=POLICY).failures == 0.0


def test_flaky_feed_keeps_some_backoff() -> None:
    state = FeedSchedule(interval_s=300.0)
    for _ in range(10):
        state = after_success(after_failure(state, "http_status"), new_items=5, total_items=20, policy=NO_JITTER)
    assert 0.9 < state.failures < 1.0  # converges near 1, never resets to 0


def test_backoff_is_capped() -> None:
    state = FeedSchedule(interval_s=300.0, failures=40.0)
    assert backoff_multiplier(40.0, POLICY) == 2.0**40
    assert next_delay(state, NO_JITTER) == 86400.0
    explicit = FeedSchedule(explicit_interval_s=172800.0, failures=3)
    assert next_delay(explicit, POLICY) == 172800.0  # an explicit interval longer than the cap stands


def test_hints_from_feed_and_result() -> None:
    feed = ParsedFeed(kind="rss", ttl_s=600.0, update_period_s=900.0)
    assert hints_from(feed, None) == PollHints(ttl_s=600.0, update_period_s=900.0)
    assert hints_from(None, None) == PollHints()


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (TooLarge("x"), "too_large"),
        (HTTPStatusError("x", status=500), "http_status"),
        (FeedParseError("bad"), "parse"),
        (TimeoutError(), "timeout"),
        (ssl.SSLError(1, "bad cert"), "tls"),
        (aiohttp.ClientPayloadError("cut"), "connection"),
        (ConnectionResetError(), "connection"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), "decode"),
        (zlib.error("bad"), "decode"),
        (KeyError("bug"), "internal"),
    ],
)
def test_classify_error(exc: BaseException, expected: str) -> None:
    assert classify_error(exc) == expected
