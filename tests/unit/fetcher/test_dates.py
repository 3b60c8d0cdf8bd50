"""What the fetcher does with a feed's date (the spellings themselves are in tests/unit/core/test_dates.py).

``FeedItem.published_at`` needs an aware datetime: a date-only value is recorded as 00:00 UTC and a time
without a zone as UTC, explicitly here rather than inside the date module; an unreadable date is no date.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from wirewatch.services.fetcher.feedmodels import item_date
from wirewatch.services.fetcher.feedparsing import parse_feed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wed, 18 Nov 2026 07:15 GMT+3", datetime(2026, 11, 18, 7, 15, tzinfo=timezone(timedelta(hours=3)))),
        ("2024-03-05T09:30:00+0530", datetime(2024, 3, 5, 9, 30, tzinfo=timezone(timedelta(hours=5.5)))),
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024-03-05 09:30:00", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("2024-03-05T09:30:00+9900", None),
        ("yesterday", None),
        (None, None),
    ],
)
def test_item_date(text: str | None, expected: datetime | None) -> None:
    found = item_date(text)
    assert found == expected
    if found is not None and expected is not None:
        assert found.utcoffset() == expected.utcoffset()


def test_an_absurd_date_costs_the_date_not_the_item() -> None:
    body = (
        b"<rss version='2.0'><channel><title>T</title>"
        b"<item><title>A</title><link>https://news.example/a</link>"
        b"<pubDate>Tue, 05 Mar 99999 09:30 +9900</pubDate></item>"
        b"<item><title>B</title><link>https://news.example/b</link>"
        b"<pubDate>Tue, 05 Mar 2024 09:30 GMT+3</pubDate></item>"
        b"</channel></rss>"
    )
    items = parse_feed(body, url="https://news.example/feed.xml").items
    assert [item.link for item in items] == ["https://news.example/a", "https://news.example/b"]
    assert items[0].published_at is None
    assert items[1].published_at == datetime(2024, 3, 5, 6, 30, tzinfo=UTC)
