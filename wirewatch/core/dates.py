"""Dates as feeds and pages write them, read into a value that keeps its precision: one module for both.

Accepted spellings:

* RFC 822 / 1123 / 2822 (RSS, HTTP): ``Tue, 05 Mar 2024 09:30:00 +0100``, a wrong or missing weekday,
  missing seconds, two-digit years (``05-Mar-24``, RFC 850), a trailing comment ``(UTC)``;
* ISO 8601 / RFC 3339 (Atom, JSON Feed, sitemaps, JSON-LD): ``2024-03-05T09:30:00Z``, one-digit hours
  (``2026-11-18T7:05:00Z``), a space or nothing but a zone after the date, any number of fractional
  digits, ``/`` or ``.`` between the date parts, the compact ``20240305T093000Z``;
* English month names and day-first numbers: ``March 5, 2024 3:04 PM EST``, ``25 January 2024``,
  ``Jan. 25, 2024 at 10:32 am ET``, ``25.01.2024``;
* Unix timestamps in seconds or milliseconds (10 or 13 digits).

Zones: ``Z``, ``+05:30`` and ``+0530`` (never read as UTC), ``+05``, ``GMT+3`` / ``UTC-05:00``, and the names
in :data:`ZONES`. Ambiguous names get the reading a news feed most likely means: ``CST`` is US Central
(-6, as RFC 822 says; not China +8), ``IST`` India (+5:30; not Ireland +1 or Israel +2), ``BST`` British
Summer Time (+1; not Bangladesh +6), and the generic US ``ET``/``CT``/``MT``/``PT`` their standard time.
Unknown names are not guessed: the string is not a date.

A date without a time stays a :class:`~datetime.date` (``precision="date"``) and a time without a zone
stays naive: this module invents neither a midnight nor a zone. :meth:`ParsedDate.as_datetime` does, when
a caller asks because its wire field needs an aware datetime.

:func:`parse_date` raises :class:`BadDate` (a :class:`~wirewatch.core.errors.WirewatchError`) for what is
not a date, does not exist (``2024-02-30``), has an absurd offset (``+9900``) or leaves the calendar
(year 99999999999, or a UTC conversion past year 9999); :func:`read_date` is the lenient twin that gives
``None``; :func:`find_date` finds the first date in free text. ``ValueError`` and ``OverflowError`` never
escape any of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal

from wirewatch.core.errors import WirewatchError

__all__ = [
    "MONTHS",
    "TEXT_DATES",
    "ZONES",
    "BadDate",
    "ParsedDate",
    "Precision",
    "find_date",
    "parse_date",
    "read_date",
]

Precision = Literal["date", "datetime"]

MAX_CHARS = 200
MAX_OFFSET_MINUTES = 14 * 60  # the furthest real zones (Kiribati +14, Baker Island -12)
MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
    "nov": 11, "dec": 12,
}  # fmt: skip
ZONES = {
    "Z": 0, "UT": 0, "UTC": 0, "GMT": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "MET": 1,
    "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5, "HKT": 8, "SGT": 8, "AWST": 8, "JST": 9, "KST": 9,
    "ACST": 9.5, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13, "EST": -5, "EDT": -4, "ET": -5, "CST": -6,
    "CDT": -5, "CT": -6, "MST": -7, "MDT": -6, "MT": -7, "PST": -8, "PDT": -7, "PT": -8, "AKST": -9,
    "AKDT": -8, "HST": -10,
}  # fmt: skip


class BadDate(WirewatchError):
    """A string that is not a date, or names one that cannot exist (absurd offset, out of range)."""

    error_class = "bad_date"
    retriable = False


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A date as written: a ``date`` when no time was given, else a ``datetime`` (naive when no zone was)."""

    value: datetime | date
    precision: Precision

    @property
    def naive(self) -> bool:
        """No zone was given (always true of a bare date)."""
        return not isinstance(self.value, datetime) or self.value.tzinfo is None

    def as_datetime(self, zone: tzinfo = UTC) -> datetime:
        """An aware datetime for a field that needs one: a date is 00:00 in ``zone``, a naive time is read in it."""
        value = self.value
        if not isinstance(value, datetime):
            value = datetime.combine(value, time())
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def parse_date(text: str | None) -> ParsedDate:
    """The date ``text`` spells, whole; :class:`BadDate` if it spells none or one that cannot exist."""
    if not isinstance(text, str) or not (cleaned := " ".join(text.split())):
        raise BadDate("empty date")
    if len(cleaned) > MAX_CHARS:
        raise BadDate(f"not a date: {len(cleaned)} characters")
    cleaned = cleaned.replace("\u2212", "-")  # a typographic minus in an offset
    if _TIMESTAMP.fullmatch(cleaned):
        return _from_timestamp(cleaned)
    for pattern in _WHOLE:
        if match := pattern.fullmatch(cleaned):
            return _from_match(match)
    raise BadDate(f"not a date: {cleaned[:60]!r}")


def read_date(text: str | None) -> ParsedDate | None:
    """:func:`parse_date`, or ``None`` where it would raise: a missing date never costs the item."""
    try:
        return parse_date(text)
    except BadDate:
        return None


def find_date(text: str) -> ParsedDate | None:
    """The first date written out in free text (years 1900–2099), trying each spelling in turn."""
    text = text.replace("\u2212", "-")
    for pattern in TEXT_DATES:
        for match in pattern.finditer(text):
            try:
                return _from_match(match)
            except BadDate:
                continue
    return None


# -- the grammar -------------------------------------------------------------------------------------------

_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*)?"
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
)
_DAY = r"(?<!\d)(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_NUM_MONTH = r"(?P<month>\d{1,2})"
_ZONE_NAMES = "|".join(sorted(ZONES, key=len, reverse=True))
_ZONE = (
    r"(?:\s*(?:(?:GMT|UTC|UT)\s*)?(?P<sign>[+-])(?P<off_h>\d{1,2})(?::?(?P<off_m>\d{2}))?(?!\d)"
    rf"|\s*(?P<zone>{_ZONE_NAMES})(?![a-z]))"
)
_TIME = (
    r"(?:T|,?\s*(?:at\s+|[-|]\s*)?)(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?(?!\d)(?:\s*(?P<ampm>[ap])\.?m\.?(?![a-z]))?"
)


def _date_forms(year4: str, year: str) -> tuple[str, ...]:
    """Month-name forms may have RFC 2822's two-digit year (``year``); numeric ones need four (``year4``)."""
    return (
        _MONTH + r"\s*" + _DAY + r"(?:,\s*|\s+)" + year,  # March 5, 2024
        _DAY + r"(?:\.?\s+(?:of\s+)?|-)" + _MONTH + r"(?:,?\s+|-)" + year,  # 5 March 2024, 05-Mar-24
        year4 + r"(?P<sep>[-/.])" + _NUM_MONTH + r"(?P=sep)" + _DAY + r"(?!\d)",  # 2024-03-05
        _DAY + r"\." + _NUM_MONTH + r"\." + year4,  # 05.03.2024
    )


_YEAR4 = r"(?P<year>\d{4})(?!\d)"
_YEAR = r"(?P<year>\d{4}|\d{2})(?!\d)"
_TEXT_YEAR = r"(?P<year>(?:19|20)\d{2})(?!\d)"
_COMPACT = (
    r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})(?:T?(?P<hour>\d{2})(?P<minute>\d{2})(?P<second>\d{2})?)?"
    r"(?:(?P<zone>Z)|(?P<sign>[+-])(?P<off_h>\d{2})(?P<off_m>\d{2}))?"
)
_TRAILER = r"\s*(?:\([^()]*\))?\s*"
_WHOLE = (
    *(
        re.compile(_WEEKDAY + form + rf"(?:{_TIME})?(?:{_ZONE})?" + _TRAILER, re.IGNORECASE)
        for form in _date_forms(_YEAR4, _YEAR)
    ),
    re.compile(_COMPACT, re.IGNORECASE),
)
TEXT_DATES = tuple(
    re.compile(form + rf"(?:{_TIME}(?:{_ZONE})?)?", re.IGNORECASE) for form in _date_forms(_TEXT_YEAR, _TEXT_YEAR)
)
_TIMESTAMP = re.compile(r"\d{10}(?:\d{3})?")


# -- from a match to a value -------------------------------------------------------------------------------


def _from_match(match: re.Match[str]) -> ParsedDate:
    parts = match.groupdict()
    day = _calendar_day(parts)
    if parts.get("hour") is None:
        return ParsedDate(day, "date")
    hour, minute, second, micro = _clock(parts)
    zone = _zone(parts)
    try:
        value = datetime.combine(day, time(0, minute, second, micro), tzinfo=zone) + timedelta(hours=hour)
        value.astimezone(UTC)  # a zone that pushes it past year 9999 (or before year 1)
    except OverflowError as exc:
        raise BadDate(f"date out of range: {match[0]!r}") from exc
    return ParsedDate(value, "datetime")


def _calendar_day(parts: dict[str, str | None]) -> date:
    year_text, month_text = parts["year"] or "", (parts["month"] or "").lower()
    year = int(year_text)
    if len(year_text) == 2:  # RFC 2822's obsolete two-digit year
        year += 2000 if year < 50 else 1900
    month = int(month_text) if month_text.isdigit() else MONTHS[month_text[:3]]
    try:
        return date(year, month, int(parts["day"] or 0))
    except ValueError as exc:
        raise BadDate(f"no such day: {year}-{month}-{parts['day']}") from exc


def _clock(parts: dict[str, str | None]) -> tuple[int, int, int, int]:
    """Hour (24 allowed for the end of a day), minute, second (a leap second kept as :59), microsecond."""
    hour, minute, second = int(parts["hour"] or 0), int(parts["minute"] or 0), int(parts["second"] or 0)
    ampm = (parts.get("ampm") or "").lower()
    if ampm and not 1 <= hour <= 12:
        raise BadDate(f"no such hour: {hour} {ampm}m")
    if ampm:
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 24 or minute > 59 or second > 60 or (hour == 24 and minute + second > 0):
        raise BadDate(f"no such time: {hour}:{minute:02d}:{second:02d}")
    micro = int(((parts.get("fraction") or "") + "000000")[:6])
    return hour, minute, min(second, 59), micro


def _zone(parts: dict[str, str | None]) -> timezone | None:
    if name := parts.get("zone"):
        return timezone(timedelta(hours=ZONES[name.upper()]))
    if not parts.get("sign"):
        return None
    minutes = int(parts["off_h"] or 0) * 60 + int(parts.get("off_m") or 0)
    if minutes > MAX_OFFSET_MINUTES or int(parts.get("off_m") or 0) > 59:
        raise BadDate(f"absurd offset {parts['sign']}{parts['off_h']}:{parts.get('off_m') or '00'}")
    return timezone(timedelta(minutes=-minutes if parts["sign"] == "-" else minutes))


def _from_timestamp(digits: str) -> ParsedDate:
    seconds = int(digits) / (1000 if len(digits) == 13 else 1)
    try:
        return ParsedDate(datetime.fromtimestamp(seconds, tz=UTC), "datetime")
    except (OverflowError, OSError, ValueError) as exc:
        raise BadDate(f"timestamp out of range: {digits}") from exc
