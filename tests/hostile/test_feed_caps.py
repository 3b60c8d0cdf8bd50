"""Feed documents too big to read whole (issue 13, finding 3) and XML in encodings that are not
ASCII-compatible (finding 14): at ``parse_feed``, where a feed's outcome is defined.

A document is read as a stream and reading stops at the item cap of its type (``FeedLimits``: 1,000 items
per feed, the sitemap protocol's 50,000 URLs per sitemap, 1,000 children per sitemap index): the first items
are kept, ``capped_at`` and a warning say so, and neither memory nor time grows with the rest of the document.
Before, a 178 KB gzipped sitemap became 1.8 M items (1.8 GB RSS, 27-57 s CPU) and a 5 MiB RSS 107 k items.
The bounds below are generous ceilings: the old code blew through them by orders of magnitude.
"""

from __future__ import annotations

import logging
import time
import tracemalloc
import zlib

import orjson
import pytest

from wirewatch.services.fetcher.errors import FeedParseError
from wirewatch.services.fetcher.feedmodels import FeedLimits, ParsedFeed
from wirewatch.services.fetcher.feedparsing import parse_feed
from wirewatch.services.fetcher.xmlsafe import PIECE_BYTES

FEED_URL = "https://news.example/feed.xml"
MiB = 1024 * 1024


def gzipped(head: bytes, unit: bytes, count: int, tail: bytes) -> bytes:
    """``head``, ``count`` times ``unit``, ``tail``, gzipped without ever holding the inflated document."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    block = unit * 10_000
    parts = [compressor.compress(head)]
    parts += [compressor.compress(block) for _ in range(count // 10_000)]
    parts += [compressor.compress(tail), compressor.flush()]
    return b"".join(parts)


def measured(body: bytes, feed_id: str | None = None) -> tuple[ParsedFeed | FeedParseError, float, int]:
    """``parse_feed(body)``'s result (or error), CPU seconds, and peak traced memory in bytes."""
    tracemalloc.start()
    started = time.process_time()
    try:
        outcome: ParsedFeed | FeedParseError = parse_feed(body, url=FEED_URL, feed_id=feed_id)
    except FeedParseError as exc:
        outcome = exc
    finally:
        cpu = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return outcome, cpu, peak


@pytest.mark.parametrize(
    ("head", "unit", "tail", "cap"),
    [
        (b"<urlset>", b"<url><loc>http://v.io/</loc></url>", b"</urlset>", 50_000),
        (b"<rss><channel><title>t</title>", b"<item><link>http://v.io/</link></item>", b"</channel></rss>", 1000),
    ],
    ids=["sitemap", "rss"],
)
def test_gzipped_document_of_millions_of_items_is_read_up_to_its_cap(
    head: bytes, unit: bytes, tail: bytes, cap: int, caplog: pytest.LogCaptureFixture
) -> None:
    """1.8 M items in under 200 KB of gzip (57-68 MB inflated): any feed URL may answer with one. Before, the
    sitemap became 1.8 M items and the RSS was refused whole ("inflates past")."""
    body = gzipped(b'<?xml version="1.0" encoding="UTF-8"?>' + head, unit, 1_800_000, tail)
    assert len(body) < 250_000
    with caplog.at_level(logging.WARNING):
        feed, cpu, peak = measured(body, feed_id="f-bomb")
    assert isinstance(feed, ParsedFeed), feed
    assert len(feed.items) == cap and feed.capped_at == cap
    assert cpu < 15, f"{cpu:.1f} s of CPU (was 27-57 s)"
    assert peak < 160 * MiB, f"peak {peak / MiB:.0f} MiB (was 1.8 GB)"
    assert f"f-bomb ({FEED_URL})" in caplog.text and f"more than {cap} items" in caplog.text


def test_five_mebibyte_rss_is_capped_at_the_feed_cap_keeping_the_first_items() -> None:
    items = b"".join(b"<item><link>https://v.example/%d</link></item>" % number for number in range(107_000))
    body = b"<rss><channel><title>Wire</title>" + items + b"</channel></rss>"
    assert len(body) > 5 * MiB - 10_000
    feed, cpu, peak = measured(body)
    assert isinstance(feed, ParsedFeed), feed
    assert [item.link for item in feed.items] == [f"https://v.example/{n}" for n in range(1000)]
    assert feed.capped_at == 1000 and feed.title == "Wire"
    assert cpu < 5 and peak < 64 * MiB, (cpu, peak)


def test_caps_are_settings() -> None:
    body = (
        b"<feed xmlns='http://www.w3.org/2005/Atom'>" + b"<entry><id>https://v.example/e</id></entry>" * 50 + b"</feed>"
    )
    feed = parse_feed(body, url=FEED_URL, limits=FeedLimits(feed_items=7))
    assert len(feed.items) == 7 and feed.capped_at == 7
    assert parse_feed(body, url=FEED_URL).capped_at is None  # 50 items: under the default cap


def test_sitemap_index_with_too_many_children_is_capped() -> None:
    children = b"".join(b"<sitemap><loc>https://v.example/s%d.xml</loc></sitemap>" % n for n in range(100_000))
    feed = parse_feed(b"<sitemapindex>" + children + b"</sitemapindex>", url=FEED_URL)
    assert feed.child_sitemaps[-1] == "https://v.example/s999.xml" and len(feed.child_sitemaps) == 1000
    assert feed.capped_at == 1000


def test_json_feed_is_capped_at_the_feed_cap() -> None:
    items = [{"id": str(n), "url": f"https://v.example/{n}"} for n in range(20_000)]
    body = orjson.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items})
    feed = parse_feed(body, url=FEED_URL)
    assert len(feed.items) == 1000 and feed.capped_at == 1000


def test_elements_outside_the_items_are_bounded_too() -> None:
    """No items to cap, just 1.8 M junk elements: refused after a bounded number, not built into a tree."""
    body = gzipped(b"<urlset>", b"<x/>", 1_800_000, b"</urlset>")
    error, cpu, peak = measured(body)
    assert isinstance(error, FeedParseError) and "elements outside the items" in error.reason
    assert cpu < 10 and peak < 160 * MiB, (cpu, peak)


ENTITY_BOMB = (
    '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]><rss><channel><title>&i;</title><item><link>https://x.example/a</link></item></channel></rss>"
)
# the strict pass stops at the stray "&" before it reaches the declarations: the recovering pass must refuse them
MALFORMED_BOMB = ENTITY_BOMB.replace("<!DOCTYPE rss [", "<!DOCTYPE rss [ & ", 1)
PLAIN = "<rss><channel><title>Новости</title><item><link>https://x.example/a</link></item></channel></rss>"
WIDE = ["utf-16-be", "utf-16-le", "utf-32", "utf-32-be", "utf-32-le"]  # no BOM but utf-32's own


@pytest.mark.parametrize("document", [ENTITY_BOMB, MALFORMED_BOMB], ids=["well-formed", "malformed"])
@pytest.mark.parametrize("encoding", WIDE)
def test_entity_bomb_in_a_wide_encoding_is_refused_like_a_utf8_one(encoding: str, document: str) -> None:
    declared = f'<?xml version="1.0" encoding="{encoding.upper()}"?>{document}'
    for body in (declared.encode(encoding), document.encode(encoding)):
        with pytest.raises(FeedParseError, match="entity declaration forbidden"):
            parse_feed(body, url=FEED_URL)
    feed = parse_feed(PLAIN.encode(encoding), url=FEED_URL)  # and without the declarations, the feed reads
    assert feed.title == "Новости" and [item.link for item in feed.items] == ["https://x.example/a"]


@pytest.mark.parametrize("encoding", ["cp500", "cp037"])
def test_ebcdic_xml_is_refused_with_a_clear_reason(encoding: str) -> None:
    body = f'<?xml version="1.0" encoding="{encoding}"?>{ENTITY_BOMB}'.encode(encoding)
    with pytest.raises(FeedParseError, match="EBCDIC-encoded XML is not supported"):
        parse_feed(body, url=FEED_URL)


@pytest.mark.parametrize("shift", range(-12, 4))
def test_entity_declaration_split_across_pieces_is_refused(shift: int) -> None:
    """The recovering pass scans the text piece by piece: a declaration cut in two by a piece boundary counts."""
    padding = " " * (PIECE_BYTES - len("<!DOCTYPE rss [ & ") + shift)
    body = f'<!DOCTYPE rss [ & {padding}<!ENTITY a "aaaa">]><rss><channel><title>&a;</title></channel></rss>'.encode()
    with pytest.raises(FeedParseError, match="entity declaration forbidden"):
        parse_feed(body, url=FEED_URL)


def test_absurd_nesting_is_refused_at_libxml2s_depth() -> None:
    body = b"<rss><channel>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</channel></rss>"
    error, cpu, peak = measured(body)
    assert isinstance(error, FeedParseError) and "nested more than 256 deep" in error.reason
    assert cpu < 1 and peak < 4 * MiB, (cpu, peak)
