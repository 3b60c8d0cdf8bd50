"""Reading one date string, in whatever form pages write them, as a timezone-aware datetime.

ISO 8601 (with or without a zone), RFC 2822, Unix timestamps, ``2024/01/25`` and ``25.01.2024``,
and English month names ("Jan. 25, 2024 10:32 AM ET", "25 January 2024"). A date without a zone is
taken as UTC: the schema needs an aware datetime and a day-level date is what such pages mean.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_ZONES = {
    "utc": 0, "gmt": 0, "z": 0, "et": -5, "est": -5, "edt": -4, "ct": -6, "cst": -6, "cdt": -5,
    "mt": -7, "mst": -7, "mdt": -6, "pt": -8, "pst": -8, "pdt": -7, "bst": 1, "cet": 1, "cest": 2,
    "eet": 2, "eest": 3, "ist": 5.5, "jst": 9, "aest": 10, "aedt": 11,
}  # fmt: skip
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_TIME = (
    r"(?:,?\s*(?:at\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?\s*(?P<zone>[a-z]{1,4}\b)?)?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
TEXT_DATES = (
    re.compile(_MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + _TIME, re.IGNORECASE),
    re.compile(_DAY + r"\.?\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + _TIME, re.IGNORECASE),
    re.compile(_YEAR + r"[-/.](?P<month>\d{1,2})[-/.]" + _DAY + r"(?![\d])" + _TIME, re.IGNORECASE),
    re.compile(_DAY + r"\.(?P<month>\d{1,2})\." + _YEAR + _TIME, re.IGNORECASE),
)
_TIMESTAMP = re.compile(r"^\d{10}(?:\d{3})?$")
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def parse_datetime(value: str | None) -> datetime | None:
    """A timezone-aware datetime from one date string, or ``None`` if it is not a date."""
    if not value or len(value) > 200:
        return None
    value = value.strip()
    parsed = _iso(value) or _timestamp(value) or _rfc2822(value) or find_text_date(value)
    return parsed


def find_text_date(text: str) -> datetime | None:
    """The first date written out in free text, if any."""
    for pattern in TEXT_DATES:
        for match in pattern.finditer(text):
            parsed = _from_match(match)
            if parsed is not None:
                return parsed
    return None


def plausible(value: datetime | None, now: datetime) -> bool:
    """Between 1990 and a day after ``now``: anything else is a parsing accident or a future event."""
    return value is not None and EARLIEST <= value <= now + timedelta(days=1)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _iso(value: str) -> datetime | None:
    candidate = value.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", value) else value
    candidate = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", candidate.replace(" ", ""))
    try:
        return _aware(datetime.fromisoformat(candidate))
    except ValueError:
        return None


def _timestamp(value: str) -> datetime | None:
    if not _TIMESTAMP.match(value):
        return None
    seconds = int(value) / (1000 if len(value) == 13 else 1)
    return datetime.fromtimestamp(seconds, tz=UTC)


def _rfc2822(value: str) -> datetime | None:
    if not re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", value):
        return None
    try:
        return _aware(parsedate_to_datetime(value))
    except (TypeError, ValueError):
        return None


def _from_match(match: re.Match[str]) -> datetime | None:
    parts = match.groupdict()
    month_text = parts["month"].lower().rstrip(".")
    month = (
        int(month_text)
        if month_text.isdigit()
        else MONTHS.get(month_text[:4].rstrip("e"), MONTHS.get(month_text[:3], 0))
    )
    hour, minute = _clock(parts)
    try:
        return datetime(
            int(parts["year"]), month, int(parts["day"]), hour, minute, int(parts["second"] or 0),
            tzinfo=_zone(parts.get("zone")),
        )  # fmt: skip
    except ValueError:
        return None


def _clock(parts: dict[str, str | None]) -> tuple[int, int]:
    if parts.get("hour") is None:
        return 0, 0
    hour, minute = int(parts["hour"] or 0), int(parts["minute"] or 0)
    ampm = (parts.get("ampm") or "").replace(".", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    return (hour, minute) if hour < 24 and minute < 60 else (0, 0)


def _zone(name: str | None) -> timezone:
    offset = _ZONES.get((name or "").lower(), 0)
    return timezone(timedelta(hours=offset)) if offset else UTC
