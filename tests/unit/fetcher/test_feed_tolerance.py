"""Feeds that never lose an item (issue 15, item 3): dates from every element a feed dates its items by,
text ahead of ``<?xml`` and characters XML forbids cleaned before the strict parse, and malformed RSS/Atom
read by the tolerant path (feedparser's loose parser) with entities, links and the items after the damage
kept. Whole-document hostile cases are in ``tests/hostile/test_real_feeds.py``."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from wirewatch.services.fetcher.errors import FeedParseError
from wirewatch.services.fetcher.feedmodels import FeedLimits
from wirewatch.services.fetcher.feedparsing import parse_feed

FEED_URL = "https://news.example/feed.xml"
NAMESPACES = (
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:atom="http://www.w3.org/2005/Atom"'
)
MARCH_5 = datetime(2024, 3, 5, 9, 30, tzinfo=UTC)


def rss(*items: str, head: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    body = "".join(items)
    return f'{head}<rss version="2.0"{NAMESPACES}><channel><title>Wire</title>{body}</channel></rss>'.encode()


def item(number: int, extra: str = "") -> str:
    return (
        f"<item><title>Item {number} AT&amp;T</title>"
        f"<link>https://news.example/{number}?a=1&amp;b=2</link>"
        f"<description>Text {number} &amp; more</description>{extra}</item>"
    )


def assert_intact(feed_items: list[object], numbers: list[int]) -> None:
    """Every expected item, with its title, link and summary as written (entities kept)."""
    assert [getattr(entry, "link", None) for entry in feed_items] == [
        f"https://news.example/{number}?a=1&b=2" for number in numbers
    ]
    assert [getattr(entry, "title", None) for entry in feed_items] == [f"Item {number} AT&T" for number in numbers]
    assert [getattr(entry, "summary", None) for entry in feed_items] == [f"Text {number} & more" for number in numbers]


# -- dates -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["dcterms:modified", "dcterms:created", "atom:updated", "dcterms:date"])
def test_an_item_dated_only_by_another_element_gets_that_date(tag: str) -> None:
    feed = parse_feed(rss(item(1, f"<{tag}>2024-03-05T09:30:00Z</{tag}>")), url=FEED_URL)
    assert feed.items[0].published_at == MARCH_5


def test_an_unreadable_pub_date_gives_way_to_a_readable_dc_date() -> None:
    extra = "<pubDate>sometime last week</pubDate><dc:date>2024-03-05T09:30:00Z</dc:date>"
    assert parse_feed(rss(item(1, extra)), url=FEED_URL).items[0].published_at == MARCH_5


def test_publication_outranks_modification() -> None:
    extra = "<dcterms:modified>2025-01-01T00:00:00Z</dcterms:modified><pubDate>Tue, 05 Mar 2024 09:30:00 GMT</pubDate>"
    assert parse_feed(rss(item(1, extra)), url=FEED_URL).items[0].published_at == MARCH_5


def test_an_unreadable_date_is_a_per_item_warning_and_the_item_is_kept() -> None:
    feed = parse_feed(rss(item(1, "<pubDate>Tue, 05 Mar 2024 09:30 +9900</pubDate>"), item(2)), url=FEED_URL)
    assert_intact(feed.items, [1, 2])
    assert feed.items[0].published_at is None
    assert any("https://news.example/1?a=1&b=2" in warning and "+9900" in warning for warning in feed.warnings)


# -- cleaned before the strict parse -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix",
    [b"\n", b"\r\n  \t", b"\xef\xbb\xbf\n", b"\n\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"  \xef\xbb\xbf \n"],
    ids=["newline", "blanks", "bom-newline", "newline-bom", "two-boms", "blank-bom-blank"],
)
def test_whitespace_and_boms_ahead_of_the_declaration_are_dropped(prefix: bytes) -> None:
    feed = parse_feed(prefix + rss(item(1), item(2)), url=FEED_URL)
    assert_intact(feed.items, [1, 2])
    assert feed.warnings == []  # read by the strict parser, not the tolerant one


@pytest.mark.parametrize(
    "bad",
    ["\x0b", "\x0c", "\x00", "\x1b[31m", "\ufffe", "&#x1;", "&#11;", "&#xD800;", "&#57343;", "&#xFFFF;", "&#1114112;"],
    ids=["vt", "ff", "nul", "esc", "fffe", "x1", "11", "surrogate-hex", "surrogate-dec", "xffff", "past-unicode"],
)
def test_characters_xml_forbids_are_dropped_and_no_item_is_lost(bad: str) -> None:
    damaged = item(2).replace("Text 2", f"Text{bad} 2")
    feed = parse_feed(rss(item(1), damaged, item(3)), url=FEED_URL)
    assert [entry.link for entry in feed.items] == [f"https://news.example/{n}?a=1&b=2" for n in (1, 2, 3)]
    assert [entry.title for entry in feed.items] == [f"Item {n} AT&T" for n in (1, 2, 3)]
    assert feed.items[1].summary is not None and feed.items[1].summary.endswith("2 & more")
    assert feed.warnings == []


# -- the tolerant path -------------------------------------------------------------------------------------


@pytest.mark.parametrize("reference", ["&#xD800;", "&#55296;", "&#x110000;", "&#99999999;"])
def test_a_malformed_sitemap_with_an_impossible_character_reference_is_read(reference: str) -> None:
    """lxml's recover mode (still the fallback for sitemaps) raised UnicodeDecodeError on a surrogate reference."""
    body = (
        f"<urlset><url><loc>https://news.example/a?x=1</loc></url><url><loc>https://news.example/b{reference}</loc>"
        "</url><url><loc>https://news.example/c</loc></url><br></urlset>"
    ).encode()
    links = [entry.link for entry in parse_feed(body, url=FEED_URL).items]
    assert links == ["https://news.example/a?x=1", "https://news.example/b", "https://news.example/c"]


def test_an_unclosed_tag_costs_no_following_item() -> None:
    broken = "<item><title>Item 2 AT&amp;T</title><link>https://news.example/2?a=1&amp;b=2</link>"
    broken += "<description>Text 2 &amp; more</description><media:thumbnail url='x'></item>"
    feed = parse_feed(rss(item(1), broken, item(3), item(4)), url=FEED_URL)
    assert_intact(feed.items, [1, 2, 3, 4])
    assert feed.title == "Wire"
    assert any("malformed" in warning for warning in feed.warnings)


def test_entities_survive_after_the_damage() -> None:
    """After a first error libxml2's recover mode dropped every entity reference: AT&amp;T became ATT."""
    feed = parse_feed(rss(item(1), "<item><title>Broken</b></title></item>", item(2), item(3)), url=FEED_URL)
    assert_intact([entry for entry in feed.items if entry.title != "Broken"], [1, 2, 3])


def test_html_entities_and_bare_ampersands_in_a_malformed_feed() -> None:
    extra = "<description>Caf&eacute; &amp; bar&nbsp;&mdash; Q&A</description>"
    body = rss(f"<item><title>A &amp; B</title><link>https://news.example/x?p=1&amp;q=2</link>{extra}</item><br>")
    feed = parse_feed(body, url=FEED_URL)
    assert [(entry.title, entry.link) for entry in feed.items] == [("A & B", "https://news.example/x?p=1&q=2")]
    assert feed.items[0].summary == "Café & bar — Q&A"


def test_a_malformed_atom_feed_keeps_its_entries_dates_and_authors() -> None:
    entry = (
        "<entry><title>Entry {n}</title><link href='/a/{n}?x=1&amp;y=2'/><id>tag:news.example,2024:{n}</id>"
        "<updated>2024-03-05T09:30:00Z</updated><summary>S {n}</summary></entry>"
    )
    body = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example/">'
        "<title>Atom Wire</title><author><name>Desk</name></author>"
        + entry.format(n=1)
        + "<entry><title>Broken <i>title</title><link href='/a/2'/></entry>"
        + entry.format(n=3)
        + "</feed>"
    ).encode()
    feed = parse_feed(body, url=FEED_URL)
    assert feed.kind == "atom" and feed.title == "Atom Wire"
    links = [entry.link for entry in feed.items]
    assert links[0] == "https://news.example/a/1?x=1&y=2" and links[-1] == "https://news.example/a/3?x=1&y=2"
    assert feed.items[-1].published_at == MARCH_5 and feed.items[-1].authors == ["Desk"]


def test_a_malformed_rdf_feed_is_read_as_rdf() -> None:
    body = (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
        b"<channel><title>RDF Wire</title></channel>"
        b"<item><title>One</title><link>https://news.example/1</link></item>"
        b"<item><title>Two &amp; <b>bold</title><link>https://news.example/2</link></item>"
        b"<item><title>Three</title><link>https://news.example/3</link></item></rdf:RDF>"
    )
    feed = parse_feed(body, url=FEED_URL)
    assert feed.kind == "rdf"
    assert [entry.link for entry in feed.items] == [f"https://news.example/{n}" for n in (1, 2, 3)]


def test_the_tolerant_path_keeps_the_item_cap() -> None:
    body = rss(item(0, "<broken>"), *(item(n) for n in range(1, 50)))
    feed = parse_feed(body, url=FEED_URL, limits=FeedLimits(feed_items=7))
    assert len(feed.items) == 7 and feed.capped_at == 7


def test_entity_declarations_are_refused_before_the_tolerant_path() -> None:
    body = b'<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">]><rss><channel><title>&a;</title><item><b></rss>'
    with pytest.raises(FeedParseError, match="entity declaration forbidden"):
        parse_feed(body, url=FEED_URL)


def test_a_malformed_body_is_never_taken_for_a_file_name() -> None:
    """feedparser.parse opens bytes that name a file: the tolerant path hands it a stream, never the body."""
    feed = parse_feed(b"<rss>/etc/passwd", url=FEED_URL)
    assert feed.items == [] and "root:" not in (feed.title or "")
    with pytest.raises(FeedParseError, match="malformed XML"):
        parse_feed(b"/etc/hostname", url=FEED_URL)


def test_a_large_malformed_feed_is_read_within_its_caps() -> None:
    """Five MiB of items after an early unclosed tag: the tolerant path reads only up to the item cap."""
    body = rss(item(0, "<broken>"), *(item(n) for n in range(1, 40_000)))
    assert len(body) > 5_000_000
    started = time.process_time()
    feed = parse_feed(body, url=FEED_URL)
    elapsed = time.process_time() - started
    assert len(feed.items) == 1000 and feed.capped_at == 1000
    assert elapsed < 10  # measured well under a second; reading all 40,000 items took seconds


def test_a_permalink_guid_of_a_malformed_feed_is_unescaped_once() -> None:
    """feedparser's loose parser leaves ``&amp;`` in a ``<guid>``: the link it stands in for must not keep it."""
    guid = "<item><title>G</title><guid>https://news.example/g?page=2&amp;lang=fr</guid></item>"
    feed = parse_feed(rss(item(1, "<broken>"), guid, item(3)), url=FEED_URL)
    found = next(entry for entry in feed.items if entry.title == "G")
    assert found.link == "https://news.example/g?page=2&lang=fr"
    assert found.guid == "https://news.example/g?page=2&lang=fr"


def test_xhtml_titles_and_content_keep_inline_markup_inside_words() -> None:
    xhtml = 'xmlns:h="http://www.w3.org/1999/xhtml"'
    body = (
        f'<feed xmlns="http://www.w3.org/2005/Atom" {xhtml}><title>Atom Wire</title><entry>'
        '<title type="xhtml"><h:div><h:b>Exclusive</h:b>: rail <h:i>fares</h:i> cut</h:div></title>'
        "<link href='https://news.example/x'/><id>x</id>"
        '<content type="xhtml"><h:div><h:p>One <h:em>big</h:em>day.</h:p><h:p>Two</h:p></h:div></content>'
        "</entry></feed>"
    ).encode()
    entry = parse_feed(body, url=FEED_URL).items[0]
    assert entry.title == "Exclusive: rail fares cut"
    assert entry.summary == "One bigday. Two"
