"""Hostile feed bodies at ``parse_feed``, where a feed's outcome is defined. Entity bombs and XXE are in
``tests/unit/fetcher/test_feedparsing.py`` (see the README); these are the encoding cases and binary
bodies (empty, HTML and other non-feeds are in ``test_not_a_feed`` there)."""

from __future__ import annotations

import pytest

from wirewatch.services.fetcher.errors import FeedParseError
from wirewatch.services.fetcher.feedparsing import parse_feed

FEED_URL = "https://news.example/feed.xml"


def rss(title: bytes, item_title: bytes, declared: bytes = b"utf-8") -> bytes:
    return (
        b'<?xml version="1.0" encoding="'
        + declared
        + b'"?><rss version="2.0"><channel><title>'
        + title
        + b"</title><item><title>"
        + item_title
        + b"</title><link>https://news.example/a</link></item>"
        b"</channel></rss>"
    )


def test_invalid_utf8_in_a_feed_is_replaced_and_the_items_kept() -> None:
    feed = parse_feed(rss(b"Wire \xff\xfe", b"Talks \x80\x81 resume"), url=FEED_URL)
    assert [i.link for i in feed.items] == ["https://news.example/a"]
    assert feed.items[0].title is not None and "Talks" in feed.items[0].title and "resume" in feed.items[0].title


def test_mixed_encodings_in_one_feed_keep_the_utf8_text() -> None:
    """Declared UTF-8; the channel title is UTF-8, an item title cp1252 (a copy-paste from another CMS)."""
    feed = parse_feed(rss("Café Wire — été".encode(), "Caf\xe9 owners protest".encode("cp1252")), url=FEED_URL)
    assert feed.title == "Café Wire — été"
    assert feed.items[0].title is not None and feed.items[0].title.endswith("owners protest")


@pytest.mark.parametrize(
    "body", [b"\x89PNG\r\n\x1a\n" + b"\0" * 64, b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"], ids=["png", "pdf"]
)
def test_binary_served_as_a_feed_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(FeedParseError) as caught:
        parse_feed(body, url=FEED_URL)
    assert caught.value.error_class == "parse" and not caught.value.retriable
