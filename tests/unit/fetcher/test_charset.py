"""Charsets as the fetcher records them (over HTTP) and as it reads feeds; the rules themselves are tested
table-driven in tests/unit/core/test_charset.py."""

from __future__ import annotations

import codecs

import pytest
from aiohttp import web

from tests.unit.fetcher.conftest import Serve, app_with
from wirewatch.services.fetcher.feedparsing import parse_feed
from wirewatch.services.fetcher.http import SafeFetcher

FRENCH = (
    "<html><body><p>Le café “Größe” – naïve résumé à Zürich. Les élèves ont été très contents de l’été. "
    "Ça coûte 5 €.</p></body></html>"
)
META_PAGE = '<html><head><meta charset="iso-8859-15"></head><body><p>Le café à Zürich: 5 €.</p></body></html>'
LATIN1_FEED = (
    "<rss version='2.0'><channel><title>Café à Zürich</title>"
    "<item><title>Señor Müller</title><link>https://news.example/a</link></item></channel></rss>"
).encode("latin-1")
FEED_URL = "https://news.example/feed.xml"


@pytest.mark.parametrize(
    ("body", "content_type", "charset"),
    [
        (FRENCH.encode("cp1252"), "text/html", "windows-1252"),
        (codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "text/html", "utf-8"),
        (META_PAGE.encode("iso-8859-15"), "text/html", "iso-8859-15"),
        (FRENCH.encode("utf-16"), "text/html; charset=utf-16", "utf-16le"),
        (FRENCH.encode("cp1252"), "text/html; charset=x-bogus", "windows-1252"),
    ],
)
async def test_charset_over_http(
    serve: Serve, fetcher: SafeFetcher, body: bytes, content_type: str, charset: str
) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(body=body, headers={"Content-Type": content_type})

    base = await serve(app_with({"/page": page}))
    result = await fetcher.fetch(f"{base}/page")
    assert result.charset == charset
    assert "café" in result.text() and "Zürich" in result.text()


async def test_binary_content_has_no_charset(serve: Serve, fetcher: SafeFetcher) -> None:
    async def image(request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n\x1a\n", content_type="image/png")

    base = await serve(app_with({"/i.png": image}))
    assert (await fetcher.fetch(f"{base}/i.png")).charset is None


async def test_latin1_feed_declared_only_by_its_header(serve: Serve, fetcher: SafeFetcher) -> None:
    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=LATIN1_FEED, headers={"Content-Type": "application/rss+xml; charset=ISO-8859-1"})

    base = await serve(app_with({"/feed.xml": feed}))
    result = await fetcher.fetch(f"{base}/feed.xml")
    assert result.header_charset == "ISO-8859-1"
    parsed = parse_feed(result.body, url=result.final_url, charset=result.header_charset)
    assert parsed.title == "Café à Zürich"
    assert parsed.items[0].title == "Señor Müller"


@pytest.mark.parametrize(
    ("body", "charset", "title"),
    [
        (LATIN1_FEED, "iso-8859-1", "Café à Zürich"),
        (b'<?xml version="1.0" encoding="utf-8"?>' + LATIN1_FEED, "latin1", "Café à Zürich"),  # header > declaration
        (codecs.BOM_UTF8 + LATIN1_FEED.decode("latin-1").encode(), "iso-8859-1", "Café à Zürich"),  # BOM > header
        ("<rss><channel><title>Новости</title></channel></rss>".encode("koi8-r"), "KOI8-R", "Новости"),
        (LATIN1_FEED.decode("latin-1").encode(), "no-such-charset", "Café à Zürich"),  # unknown: as before
        (LATIN1_FEED.decode("latin-1").encode(), None, "Café à Zürich"),
    ],
)
def test_feed_charset_from_the_header(body: bytes, charset: str | None, title: str) -> None:
    assert parse_feed(body, url=FEED_URL, charset=charset).title == title
