"""Feed dates in the spellings seen in the wild."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from wirewatch.services.fetcher.dates import parse_date


def tz(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 05 Mar 2024 09:30:00 +0100", datetime(2024, 3, 5, 9, 30, tzinfo=tz(1))),
        ("Tue, 05 Mar 2024 09:30:00 GMT", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("Mon, 05 Mar 2024 09:30:00 GMT", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),  # wrong weekday
        ("Tue, 5 Mar 2024 09:30 EST", datetime(2024, 3, 5, 9, 30, tzinfo=tz(-5))),
        ("Tue, 05 Mar 2024 09:30:00 CEST", datetime(2024, 3, 5, 9, 30, tzinfo=tz(2))),
        ("05 Mar 2024 09:30:00 GMT+2", datetime(2024, 3, 5, 9, 30, tzinfo=tz(2))),
        ("Tue, 05 Mar 2024 09:30:00 +0000 (UTC)", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("2024-03-05T09:30:00Z", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("2024-03-05T09:30:00+05:30", datetime(2024, 3, 5, 9, 30, tzinfo=tz(5.5))),
        ("2024-03-05T09:30:00+0530", datetime(2024, 3, 5, 9, 30, tzinfo=tz(5.5))),
        ("2024-03-05T09:30:00.123456789Z", datetime(2024, 3, 5, 9, 30, 0, 123456, tzinfo=UTC)),
        ("2024-03-05 09:30:00", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),  # naive → UTC
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024/03/05 09:30", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("20240305T093000Z", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("March 5, 2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("Mar 5, 2024 3:04 PM EST", datetime(2024, 3, 5, 15, 4, tzinfo=tz(-5))),
        ("Tuesday, 05-Mar-24 09:30:00 GMT", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
    ],
)
def test_parse_date(text: str, expected: datetime) -> None:
    parsed = parse_date(text)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is not None


@pytest.mark.parametrize("text", [None, "", "   ", "soon", "2024-13-45", "yesterday at noon"])
def test_unreadable_dates_are_none(text: str | None) -> None:
    assert parse_date(text) is None
