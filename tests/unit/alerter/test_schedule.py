"""Digest schedules: parsing with clear errors, and the next due instant in the rule's zone across clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from wirewatch.services.alerter.schedule import parse_schedule

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def berlin(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=BERLIN, fold=fold).astimezone(UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("spec", "every", "at", "weekday"),
    [
        ("hourly", "hourly", time(7), 0),
        ("daily", "daily", time(7), 0),
        ("daily@18:05", "daily", time(18, 5), 0),
        ("Daily@7:30", "daily", time(7, 30), 0),
        ("weekly", "weekly", time(7), 0),
        ("weekly@fri", "weekly", time(7), 4),
        ("weekly@sunday 21:00", "weekly", time(21), 6),
        ("weekly@07:15", "weekly", time(7, 15), 0),
    ],
)
def test_specs(spec: str, every: str, at: time, weekday: int) -> None:
    schedule = parse_schedule(spec, "Europe/Berlin")
    assert (schedule.every, schedule.at, schedule.weekday, str(schedule.zone)) == (every, at, weekday, "Europe/Berlin")


@pytest.mark.parametrize(
    ("spec", "zone", "says"),
    [
        ("daily@25:00", "UTC", "bad time '25:00'"),
        ("daily@07:60", "UTC", "bad time '07:60'"),
        ("daily@7", "UTC", "expected HH:MM"),
        ("weekly@funday 07:00", "UTC", "unknown day 'funday'"),
        ("monthly", "UTC", "expected 'hourly', 'daily@HH:MM'"),
        ("hourly@:15", "UTC", "takes no time"),
        ("daily", "Europe/Berln", "unknown time zone 'Europe/Berln'"),
        ("daily", "Europe", "unknown time zone 'Europe'"),
        ("daily", "../../etc/passwd", "unknown time zone"),
        ("daily", "", "unknown time zone"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec: str, zone: str, says: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_schedule(spec, zone)
    assert says in str(raised.value)


def test_daily_is_due_at_its_local_time_and_strictly_after_the_instant_asked() -> None:
    daily = parse_schedule("daily@07:00", "Europe/Berlin")
    assert daily.next_due(utc(2026, 12, 1, 5, 0)) == utc(2026, 12, 1, 6, 0)  # 07:00 CET
    assert daily.next_due(utc(2026, 12, 1, 6, 0)) == utc(2026, 12, 2, 6, 0), "a due instant is not due again"
    assert daily.next_due(utc(2026, 7, 1, 4, 0)) == utc(2026, 7, 1, 5, 0)  # 07:00 CEST


def test_a_day_late_in_utc_is_still_the_local_day() -> None:
    tokyo = parse_schedule("daily@07:00", "Asia/Tokyo")
    # 23:00 UTC on the 1st is 08:00 on the 2nd in Tokyo: the 2nd's 07:00 has passed
    assert tokyo.next_due(utc(2026, 12, 1, 23, 0)) == utc(2026, 12, 2, 22, 0)


def test_weekly_on_its_day() -> None:
    weekly = parse_schedule("weekly@fri 17:00", "Europe/Berlin")
    # Saturday 5 December 2026 → Friday 11 December, 17:00 CET
    assert weekly.next_due(utc(2026, 12, 5, 12, 0)) == berlin(2026, 12, 11, 17, 0)
    assert weekly.next_due(berlin(2026, 12, 11, 16, 59)) == berlin(2026, 12, 11, 17, 0)


def test_hourly_on_the_local_hour_also_with_a_half_hour_offset() -> None:
    assert parse_schedule("hourly").next_due(utc(2026, 12, 1, 5, 0)) == utc(2026, 12, 1, 6, 0)
    assert parse_schedule("hourly").next_due(utc(2026, 12, 1, 5, 59, 59)) == utc(2026, 12, 1, 6, 0)
    assert parse_schedule("hourly", "Asia/Kolkata").next_due(utc(2026, 12, 1, 5, 0)) == utc(2026, 12, 1, 5, 30)


def test_a_skipped_local_time_is_read_before_the_change_once_that_day() -> None:
    """Berlin springs forward on 29 March 2026 at 02:00 → 03:00: there is no 02:30 that night."""
    daily = parse_schedule("daily@02:30", "Europe/Berlin")
    due = daily.next_due(utc(2026, 3, 28, 12, 0))
    assert due == utc(2026, 3, 29, 1, 30), "02:30 at the old offset (+01:00) is 03:30 CEST"
    assert due.astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"
    assert daily.next_due(due) == utc(2026, 3, 30, 0, 30), "the next day is back to 02:30 CEST"


def test_a_repeated_local_time_is_due_once_at_its_first_occurrence() -> None:
    """Berlin falls back on 25 October 2026 at 03:00 → 02:00: 02:30 happens twice."""
    daily = parse_schedule("daily@02:30", "Europe/Berlin")
    first = berlin(2026, 10, 25, 2, 30, fold=0)
    assert first == utc(2026, 10, 25, 0, 30)
    assert daily.next_due(utc(2026, 10, 24, 12, 0)) == first
    assert daily.next_due(first) == utc(2026, 10, 26, 1, 30), "not again at the second 02:30 (01:30 UTC)"
    assert daily.next_due(berlin(2026, 10, 25, 2, 45, fold=1)) == utc(2026, 10, 26, 1, 30)


def test_hourly_across_clock_changes_is_every_real_hour() -> None:
    hourly = parse_schedule("hourly", "Europe/Berlin")
    start = utc(2026, 10, 24, 22, 0)
    dues = [start]
    for _ in range(6):
        dues.append(hourly.next_due(dues[-1]))
    assert [b - a for a, b in pairwise(dues)] == [timedelta(hours=1)] * 6


def test_one_due_instant_per_day_for_a_whole_year_in_a_zone_with_clock_changes() -> None:
    daily = parse_schedule("daily@02:30", "America/New_York")
    due = utc(2026, 1, 1)
    days = set()
    for _ in range(365):
        due = daily.next_due(due)
        local = due.astimezone(ZoneInfo("America/New_York"))
        assert local.date() not in days
        days.add(local.date())
    assert len(days) == 365


def test_describe() -> None:
    assert parse_schedule("weekly@sun 21:00", "Europe/Berlin").describe() == "weekly on sun at 21:00 Europe/Berlin"
    assert parse_schedule("daily").describe() == "daily at 07:00 UTC"
