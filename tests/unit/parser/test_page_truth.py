"""Title, authors and published date of realistic publisher pages against their hand-checked truth (issue 15).

The pages in ``tests/fixtures/pages/metadata`` each carry one failure kind of the issue: og:title over the
real headline, headline prefixes cut as site names, URL slugs and photo credits as authors, the site name
as byline, JSON-LD times without offsets read as UTC, invented midnights, 12-hour clocks, caption, related
list and comment dates. ``truth.json`` holds what a reader of the page sees; ``bench/metadata.py`` scores
the same set beside trafilatura.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from tests.unit.parser.conftest import PAGES, Parse
from wirewatch.services.parser.authors import clean_authors
from wirewatch.services.parser.datelines import find_dateline

TRUTH = json.loads((PAGES / "metadata" / "truth.json").read_text())


def _instant(text: str) -> datetime:
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return datetime.fromisoformat(text)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_page_metadata_matches_its_truth(parse: Parse, name: str) -> None:
    truth = TRUTH[name]
    article = parse(f"metadata/{name}.html", url=truth["url"])
    assert article.title == truth["title"]
    assert sorted(article.authors) == sorted(truth["authors"])
    assert article.author_organization == truth.get("author_organization")
    assert article.published_at == _instant(truth["published"])
    assert (article.published_precision, article.published_zone) == (truth["precision"], truth["zone"])


def test_fixture_set_covers_every_failure_kind() -> None:
    kinds = {name.split("_")[0] for name in TRUTH}
    assert kinds == {"title", "author", "date"} and len(TRUTH) >= 30


def test_a_zoneless_time_is_flagged_and_logged_not_silently_utc(parse: Parse, caplog: pytest.LogCaptureFixture) -> None:
    truth = TRUTH["date_naive_no_offset"]
    article = parse("metadata/date_naive_no_offset.html", url=truth["url"])
    assert article.published_zone == "unknown" and article.date_source == "json-ld"
    assert any("no offset" in r.getMessage() for r in caplog.records)


def test_a_borrowed_offset_names_where_it_came_from(parse: Parse) -> None:
    truth = TRUTH["date_naive_borrow_modified"]
    article = parse("metadata/date_naive_borrow_modified.html", url=truth["url"])
    assert article.date_source == "json-ld+offset:meta:article:modified_time"


def test_a_naive_modified_time_takes_the_published_offset(parse: Parse) -> None:
    truth = TRUTH["date_naive_jsonld_meta_offset"]
    article = parse("metadata/date_naive_jsonld_meta_offset.html", url=truth["url"])
    assert article.modified_at == datetime.fromisoformat("2024-03-14T12:05:00+05:30")


@pytest.mark.parametrize(
    ("text", "expected", "with_seconds"),
    [
        ("Published 3:15 p.m. ET, Thu January 25, 2024", "2024-01-25T15:15:00-05:00", False),
        ("25 January 2024 • 11.05pm GMT", "2024-01-25T23:05:00+00:00", False),
        ("Updated 11:05 PM EST, Thu Jan 25, 2024", "2024-01-25T23:05:00-05:00", False),
        ("January 25, 2024, 12:40 a.m. ET", "2024-01-25T00:40:00-05:00", False),
        ("Jan 25, 2024 | 12:05 PM", "2024-01-25T12:05:00", False),
        ("25.01.2024, 07:20:15 Uhr", "2024-01-25T07:20:15", True),
    ],
)
def test_twelve_hour_and_detached_clocks_are_read_right(text: str, expected: str, with_seconds: bool) -> None:
    line = find_dateline(text)
    assert line is not None and line.parsed.value == datetime.fromisoformat(expected)
    assert line.has_seconds is with_seconds


@pytest.mark.parametrize(
    "text", ["costs 1.50 on 12 March 2024", "12 March 2024 17.5 km away", "13:75 on 12 March 2024"]
)
def test_a_number_that_is_no_clock_leaves_a_day(text: str) -> None:
    line = find_dateline(text)
    assert line is not None and line.parsed.value == date(2024, 3, 12)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["emma-mackenzie"], []),
        (["iStockphoto", "Getty Images", "AFP via Getty Images", "Photo by Jane Doe"], []),
        (["REUTERS/Thaier al-Sudani"], []),
        (["By ALISTAIR MCDONALD and RHYS O'CONNOR"], ["Alistair McDonald", "Rhys O'Connor"]),
        (["sara van der berg"], ["Sara van der Berg"]),
        (["By Hannah Cole and Agence France-Presse"], ["Hannah Cole"]),
        (["The Northern Herald"], []),
        (["Ann Lee · Published 12 March 2024"], ["Ann Lee"]),
        (["Tom Davies Associated Press", "Kevin McCoy The Northern Herald"], ["Tom Davies", "Kevin McCoy"]),
        (["Malcolm Owen Monday, 18 Nov 2019"], ["Malcolm Owen"]),
        (["rmb8090", "jdadmin", "AS"], []),
    ],
)
def test_only_persons_are_authors(raw: list[str], expected: list[str]) -> None:
    assert clean_authors(raw, ["The Northern Herald"]) == expected


def test_a_by_line_fallback_needs_a_name_after_by(parse: Parse) -> None:
    page = (
        b"<html><body><h1>Storm damage across the county</h1><p>By viewing our video content you accept the terms.</p>"
    )
    page += b"<p>" + b"Trees fell on several roads overnight as the storm passed through. " * 5 + b"</p></body></html>"
    assert parse(page).authors == []
