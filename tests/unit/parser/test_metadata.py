"""Metadata by order of trust: JSON-LD, meta tags, <time>, URL, visible text, then the feed item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.unit.parser.conftest import FETCHED_AT, Parse
from wirewatch.schemas.pages import FeedItem
from wirewatch.services.parser.authors import clean_authors
from wirewatch.services.parser.titles import clean_title

FEED_DATE = datetime(2024, 1, 20, 6, 0, tzinfo=UTC)


def test_jsonld_article_supplies_metadata(parse: Parse) -> None:
    article = parse("iraq_coalition.html", url="https://www.meridianpost.example/world/x?utm_source=rss")
    assert article.title == "Coalition forces to leave Iraq by September 2025, Baghdad says"
    assert article.authors == ["Layla Haddad", "Tom Whitfield"]
    assert article.published_at == datetime(2024, 1, 25, 14, 32, tzinfo=timezone(timedelta(hours=3)))
    assert article.date_source == "json-ld"  # JSON-LD outranks article:published_time on the same page
    assert article.modified_at == datetime(2024, 1, 25, 15, 5, tzinfo=UTC)
    assert article.canonical_url == "https://www.meridianpost.example/world/middle-east/coalition-forces-leave-iraq"
    assert article.source == "The Meridian Post"
    assert article.image == "https://www.meridianpost.example/media/2024/01/baghdad-talks.jpg"
    assert article.section == "Middle East"
    assert article.tags == ["Iraq", "Kataib Hezbollah"]
    assert article.language == "en"
    assert article.description is not None and "al-Sudani" in article.description


def test_meta_tags_when_there_is_no_jsonld(parse: Parse) -> None:
    article = parse("militia_meta_tags.html")
    assert article.published_at == datetime(2024, 2, 3, 9, 15, tzinfo=UTC)
    assert article.date_source == "meta:article:published_time"
    assert article.modified_at == datetime(2024, 2, 3, 11, 40, tzinfo=UTC)
    assert article.authors == ["Samir Nouri", "Hana Ibrahim"]
    assert article.title == "Kataib Hezbollah suspends attacks on US troops"
    assert article.source == "Gulf Ledger"
    assert article.tags == ["Iraq", "militias", "Kataib Hezbollah", "United States"]


def test_time_element_when_no_metadata(parse: Parse) -> None:
    article = parse("time_element.html", url="https://erbil.example/2020/05/05/old-slug")
    assert article.published_at == datetime(2024, 3, 11, 7, 45, tzinfo=timezone(timedelta(hours=1)))
    assert article.date_source == "time-element"  # outranks the (older) date in the URL


def test_url_date_when_the_page_has_none(parse: Parse) -> None:
    article = parse("undated_brief.html", url="https://tigris.example/news/2024/01/25/parliament-review")
    assert article.published_at == datetime(2024, 1, 25, tzinfo=UTC)
    assert article.date_source == "url"


def test_visible_text_date_when_nothing_else(parse: Parse) -> None:
    article = parse("text_dated_brief.html")
    assert article.published_at == datetime(2024, 2, 14, 10, 20, tzinfo=UTC)
    assert article.date_source == "text"
    assert "Published 14 February" not in article.text  # the dateline is furniture, not body


def test_feed_item_is_only_a_fallback(parse: Parse) -> None:
    item = FeedItem(
        link="https://tigris.example/x",
        title="Feed title",
        published_at=FEED_DATE,
        authors=["Feed Author"],
        tags=["feed-tag"],
    )
    undated = parse("undated_brief.html", item=item)
    assert (undated.published_at, undated.date_source) == (FEED_DATE, "feed")
    assert undated.authors == ["Feed Author"] and undated.tags == ["feed-tag"]
    dated = parse("iraq_coalition.html", item=item)
    assert dated.date_source == "json-ld" and dated.authors == ["Layla Haddad", "Tom Whitfield"]


def test_no_date_anywhere_leaves_it_empty(parse: Parse) -> None:
    article = parse("undated_brief.html")
    assert article.published_at is None and article.date_source is None


def test_future_dates_are_not_trusted(parse: Parse) -> None:
    article = parse("undated_brief.html", url="https://tigris.example/2031/01/25/story")
    assert article.published_at is None


def test_source_falls_back_to_host(parse: Parse) -> None:
    assert parse("undated_brief.html", url="https://www.tigris.example/a").source == "tigris.example"


@pytest.mark.parametrize(
    ("raw", "sites", "expected"),
    [
        (
            "Coalition talks stall again | The Meridian Post",
            ["The Meridian Post"],
            "Coalition talks stall again",
        ),
        (
            "Coalition talks stall again - Meridian Post",
            ["meridianpost.example"],
            "Coalition talks stall again",
        ),
        ("Meridian Post: Coalition talks stall again", ["Meridian Post"], "Coalition talks stall again"),
        ("Coalition talks stall again | World | Meridian", [], "Coalition talks stall again | World | Meridian"),
        ("Analysis: Coalition talks stall again | Meridian", ["Meridian"], "Analysis: Coalition talks stall again"),
        (
            "Iraq - Coalition talks stall again - Iraq Daily",
            ["iraqdaily.example"],
            "Iraq - Coalition talks stall again",
        ),
        ("Kyiv | A city that refuses to sleep", ["Northern Herald"], "Kyiv | A city that refuses to sleep"),
        ("Coalition talks stall again / Meridian", ["Meridian"], "Coalition talks stall again / Meridian"),
        (
            "World › Middle East › Coalition talks stall again in Baghdad",
            [],
            "Coalition talks stall again in Baghdad",
        ),
        ("Kataib Hezbollah - what we know", ["Meridian"], "Kataib Hezbollah - what we know"),
        ("  Spaces\n everywhere   ", [], "Spaces everywhere"),
        ("", [], None),
    ],
)
def test_title_cleanup(raw: str, sites: list[str], expected: str | None) -> None:
    assert clean_title(raw, sites) == expected


def test_a_section_is_cut_only_beside_the_site_name() -> None:
    assert clean_title("Talks stall | World | Meridian", ["Meridian"], ["World"]) == "Talks stall"
    assert clean_title("World | Talks stall", ["Meridian"], ["World"]) == "World | Talks stall"


def test_h1_disambiguates_an_unknown_site_suffix(parse: Parse) -> None:
    assert parse("text_dated_brief.html").title == "Oil ministry restarts northern pipeline talks"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["By Layla Haddad and Tom Whitfield"], ["Layla Haddad", "Tom Whitfield"]),
        (["Analysis by Rania Kassem, Senior Correspondent"], ["Rania Kassem"]),
        (["By SAMIR NOURI | Jan 25, 2024 10:32 AM"], ["Samir Nouri"]),
        (["Written by: Omar Faruq & Li Wei; Hana Ibrahim"], ["Omar Faruq", "Li Wei", "Hana Ibrahim"]),
        (["Layla Haddad", "layla haddad"], ["Layla Haddad"]),
        (["https://meridian.example/authors/7", "editor@meridian.example", "Updated 3 hours ago"], []),
        (["Wire staff"], []),
    ],
)
def test_author_cleanup(raw: list[str], expected: list[str]) -> None:
    assert clean_authors(raw) == expected


def test_parsed_at_is_set_and_aware(parse: Parse) -> None:
    article = parse("undated_brief.html")
    assert article.parsed_at.tzinfo is not None and article.parsed_at >= FETCHED_AT
