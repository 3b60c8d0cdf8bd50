"""Dates written in a page's visible text, with the clock that goes with them.

Pages write a dateline in more shapes than a date field: the clock before the day ("Published 3:15 p.m.
ET, Thu January 25, 2024"), after a bullet ("25 January 2024 • 11.05pm GMT"), or after a comma. The
first date in the text (by position, whichever spelling it uses) is taken; when it has no time of its own,
a clock written just before or just after it (a 12-hour clock needs its a.m./p.m., a 24-hour one its
colon) is joined to it and the two are read together by :mod:`wirewatch.core.dates`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wirewatch.core.dates import TEXT_DATES, ZONES, ParsedDate, read_date

_ZONE_NAMES = "|".join(sorted(ZONES, key=len, reverse=True))
_CLOCK = (
    r"(?<![\d:.])(?P<hour>\d{1,2})(?P<sep>[:.])(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?!\d)"
    r"(?:\s*(?P<ampm>[ap]\.?\s?m\.?)(?![a-z]))?"
    rf"(?:\s*(?P<zone>(?:GMT|UTC)\s*[+-]\d{{1,2}}(?::?\d{{2}})?|[+-]\d{{2}}:?\d{{2}}|(?:{_ZONE_NAMES})(?![a-z])))?"
)
_CLOCK_AFTER = re.compile(r"^[\s,|•·\-–—@]*(?:at\s+)?" + _CLOCK, re.IGNORECASE)
_CLOCK_BEFORE = re.compile(_CLOCK + r"[\s,|•·\-–—]*(?:on\s+)?(?:[a-z]{3,9}\.?,?\s*)?$", re.IGNORECASE)
_WINDOW = 48


@dataclass(frozen=True, slots=True)
class Dateline:
    """A date found in text, the text it was read from, and whether that text gave seconds."""

    parsed: ParsedDate
    text: str

    @property
    def has_seconds(self) -> bool:
        return bool(re.search(r"\d[:.]\d{2}:\d{2}", self.text))


def find_dateline(text: str) -> Dateline | None:
    """The first readable date in ``text``, with a nearby clock joined to it when it has none."""
    for match in _matches_by_position(text):
        parsed = read_date(match[0])
        if parsed is None:
            continue
        if parsed.precision == "datetime":
            return Dateline(parsed, match[0])
        clock = _clock_near(text, match.start(), match.end())
        joined = f"{match[0]} {clock}" if clock else None
        with_clock = read_date(joined) if joined else None
        return Dateline(with_clock, joined or "") if with_clock else Dateline(parsed, match[0])
    return None


def _matches_by_position(text: str) -> list[re.Match[str]]:
    found = [m for pattern in TEXT_DATES for m in pattern.finditer(text)]
    return sorted(found, key=lambda m: (m.start(), -len(m[0])))


def _clock_near(text: str, start: int, end: int) -> str | None:
    after = _CLOCK_AFTER.match(text[end : end + _WINDOW])
    if after and _is_clock(after):
        return after[0].lstrip(" ,|•·-–—@").removeprefix("at ").strip()
    before = _CLOCK_BEFORE.search(text[max(0, start - _WINDOW) : start])
    if before and _is_clock(before):
        return text[max(0, start - _WINDOW) : start][before.start() : before.end("minute") + _tail(before)]
    return None


def _tail(match: re.Match[str]) -> int:
    """How far past the minutes the clock goes (seconds, a.m./p.m., zone)."""
    last = max((match.end(g) for g in ("second", "ampm", "zone") if match.group(g)), default=match.end("minute"))
    return last - match.end("minute")


def _is_clock(match: re.Match[str]) -> bool:
    """A 12-hour clock needs a.m./p.m.; a 24-hour one a colon or a zone (so a price like 1.50 is no clock)."""
    hour, minute = int(match["hour"]), int(match["minute"])
    if minute > 59:
        return False
    if match["ampm"]:
        return 1 <= hour <= 12
    return hour <= 23 and (match["sep"] == ":" or bool(match["zone"]))
