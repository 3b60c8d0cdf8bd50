"""Feed dates → timezone-aware datetimes.

Feeds spell dates as RFC 822 (RSS), ISO 8601 / RFC 3339 (Atom, JSON Feed, sitemaps) and many broken
variants of both: wrong weekday, missing seconds, zone names like ``EST`` or ``CEST``, ``GMT+2``, a
space instead of ``T``, nine fractional digits, no zone at all. A naive result is taken as UTC.
Unreadable dates give ``None``: a missing date must never cost us the item.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

ZONES = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "IST": 5.5, "CET": 1, "CEST": 2,
    "MET": 1, "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
    "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "JST": 9,
    "KST": 9, "HKT": 8, "SGT": 8, "AEST": 10, "AEDT": 11, "ACST": 9.5, "AWST": 8, "NZST": 12, "NZDT": 13,
}  # fmt: skip
_ZONE_WORD = re.compile(r"\s*\(?\b([A-Z]{1,5})\)?\s*$")
_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\s*$")
_FRACTION = re.compile(r"(\.\d{6})\d+")
_ISO_SHORT_ZONE = re.compile(r"([+-]\d{2})(\d{2})?$")
_COMPACT = re.compile(r"^(\d{8})T?(\d{6})?(Z|[+-]\d{4})?$")
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)


def parse_date(text: str | None) -> datetime | None:
    """Parse a feed date in any common spelling; ``None`` if it cannot be read."""
    if not text or not (cleaned := " ".join(text.split())):
        return None
    parsers = _NUMERIC_FIRST if cleaned[0].isdigit() else _WORDS_FIRST
    for parser in parsers:
        if (parsed := parser(cleaned)) is not None:
            return _aware(parsed)
    return None


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _parse_iso(text: str) -> datetime | None:
    if not text[:4].isdigit() or len(text) < 10 or text[4] not in "-/":
        return None
    text = _FRACTION.sub(r"\1", text.replace("/", "-"))
    text = re.sub(r"\s*(UTC|GMT|Z)$", "+00:00", text)
    text = _ISO_SHORT_ZONE.sub(lambda m: f"{m[1]}:{m[2] or '00'}", text) if "T" in text or " " in text else text
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _parse_rfc822(text: str) -> datetime | None:
    if re.search(r"\d\s*[AP]M\b", text, re.IGNORECASE):
        return None  # parsedate ignores AM/PM: leave it to the loose formats
    text = _fix_zone(text)
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _fix_zone(text: str) -> str:
    """Turn ``GMT+2`` and zone names Python does not know into numeric offsets."""
    if match := _GMT_OFFSET.search(text):
        offset = f"{match[1]}{int(match[2]):02d}{match[3] or '00'}"
        return f"{text[: match.start()]}{offset}"
    if (match := _ZONE_WORD.search(text)) and match[1] in ZONES:
        hours = ZONES[match[1]]
        sign = "-" if hours < 0 else "+"
        minutes = round(abs(hours) * 60)
        return f"{text[: match.start()]} {sign}{minutes // 60:02d}{minutes % 60:02d}"
    return text


def _parse_compact(text: str) -> datetime | None:
    """``20240105T103000Z`` and ``20240105``."""
    if not (match := _COMPACT.match(text)):
        return None
    try:
        value = datetime.strptime(match[1] + (match[2] or "000000"), "%Y%m%d%H%M%S")  # noqa: DTZ007
    except ValueError:
        return None
    zone = match[3]
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        return value.replace(tzinfo=timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:]))))
    return value


_LOOSE_FORMATS = (
    "%d %b %Y %H:%M:%S %z", "%d %b %Y %H:%M %z", "%d %B %Y %H:%M:%S %z", "%b %d %Y %H:%M:%S %z",
    "%b %d, %Y %H:%M:%S %z", "%B %d, %Y %H:%M:%S %z", "%b %d, %Y %I:%M %p %z", "%B %d, %Y %z",
    "%b %d, %Y %z", "%d %b %Y %z", "%d %B %Y %z", "%d.%m.%Y %H:%M:%S %z", "%d.%m.%Y %z",
)  # fmt: skip


def _parse_loose(text: str) -> datetime | None:
    """Last resort: drop the weekday, normalise the zone, try the shapes seen in the wild."""
    text = _fix_zone(_WEEKDAY.sub("", text))
    if not re.search(r"[+-]\d{4}$", text):
        text += " +0000"
    for fmt in _LOOSE_FORMATS:
        try:
            return datetime.strptime(text, fmt)  # noqa: DTZ007 - every format ends in %z
        except ValueError:
            continue
    return None


_NUMERIC_FIRST = (_parse_iso, _parse_compact, _parse_rfc822, _parse_loose)
_WORDS_FIRST = (_parse_rfc822, _parse_loose)
