"""Real-world feed damage at ``parse_feed`` (issue 15, item 3): labels that name no text codec, absurd dates,
junk before ``<?xml``, and malformed documents read by the tolerant path within its caps. Each outcome is a
readable feed (with warnings for what it lost) or a :class:`FeedParseError`, never another exception."""

from __future__ import annotations

import time

import pytest

from wirewatch.services.fetcher import tolerantfeeds
from wirewatch.services.fetcher.errors import FeedParseError
from wirewatch.services.fetcher.feedparsing import parse_feed

FEED_URL = "https://news.example/feed.xml"


def rss(*items: bytes, declared: bytes | None = b"utf-8") -> bytes:
    declaration = b'<?xml version="1.0" encoding="' + declared + b'"?>' if declared is not None else b""
    return declaration + b'<rss version="2.0"><channel><title>Wire</title>' + b"".join(items) + b"</channel></rss>"


def item(number: int, title: bytes = b"", extra: bytes = b"") -> bytes:
    name = title or b"Item %d" % number
    return b"<item><title>%s</title><link>https://news.example/%d?a=1&amp;b=2</link>%s</item>" % (name, number, extra)


# -- encodings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "title", "codec"),
    [
        ("windows-874", "ข่าวด่วน", "cp874"),
        ("iso-8859-8-i", "חדשות", "iso8859_8"),
        ("x-mac-roman", "Café crème", "mac_roman"),
        ("base64", "Plain news", "ascii"),
        ("idna", "Plain news", "ascii"),
        ("utf-7", "Plain news", "ascii"),
        ("rot13", "Plain news", "ascii"),
        ("no-such-charset-at-all", "Plain news", "ascii"),
    ],
)
@pytest.mark.parametrize("where", ["declaration", "header"])
def test_any_encoding_label_decodes_or_falls_back_never_raises(label: str, title: str, codec: str, where: str) -> None:
    declared = label.encode() if where == "declaration" else None
    body = rss(item(1, title.encode(codec)), item(2), declared=declared)
    feed = parse_feed(body, url=FEED_URL, charset=label if where == "header" else None)
    assert [entry.title for entry in feed.items] == [title, "Item 2"]


# -- dates -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "date",
    [
        b"Tue, 05 Mar 2024 09:30:00 +9900",
        b"99999999999-01-01T00:00:00Z",
        b"Tue, 05 Mar 99999999999 09:30 GMT",
        b"9999-12-31T23:00:00-05:00",
        b"2024-02-30T10:00:00Z",
        b"99999999999999999999",
    ],
)
def test_an_absurd_date_costs_only_that_date(date: bytes) -> None:
    feed = parse_feed(rss(item(1, extra=b"<pubDate>" + date + b"</pubDate>"), item(2)), url=FEED_URL)
    assert [entry.link for entry in feed.items] == [f"https://news.example/{n}?a=1&b=2" for n in (1, 2)]
    assert feed.items[0].published_at is None
    assert len(feed.warnings) == 1 and "unreadable date" in feed.warnings[0]


# -- malformed documents: what the old recover path lost, what the tolerant one keeps -----------------------


DAMAGE = {
    "unclosed-tag": item(2, extra=b"<enclosure url='x'>"),
    "stray-close": item(2, b"Item 2</b>"),
    "control-char-in-cdata": item(2, b"<![CDATA[Item 2]]>\x0b"),  # dropped before the strict parse as well
    "unclosed-comment-in-item": item(2, extra=b"<!-- a comment -- with dashes -->"),
    "html-entity": item(2, extra=b"<description>caf&eacute;&nbsp;AT&T Q&A</description>"),
    "unquoted-attribute": item(2, extra=b"<guid isPermaLink=false>x</guid>"),
}


@pytest.mark.parametrize("damage", list(DAMAGE.values()), ids=list(DAMAGE))
def test_a_damaged_item_costs_no_other_item_and_no_entity(damage: bytes) -> None:
    body = rss(item(1, b"AT&amp;T wins"), damage, item(3, b"Q&amp;A"), item(4))
    feed = parse_feed(body, url=FEED_URL)
    links = [entry.link for entry in feed.items]
    assert links == [f"https://news.example/{n}?a=1&b=2" for n in (1, 2, 3, 4)]
    assert [feed.items[0].title, feed.items[2].title, feed.items[3].title] == ["AT&T wins", "Q&A", "Item 4"]


def test_a_malformed_feed_with_an_entity_declaration_is_refused_before_feedparser() -> None:
    bomb = b'<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    with pytest.raises(FeedParseError, match="entity declaration forbidden"):
        parse_feed(bomb + rss(item(1, b"&b;"), b"<item><br>", declared=None), url=FEED_URL)


@pytest.mark.parametrize(
    "filler", [b"<", b"&", b"<a ", b"<item><title>x</title><link>https://news.example/x</link>"], ids=str
)
def test_megabytes_of_malformed_text_are_read_within_the_caps(filler: bytes) -> None:
    """Worst cases for feedparser's loose parser (about 0.5 MB/s): read up to the size cap, or given up at the
    time cap; either way within a ceiling, and a modelled outcome."""
    body = rss(item(1), b"<br>", filler * (6 * 1024 * 1024 // len(filler)))
    started = time.perf_counter()
    try:
        feed = parse_feed(body, url=FEED_URL)
    except FeedParseError as exc:
        assert "tolerantly took over" in str(exc) or "nested more than" in str(exc)
    else:
        assert feed.items[0].link == "https://news.example/1?a=1&b=2"
        assert any("malformed" in warning for warning in feed.warnings)
    assert time.perf_counter() - started < tolerantfeeds.TOLERANT_TIMEOUT_S + 30


def test_the_time_cap_is_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tolerantfeeds, "TOLERANT_TIMEOUT_S", 0.01)
    body = rss(item(1), b"<br>", b"<" * 2_000_000)
    with pytest.raises(FeedParseError, match="tolerantly took over") as caught:
        parse_feed(body, url=FEED_URL)
    assert caught.value.error_class == "parse" and not caught.value.retriable
