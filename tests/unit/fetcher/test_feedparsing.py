"""Feed and sitemap formats, OPML, autodiscovery, and hostile XML."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.unit.fetcher.conftest import fixture_bytes
from wirewatch.services.fetcher.errors import FeedParseError
from wirewatch.services.fetcher.feedparsing import discover_feeds, parse_feed, parse_opml

FEED_URL = "https://feeds.example.com/path/feed"


def test_rss2_channel_and_items() -> None:
    feed = parse_feed(fixture_bytes("rss2.xml"), url=FEED_URL)
    assert (feed.kind, feed.title, feed.site_url) == ("rss", "Wire Example News", "https://news.example.com/")
    assert feed.ttl_s == 900.0
    assert feed.update_period_s == 900.0  # hourly, 4 times
    assert feed.hub_url == "https://pubsubhubbub.appspot.com/"
    assert feed.self_url == "https://news.example.com/feed.xml"
    assert [item.link for item in feed.items] == [
        "https://news.example.com/world/floods-valencia?utm_source=rss",
        "https://feeds.example.com/business/markets-open",  # relative: resolved against the feed URL
        "https://news.example.com/tech/chips",  # permalink guid stands in for <link>
    ]
    first = feed.items[0]
    assert first.guid == "urn:example:1001"
    assert first.title == "Floods close the <main> road in Valencia"
    assert first.summary == "Heavy rain hit the region. Schools shut."
    assert first.published_at == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert first.authors == ["Ana García", "Ben Okafor"]
    assert first.tags == ["World", "Weather"]
    assert feed.items[1].summary == "Markets opened higher."
    assert feed.items[1].published_at == datetime(2024, 3, 5, 13, 0, tzinfo=UTC)


def test_rss1_rdf() -> None:
    feed = parse_feed(fixture_bytes("rss1.rdf"), url=FEED_URL)
    assert (feed.kind, feed.title, feed.site_url) == ("rdf", "RDF Example", "https://rdf.example.org/")
    assert feed.update_period_s == 43200.0  # daily, twice
    assert [item.guid for item in feed.items] == ["https://rdf.example.org/a", "https://rdf.example.org/b"]
    first, second = feed.items
    assert first.published_at == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
    assert (first.authors, first.tags, first.summary) == (["Carla Rossi"], ["Politics"], "Alpha")
    assert second.published_at == datetime(2024, 3, 4, 13, 0, tzinfo=UTC)


def test_rss091_with_dtd_html_entities_and_bare_ampersands_is_recovered() -> None:
    feed = parse_feed(fixture_bytes("rss091_entities.xml"), url=FEED_URL)
    assert feed.title == "Café Gazette"
    (item,) = feed.items
    assert item.title == "Crème brûlée & more"
    assert item.link == "http://cafe.example.com/story?id=1&ref=rss"


def test_atom() -> None:
    feed = parse_feed(fixture_bytes("atom.xml"), url=FEED_URL)
    assert (feed.kind, feed.title) == ("atom", "Atom Example")
    assert (feed.site_url, feed.self_url, feed.hub_url) == (
        "https://atom.example.net/",
        "https://atom.example.net/feed.atom",
        "https://hub.example.net/",
    )
    first, second = feed.items
    assert first.link == "https://atom.example.net/blog/2024/03/entry-one"  # xml:base, HTML alternate wins
    assert first.published_at == datetime(2024, 3, 5, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    assert (first.summary, first.authors, first.tags) == ("Summary one", ["Dana Lee"], ["Science", "space"])
    assert second.link == "https://other.example.net/posts/two"  # the entry's own xml:base
    assert second.authors == ["Feed Author"]  # inherited from the feed
    assert second.summary == "Body two"
    assert second.published_at == datetime(2024, 3, 4, 8, 0, 0, 123456, tzinfo=UTC)


def test_json_feed() -> None:
    feed = parse_feed(fixture_bytes("jsonfeed.json"), url=FEED_URL)
    assert (feed.kind, feed.title, feed.site_url) == ("json", "JSON Example", "https://json.example.com/")
    assert (feed.self_url, feed.hub_url) == (
        "https://json.example.com/feed.json",
        "https://websub.example.com/",
    )
    first, second = feed.items  # the item without a URL is dropped
    assert (first.guid, first.title, first.summary) == ("1", "First JSON post", "Hello JSON")
    assert first.published_at == datetime(2024, 3, 5, 15, 0, tzinfo=UTC)
    assert (first.authors, first.tags) == (["Eve Adams"], ["economy", "rates"])
    assert (second.guid, second.link) == ("2", "https://feeds.example.com/posts/2")
    assert second.authors == ["Feed Writer"]


def test_sitemap() -> None:
    feed = parse_feed(fixture_bytes("sitemap.xml"), url=FEED_URL)
    assert feed.kind == "sitemap" and feed.is_sitemap
    assert [item.link for item in feed.items] == [
        "https://site.example.com/a",
        "https://site.example.com/b",
        "https://feeds.example.com/relative/c",
    ]
    assert feed.items[1].published_at == datetime(2024, 3, 2, 10, 0, tzinfo=UTC)


def test_gzipped_sitemap_file() -> None:
    feed = parse_feed(gzip.compress(fixture_bytes("sitemap.xml")), url=FEED_URL + ".xml.gz")
    assert len(feed.items) == 3


def test_gzipped_sitemap_bomb_is_refused() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (80 * 1024 * 1024) + b"</urlset>", compresslevel=9)
    with pytest.raises(FeedParseError, match="inflates past"):
        parse_feed(bomb, url=FEED_URL)


def test_sitemap_index() -> None:
    feed = parse_feed(fixture_bytes("sitemap_index.xml"), url=FEED_URL)
    assert feed.kind == "sitemap_index" and feed.items == []
    assert feed.child_sitemaps == [
        "https://site.example.com/sitemap-news.xml",
        "https://site.example.com/sitemap-2024-03.xml.gz",
    ]


def test_news_sitemap() -> None:
    feed = parse_feed(fixture_bytes("news_sitemap.xml"), url=FEED_URL)
    assert feed.kind == "news_sitemap"
    first, second = feed.items
    assert first.title == "Election results: a narrow win"
    assert first.published_at == datetime(2024, 3, 5, 20, 15, tzinfo=UTC)
    assert first.tags == ["elections", "politics"]
    assert (second.title, second.published_at) == ("Sunny spells", datetime(2024, 3, 5, tzinfo=UTC))


def test_opml_folders_become_tags() -> None:
    feeds = parse_opml(fixture_bytes("subscriptions.opml"))
    assert [(feed.url, feed.title, feed.tags) for feed in feeds] == [
        ("https://top.example.com/rss", "Top level feed", []),
        (
            "https://world.example.com/rss",
            "Wire World",
            ["News", "World", "Tech"],
        ),  # listed twice: tags merged
        ("https://local.example.com/feed", "Local Paper", ["News", "Regional", "Spain"]),
        ("https://gadgets.example.com/atom", "Gadgets", ["Tech"]),
    ]


def test_opml_rejects_other_documents() -> None:
    with pytest.raises(FeedParseError, match="not an OPML"):
        parse_opml(fixture_bytes("rss2.xml"))


def test_discover_feeds() -> None:
    found = discover_feeds(fixture_bytes("page_with_feeds.html"), "https://www.example.org/page")
    assert found == [
        "https://www.example.org/section/rss.xml",  # <base href> honoured, duplicate dropped
        "https://www.example.org/atom.xml",
        "https://cdn.example.org/feed.json",
    ]
    assert discover_feeds(b"", "https://x.example/") == []


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml", "xxe_parameter.xml"])
def test_hostile_xml_is_refused_fast_and_small(name: str) -> None:
    body = fixture_bytes(name)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(FeedParseError, match="entity declaration forbidden") as caught:
            parse_feed(body, url=FEED_URL)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.error_class == "parse" and not caught.value.retriable
    assert elapsed < 0.5
    assert peak < 2 * 1024 * 1024
    assert "root:" not in str(caught.value)  # /etc/passwd never read


def test_malformed_entity_bomb_is_refused_in_the_recovery_pass_too() -> None:
    body = b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]><rss><channel><title>&a;</title><item></rss'
    with pytest.raises(FeedParseError, match="entity"):
        parse_feed(body, url=FEED_URL)


def test_malformed_xml_is_recovered_when_possible() -> None:
    body = b"<rss><channel><title>Broken</title><item><title>A</title><link>https://x.example/a</link></item>"
    feed = parse_feed(body, url=FEED_URL)
    assert feed.title == "Broken" and [item.link for item in feed.items] == ["https://x.example/a"]


def test_declared_legacy_encodings() -> None:
    cyrillic = '<?xml version="1.0" encoding="windows-1251"?><rss><channel><title>Новости</title></channel></rss>'
    assert parse_feed(cyrillic.encode("cp1251"), url=FEED_URL).title == "Новости"
    japanese = '<?xml version="1.0" encoding="Shift_JIS"?><rss><channel><title>ニュース</title></channel></rss>'
    assert parse_feed(japanese.encode("shift_jis"), url=FEED_URL).title == "ニュース"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"   \n ", "empty"),
        (b"<!DOCTYPE html><html><body>Just a page</body></html>", "HTML page"),
        (b"hello, world", "malformed XML"),
        (b"<opml version='2.0'><body/></opml>", "use parse_opml"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "unknown document type <svg>"),
        (b'{"title": "not a feed"}', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', "without an items list"),
        (b"{broken json", "invalid JSON"),
    ],
)
def test_not_a_feed(body: bytes, reason: str) -> None:
    with pytest.raises(FeedParseError, match=reason):
        parse_feed(body, url=FEED_URL)


def test_external_dtd_is_never_fetched() -> None:
    """Neither pass may open a connection for a DOCTYPE's external subset (no network, no DTD loading)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        dtd = f"http://127.0.0.1:{listener.getsockname()[1]}/evil.dtd"
        valid = f'<!DOCTYPE rss SYSTEM "{dtd}"><rss><channel><title>ok</title></channel></rss>'
        broken = f'<!DOCTYPE rss SYSTEM "{dtd}"><rss><channel><title>ok</title><item></rss>'
        titles: list[str | None] = []
        for body in (valid, broken):
            worker = threading.Thread(target=lambda b=body: titles.append(parse_feed(b.encode(), url=FEED_URL).title))
            worker.start()
            worker.join(timeout=2)
            assert not worker.is_alive(), "the parser is blocked on a network fetch"
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody ever connected
    assert titles == ["ok", "ok"]


def test_entities_from_a_local_external_dtd_are_never_loaded(tmp_path: Path) -> None:
    dtd = tmp_path / "secret.dtd"
    dtd.write_text('<!ENTITY secret "LEAKED-FILE-CONTENT">')
    body = f'<!DOCTYPE rss SYSTEM "{dtd.as_uri()}"><rss><channel><title>t &secret;</title></channel></rss>'
    try:
        title = parse_feed(body.encode(), url=FEED_URL).title
    except FeedParseError:
        title = None
    assert "LEAKED" not in (title or "")
