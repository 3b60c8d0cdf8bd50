"""Digest schedules (``rule.digest`` read in ``rule.timezone``): when a digest rule's held alerts are due.

A spec is ``hourly`` (on the hour, local time), ``daily[@HH:MM]`` or ``weekly[@DAY[ HH:MM]]`` (``DAY`` is
``mon`` … ``sun``); the time defaults to 07:00 and the day to Monday. Pure functions, no clock: the caller
says which instant it asks about, so tests choose the time.

Clock changes (decided here, tested in ``tests/unit/alerter/test_schedule.py``):

- a local time the clocks skip (02:30 on a spring-forward night) is read with the offset in force before
  the change, so it falls the gap's length later on the new clock (03:30 CEST in Berlin): still once that
  day, never skipped;
- a local time the clocks pass twice (02:30 on a fall-back night) is its first occurrence, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Every = Literal["hourly", "daily", "weekly"]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS = {name: number for number, full in enumerate(_FULL_DAYS) for name in (full, full[:3])}
DEFAULT_AT = time(7, 0)
_SPEC = re.compile(r"(?P<every>hourly|daily|weekly)(?:@(?P<rest>.*))?", re.IGNORECASE)
_TIME = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})")
#: how far ahead a schedule is searched: every spec is due at least once a week
_HORIZON_DAYS = 8


@dataclass(frozen=True)
class Schedule:
    every: Every
    zone: ZoneInfo
    at: time = DEFAULT_AT
    weekday: int = 0  # Monday; weekly only

    def next_due(self, after: datetime) -> datetime:
        """The first due instant strictly after ``after`` (aware), in UTC."""
        if self.every == "hourly":
            return _next_local_hour(after, self.zone)
        day = after.astimezone(self.zone).date()
        for offset in range(_HORIZON_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.every == "weekly" and candidate.weekday() != self.weekday:
                continue
            due = self.local(candidate)
            if due > after:
                return due
        raise AssertionError(f"no due time within {_HORIZON_DAYS} days of {after}")  # unreachable

    def local(self, day: date) -> datetime:
        """The instant the schedule's local time falls on ``day`` (fold 0: before a clock change's offset)."""
        return datetime.combine(day, self.at, tzinfo=self.zone).astimezone(UTC)

    def describe(self) -> str:
        zone = str(self.zone)
        if self.every == "hourly":
            return f"hourly ({zone})"
        at = self.at.strftime("%H:%M")
        if self.every == "daily":
            return f"daily at {at} {zone}"
        return f"weekly on {DAYS[self.weekday]} at {at} {zone}"


def parse_schedule(spec: str, timezone: str = "UTC") -> Schedule:
    """``spec`` and ``timezone`` as a :class:`Schedule`; a ``ValueError`` says what is wrong and what is expected."""
    zone = parse_zone(timezone)
    found = _SPEC.fullmatch(spec.strip())
    if found is None:
        raise ValueError(f"digest {spec!r}: expected 'hourly', 'daily@HH:MM' or 'weekly@DAY HH:MM' (DAY mon … sun)")
    every: Every = found["every"].lower()  # type: ignore[assignment]  # the pattern allows these three only
    rest = (found["rest"] or "").strip().lower()
    if every == "hourly":
        if rest:
            raise ValueError(f"digest {spec!r}: 'hourly' is on the hour and takes no time")
        return Schedule("hourly", zone)
    if every == "daily":
        return Schedule("daily", zone, _parse_time(rest, spec) if rest else DEFAULT_AT)
    day, _, at = rest.partition(" ")
    if ":" in day and not at:  # 'weekly@07:00': Monday at that time
        day, at = "", day
    if day and day not in _WEEKDAYS:
        raise ValueError(f"digest {spec!r}: unknown day {day!r}; expected one of {', '.join(DAYS)}")
    at = at.strip()
    return Schedule("weekly", zone, _parse_time(at, spec) if at else DEFAULT_AT, _WEEKDAYS.get(day, 0))


def parse_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones, e.g. "Europe"
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as 'Europe/Berlin' or 'UTC'") from None


def _parse_time(text: str, spec: str) -> time:
    found = _TIME.fullmatch(text)
    if found is None:
        raise ValueError(f"digest {spec!r}: bad time {text!r}; expected HH:MM (24-hour clock)")
    hour, minute = int(found["h"]), int(found["m"])
    if hour > 23 or minute > 59:
        raise ValueError(f"digest {spec!r}: bad time {text!r}; hours run 00-23 and minutes 00-59")
    return time(hour, minute)


def _next_local_hour(after: datetime, zone: ZoneInfo) -> datetime:
    """The first instant after ``after`` whose local minute is 0 (zones with half-hour offsets included)."""
    step = after.astimezone(UTC).replace(second=0, microsecond=0)
    for _ in range(2 * 60 + 1):
        step += timedelta(minutes=1)
        if step.astimezone(zone).minute == 0:
            return step
    raise AssertionError(f"no local hour in two hours after {after}")  # unreachable
