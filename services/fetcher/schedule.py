"""When to poll a feed next: pure functions over a small :class:`FeedSchedule` state.

The delay is built in four steps:

1. **Base.** An explicit ``interval_s`` on the feed is obeyed as given: no hints, no jitter, no bounds
   (only failures and ``Retry-After`` can stretch it). Otherwise the learned interval, or before any
   history the feed's own ``sy:updatePeriod``/``ttl`` hint, or the default.
2. **Learning** (:func:`after_success`): the share of items that were new moves the interval: no new
   items → ×1.5, about a quarter new → unchanged, half or more new (or every item new: we may have
   missed some) → ×0.5. This is Media Cloud's duplicate-share rule, and needs no clock.
3. **Floors.** ``ttl`` and ``Cache-Control: max-age`` say "do not come back sooner", honoured up to
   ``hint_floor_cap_s``: a WordPress default of one hour must not make a busy news site hourly.
4. **Failures.** Each failure adds a *fractional* weight by class (a timeout counts ½, a blocked
   address 2); a success halves the count instead of zeroing it, so a feed failing every other poll
   still backs off. The delay is multiplied by ``backoff_factor ** failures``, capped at
   ``max_backoff_s``. ``Retry-After`` is a floor over everything (the header parser caps it at 7 days).

Then ±``jitter`` spreads polls so a thousand feeds added together do not stay in lock-step, and the
result is clamped to ``[min_s, max_s]`` (explicit intervals and ``Retry-After`` excepted).
"""

from __future__ import annotations

import random
import ssl
import zlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import aiohttp

from wirewatch.services.fetcher.errors import ErrorClass, FetchError

if TYPE_CHECKING:
    from wirewatch.services.fetcher.feedmodels import ParsedFeed
    from wirewatch.services.fetcher.http import FetchResult

HealthClass = ErrorClass | Literal["internal"]
FAILURE_WEIGHTS: dict[str, float] = {
    "timeout": 0.5,
    "connection": 0.5,
    "soft_block": 1.5,
    "blocked_address": 2.0,
}


@dataclass(frozen=True, slots=True)
class SchedulePolicy:
    """Knobs shared by every feed of a worker."""

    default_s: float = 300.0
    min_s: float = 60.0
    max_s: float = 86400.0
    jitter: float = 0.1
    backoff_factor: float = 2.0
    max_backoff_s: float = 86400.0
    hint_floor_cap_s: float = 900.0
    grow: float = 1.5
    shrink: float = 0.5


@dataclass(frozen=True, slots=True)
class PollHints:
    """What the last answer said about polling: feed ``ttl``/``sy:updatePeriod``, HTTP headers."""

    ttl_s: float | None = None
    update_period_s: float | None = None
    max_age_s: float | None = None
    retry_after_s: float | None = None


@dataclass(frozen=True, slots=True)
class FeedSchedule:
    """One feed's scheduling state; the functions below return updated copies."""

    explicit_interval_s: float | None = None
    interval_s: float | None = None
    failures: float = 0.0
    consecutive_failures: int = 0
    last_error: HealthClass | None = None
    polls: int = 0


def hints_from(feed: ParsedFeed | None, result: FetchResult | None) -> PollHints:
    """Collect the hints of a parsed feed and/or the HTTP answer it came in."""
    return PollHints(
        ttl_s=feed.ttl_s if feed is not None else None,
        update_period_s=feed.update_period_s if feed is not None else None,
        max_age_s=result.max_age_s if result is not None else None,
        retry_after_s=result.retry_after_s if result is not None else None,
    )


def after_success(
    state: FeedSchedule,
    *,
    new_items: int,
    total_items: int,
    policy: SchedulePolicy,
    hints: PollHints | None = None,
) -> FeedSchedule:
    """The state after a successful poll that found ``new_items`` of ``total_items`` unseen."""
    base = state.interval_s or _initial_interval(policy, hints or PollHints())
    interval = _clamp(base * interval_factor(new_items, total_items, policy), policy.min_s, policy.max_s)
    failures = state.failures / 2 if state.failures >= 0.25 else 0.0
    return replace(state, interval_s=interval, failures=failures, consecutive_failures=0, polls=state.polls + 1)


def after_failure(state: FeedSchedule, error_class: HealthClass) -> FeedSchedule:
    """The state after a failed poll of class ``error_class`` (see :func:`classify_error`)."""
    return replace(
        state,
        failures=state.failures + FAILURE_WEIGHTS.get(error_class, 1.0),
        consecutive_failures=state.consecutive_failures + 1,
        last_error=error_class,
        polls=state.polls + 1,
    )


def interval_factor(new_items: int, total_items: int, policy: SchedulePolicy) -> float:
    """How much to stretch (>1) or shrink (<1) the interval given the share of new items."""
    if total_items <= 0:
        return policy.grow
    if new_items >= total_items:
        return policy.shrink  # everything was new: items may have scrolled off unseen
    share = new_items / total_items
    return _clamp(policy.grow - 2.0 * share, policy.shrink, policy.grow)


def backoff_multiplier(failures: float, policy: SchedulePolicy) -> float:
    """``backoff_factor ** failures`` (fractional failures give fractional powers)."""
    return float(policy.backoff_factor ** min(failures, 64.0))


def next_delay(
    state: FeedSchedule,
    policy: SchedulePolicy,
    hints: PollHints | None = None,
    *,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next poll of this feed."""
    hints = hints or PollHints()
    if state.explicit_interval_s is not None:
        delay = _backed_off(
            state.explicit_interval_s, state, policy, cap=max(policy.max_backoff_s, state.explicit_interval_s)
        )
    else:
        base = max(state.interval_s or _initial_interval(policy, hints), _floor(hints, policy))
        delay = _backed_off(base, state, policy, cap=max(policy.max_backoff_s, base))
        delay = _clamp(delay * _jitter(policy, rng), policy.min_s, policy.max_s)
    return max(delay, hints.retry_after_s or 0.0)


def classify_error(exc: BaseException) -> HealthClass:
    """Map any exception from a poll to the health class recorded for the feed."""
    if isinstance(exc, FetchError):
        return exc.error_class
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "dns"
    if isinstance(exc, ssl.SSLError | aiohttp.ClientSSLError):
        return "tls"
    if isinstance(exc, aiohttp.ClientError | ConnectionError | OSError):
        return "connection"
    if isinstance(exc, UnicodeError | zlib.error):
        return "decode"
    return "internal"


def _initial_interval(policy: SchedulePolicy, hints: PollHints) -> float:
    hinted = hints.update_period_s or hints.ttl_s
    return _clamp(hinted, policy.min_s, policy.max_s) if hinted else policy.default_s


def _floor(hints: PollHints, policy: SchedulePolicy) -> float:
    floors = [value for value in (hints.ttl_s, hints.max_age_s) if value]
    return min(max(floors), policy.hint_floor_cap_s) if floors else 0.0


def _backed_off(base: float, state: FeedSchedule, policy: SchedulePolicy, *, cap: float) -> float:
    if state.failures <= 0:
        return base
    return min(base * backoff_multiplier(state.failures, policy), cap)


def _jitter(policy: SchedulePolicy, rng: random.Random | None) -> float:
    return 1.0 + (rng or random).uniform(-policy.jitter, policy.jitter)


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)
