"""One date module for feeds and pages: each row is a string and the value it must give, or BadDate.

Offsets are compared as well as instants, so a ``GMT+3`` read as UTC, or a ``+05:30`` dropped, fails.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from wirewatch.core.dates import BadDate, ParsedDate, find_date, parse_date, read_date
from wirewatch.core.errors import WirewatchError


def tz(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


def at(
    year: int, month: int, dd: int, hh: int, mm: int, ss: int = 0, us: int = 0, *, zone: timezone | None = UTC
) -> ParsedDate:
    return ParsedDate(datetime(year, month, dd, hh, mm, ss, us, tzinfo=zone), "datetime")


def day(year: int, month: int, dd: int) -> ParsedDate:
    return ParsedDate(date(year, month, dd), "date")


ROWS: list[tuple[str | None, ParsedDate | type[BadDate]]] = [
    # RFC 822 / 1123 / 2822 (RSS, HTTP)
    ("Tue, 05 Mar 2024 09:30:00 +0100", at(2024, 3, 5, 9, 30, zone=tz(1))),
    ("Tue, 05 Mar 2024 09:30:00 GMT", at(2024, 3, 5, 9, 30)),
    ("Mon, 05 Mar 2024 09:30:00 GMT", at(2024, 3, 5, 9, 30)),  # wrong weekday: the date wins
    ("05 Mar 2024 09:30:00 +0530", at(2024, 3, 5, 9, 30, zone=tz(5.5))),
    ("05 Mar 2024 09:30:00 +05:30", at(2024, 3, 5, 9, 30, zone=tz(5.5))),
    ("05 Mar 2024 09:30:00 -0330", at(2024, 3, 5, 9, 30, zone=tz(-3.5))),
    ("Tue, 5 Mar 2024 09:30 EST", at(2024, 3, 5, 9, 30, zone=tz(-5))),
    ("Tue, 05 Jul 2024 09:30:00 EDT", at(2024, 7, 5, 9, 30, zone=tz(-4))),
    ("Tue, 05 Mar 2024 09:30:00 CST", at(2024, 3, 5, 9, 30, zone=tz(-6))),  # US Central, not China
    ("Tue, 05 Mar 2024 09:30:00 MDT", at(2024, 3, 5, 9, 30, zone=tz(-6))),
    ("Tue, 05 Mar 2024 09:30:00 PST", at(2024, 3, 5, 9, 30, zone=tz(-8))),
    ("Tue, 05 Mar 2024 09:30:00 CEST", at(2024, 3, 5, 9, 30, zone=tz(2))),
    ("Tue, 05 Mar 2024 09:30:00 EET", at(2024, 3, 5, 9, 30, zone=tz(2))),
    ("Tue, 05 Mar 2024 09:30:00 BST", at(2024, 3, 5, 9, 30, zone=tz(1))),  # British Summer Time
    ("Tue, 05 Mar 2024 09:30:00 IST", at(2024, 3, 5, 9, 30, zone=tz(5.5))),  # India
    ("Tue, 05 Mar 2024 09:30:00 utc", at(2024, 3, 5, 9, 30)),
    ("Wed, 18 Nov 2026 07:15 GMT+3", at(2026, 11, 18, 7, 15, zone=tz(3))),  # fetcher and parser disagreed
    ("Wed, 18 Nov 2026 07:15 UTC-05:00", at(2026, 11, 18, 7, 15, zone=tz(-5))),
    ("Wed, 18 Nov 2026 07:15 GMT+0530", at(2026, 11, 18, 7, 15, zone=tz(5.5))),
    ("Tue, 05 Mar 2024 09:30:00 +0000 (UTC)", at(2024, 3, 5, 9, 30)),
    ("Tuesday, 05-Mar-24 09:30:00 GMT", at(2024, 3, 5, 9, 30)),  # RFC 850, two-digit year
    ("05 Mar 99 09:30 GMT", at(1999, 3, 5, 9, 30)),
    ("Tue, 05 Mar 2024 09:30:00", at(2024, 3, 5, 9, 30, zone=None)),  # no zone: naive, not UTC
    # ISO 8601 / RFC 3339 (Atom, JSON Feed, sitemaps, JSON-LD)
    ("2024-03-05T09:30:00Z", at(2024, 3, 5, 9, 30)),
    ("2024-03-05T09:30:00+05:30", at(2024, 3, 5, 9, 30, zone=tz(5.5))),
    ("2024-03-05T09:30:00+0530", at(2024, 3, 5, 9, 30, zone=tz(5.5))),
    ("2024-03-05T09:30:00+05", at(2024, 3, 5, 9, 30, zone=tz(5))),
    ("2024-03-05T09:30:00-08:00", at(2024, 3, 5, 9, 30, zone=tz(-8))),
    ("2024-03-05T09:30:00\u221205:00", at(2024, 3, 5, 9, 30, zone=tz(-5))),  # typographic minus
    ("2026-11-18T7:05:00Z", at(2026, 11, 18, 7, 5)),  # one-digit hour
    ("2026-11-18 7:05", at(2026, 11, 18, 7, 5, zone=None)),
    ("2024-03-05T09:30Z", at(2024, 3, 5, 9, 30)),
    ("2024-03-05T09:30:00.123456789Z", at(2024, 3, 5, 9, 30, 0, 123456)),
    ("2024-03-05T09:30:00,5+01:00", at(2024, 3, 5, 9, 30, 0, 500000, zone=tz(1))),
    ("2024-03-05 09:30:00 UTC", at(2024, 3, 5, 9, 30)),
    ("2024-03-05 09:30:00 CET", at(2024, 3, 5, 9, 30, zone=tz(1))),
    ("2024-03-05T23:59:60Z", at(2024, 3, 5, 23, 59, 59)),  # a leap second, kept inside the minute
    ("2024-03-05T24:00:00Z", at(2024, 3, 6, 0, 0)),  # ISO's end of day
    ("2024/03/05 09:30", at(2024, 3, 5, 9, 30, zone=None)),
    ("20240305T093000Z", at(2024, 3, 5, 9, 30)),
    ("20240305T093000+0100", at(2024, 3, 5, 9, 30, zone=tz(1))),
    ("  2024-03-05T09:30:00Z\n", at(2024, 3, 5, 9, 30)),
    # date-only values stay dates: no invented midnight
    ("2024-03-05", day(2024, 3, 5)),
    ("2024-02-29", day(2024, 2, 29)),
    ("20240305", day(2024, 3, 5)),
    ("March 5, 2024", day(2024, 3, 5)),
    ("5 March 2024", day(2024, 3, 5)),
    ("Tue, 05 Mar 2024", day(2024, 3, 5)),
    ("25.01.2024", day(2024, 1, 25)),
    ("March 5, 2024 EST", day(2024, 3, 5)),
    # English spellings from pages
    ("Mar 5, 2024 3:04 PM EST", at(2024, 3, 5, 15, 4, zone=tz(-5))),
    ("Jan. 25, 2024 10:32 AM ET", at(2024, 1, 25, 10, 32, zone=tz(-5))),
    ("January 25, 2024 at 12:05 am", at(2024, 1, 25, 0, 5, zone=None)),
    ("25th of January 2024, 10:32 PT", at(2024, 1, 25, 10, 32, zone=tz(-8))),
    ("Sept. 3, 2024", day(2024, 9, 3)),
    # Unix timestamps
    ("1709631000", at(2024, 3, 5, 9, 30)),
    ("1709631000000", at(2024, 3, 5, 9, 30)),
    # not dates, or dates that cannot exist: BadDate, never ValueError or OverflowError
    (None, BadDate),
    ("", BadDate),
    ("   ", BadDate),
    ("soon", BadDate),
    ("yesterday at noon", BadDate),
    ("2024-13-45", BadDate),
    ("2024-02-30", BadDate),
    ("2023-02-29", BadDate),
    ("0000-01-01", BadDate),
    ("2024-03-05T25:00:00Z", BadDate),
    ("2024-03-05T09:61:00Z", BadDate),
    ("2024-03-05T24:30:00Z", BadDate),
    ("Mar 5, 2024 13:30 PM", BadDate),
    ("2024-03-05T09:30:00+9900", BadDate),  # absurd offset
    ("Tue, 05 Mar 2024 09:30:00 +9900", BadDate),
    ("2024-03-05T09:30:00+15:00", BadDate),
    ("2024-03-05T09:30:00+05:75", BadDate),
    ("Tue, 05 Mar 2024 09:30:00 GMT+99", BadDate),
    ("99999999999-01-01T00:00:00Z", BadDate),  # year 99999999999
    ("Tue, 05 Mar 99999999999 09:30:00 GMT", BadDate),
    ("9999-12-31T23:00:00-05:00", BadDate),  # past year 9999 in UTC
    ("0001-01-01T00:30:00+01:00", BadDate),  # before year 1 in UTC
    ("99999999999999999999", BadDate),
    ("Tue, 05 Mar 2024 09:30:00 XYZ", BadDate),  # unknown zone names are not guessed
    ("2024-03-05T09:30:00Z and then some words", BadDate),
    ("2024-03-05" + " " * 300 + "x", BadDate),
]


def offset(parsed: ParsedDate) -> timedelta | None:
    return parsed.value.utcoffset() if isinstance(parsed.value, datetime) else None


@pytest.mark.parametrize(("text", "expected"), ROWS, ids=[repr(text)[:50] for text, _ in ROWS])
def test_parse_date(text: str | None, expected: ParsedDate | type[BadDate]) -> None:
    if not isinstance(expected, ParsedDate):
        with pytest.raises(BadDate):
            parse_date(text)
        assert read_date(text) is None
        return
    parsed = parse_date(text)
    assert parsed == expected
    assert type(parsed.value) is type(expected.value) and parsed.precision == expected.precision
    assert offset(parsed) == offset(expected)
    assert read_date(text) == parsed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BAGHDAD, 18 November 2026 07:15 GMT+3 (Reuters) - Talks", at(2026, 11, 18, 7, 15, zone=tz(3))),
        ("Published Jan. 25, 2024 at 10:32 a.m. ET by staff", at(2024, 1, 25, 10, 32, zone=tz(-5))),
        ("Updated 14 February 2024, 10:20", at(2024, 2, 14, 10, 20, zone=None)),
        ("Updated 25 January 2024 | Politics", day(2024, 1, 25)),
        ("posted 2024-03-05 by the desk", day(2024, 3, 5)),
        ("Le 25.01.2024 à 10h", day(2024, 1, 25)),
        ("February 30, 2024 was a typo; March 1, 2024 was meant", day(2024, 3, 1)),
        ("founded on 5 March 1850, rebuilt in 1921", None),  # years outside 1900-2099 are not news dates
        ("nothing dated here, 10:30 at the latest", None),
    ],
)
def test_find_date(text: str, expected: ParsedDate | None) -> None:
    found = find_date(text)
    assert found == expected
    if found is not None and expected is not None:
        assert offset(found) == offset(expected)


def test_as_datetime_is_the_callers_explicit_choice() -> None:
    assert day(2024, 3, 5).naive and day(2024, 3, 5).as_datetime() == datetime(2024, 3, 5, tzinfo=UTC)
    assert day(2024, 3, 5).as_datetime(tz(3)).utcoffset() == timedelta(hours=3)
    naive = at(2024, 3, 5, 9, 30, zone=None)
    assert naive.naive and naive.as_datetime() == datetime(2024, 3, 5, 9, 30, tzinfo=UTC)
    aware = at(2024, 3, 5, 9, 30, zone=tz(3))
    assert not aware.naive and aware.as_datetime() is aware.value


def test_bad_date_is_a_modelled_error() -> None:
    with pytest.raises(BadDate) as caught:
        parse_date("2024-03-05T09:30:00+9900")
    assert isinstance(caught.value, WirewatchError)
    assert caught.value.error_class == "bad_date" and caught.value.retriable is False
    assert "offset" in caught.value.reason
