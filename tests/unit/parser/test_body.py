"""The body: article paragraphs only, without the furniture around them; the quality gate."""

from __future__ import annotations

from tests.unit.parser.conftest import Parse
from wirewatch.services.parser.bodies import clean_paragraphs

FURNITURE = [
    "We use cookies",
    "Accept all cookies",
    "Share on Facebook",
    "Share this article",
    "Most read",
    "Floods force thousands",  # a "most read" headline
    "Post a Comment",
    "Comments are moderated",
    "Leave a reply",
    "Photo: Ahmad Kareem",
    "Photograph: Ahmad Kareem",
    "Sign up for our Middle East briefing",
    "newsletter in your inbox",
    "Related stories",
    "All rights reserved",
    "Privacy",
]


def test_body_keeps_every_article_paragraph_in_order(parse: Parse) -> None:
    text = parse("iraq_coalition.html").text
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == 6
    assert paragraphs[0].startswith("The US-led military coalition that has operated in Iraq")
    assert paragraphs[-1].endswith("before the summer recess.")
    assert "Kataib Hezbollah, an armed faction" in text
    assert "Mohammed Shia al-Sudani" in text


def test_body_drops_furniture(parse: Parse) -> None:
    text = parse("iraq_coalition.html").text
    for phrase in FURNITURE:
        assert phrase not in text, phrase


def test_repeated_headline_is_dropped(parse: Parse) -> None:
    article = parse("iraq_coalition.html")
    assert article.title is not None
    assert article.title not in article.text


def test_body_from_a_different_layout(parse: Parse) -> None:
    text = parse("militia_meta_tags.html").text
    assert text.startswith("The Iraqi armed faction Kataib Hezbollah said late on Friday")
    assert "Read more" not in text and "Explainer" not in text and "Gulf Ledger ©" not in text
    assert "By Samir Nouri" not in text  # the byline is metadata, not body
    assert text.count("\n\n") == 4


def test_clean_paragraphs_rules() -> None:
    paragraphs = [
        "Coalition talks stall",
        "Share on X",
        "A real paragraph about the talks in Baghdad that is long enough to count.",
        "A real paragraph about the talks in Baghdad that is long enough to count.",
        "1",
        "1",
        "Advertisement",
    ]
    assert clean_paragraphs(paragraphs, "Coalition talks stall") == [
        "A real paragraph about the talks in Baghdad that is long enough to count.",
        "1",
        "1",
    ]


def test_articles_pass_the_quality_gate(parse: Parse) -> None:
    for name in ("iraq_coalition.html", "militia_meta_tags.html", "time_element.html", "cafe_cp1252.html"):
        article = parse(name)
        assert not article.low_confidence, (name, article.quality_reason)
        assert article.quality_reason is None


def test_home_page_is_low_confidence(parse: Parse) -> None:
    article = parse("homepage.html", url="https://www.meridianpost.example/")
    assert article.low_confidence
    assert article.quality_reason is not None and "home" in article.quality_reason


def test_listing_page_is_low_confidence_whatever_the_url(parse: Parse) -> None:
    article = parse("homepage.html", url="https://www.meridianpost.example/world/latest-updates")
    assert article.low_confidence
    assert article.quality_reason is not None and "listing" in article.quality_reason


def test_short_text_is_low_confidence(parse: Parse) -> None:
    page = b"<html><body><article><p>Talks resume in Baghdad on Monday.</p></article></body></html>"
    article = parse(page)
    assert article.low_confidence
    assert article.quality_reason is not None and "too short" in article.quality_reason


def test_extractor_is_recorded(parse: Parse) -> None:
    article = parse("iraq_coalition.html")
    assert article.extractor == "wirewatch-parser"
    assert article.extractor_version.startswith("1.")
