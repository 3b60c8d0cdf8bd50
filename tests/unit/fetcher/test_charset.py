"""Charset sniffing: header, BOM, in-document declarations, detection; also end to end over HTTP."""

from __future__ import annotations

import codecs

import pytest
from aiohttp import web
from wirewatch.services.fetcher.charset import decode, normalise_label, sniff_charset
from wirewatch.services.fetcher.http import SafeFetcher

from tests.unit.fetcher.conftest import Serve, app_with

FRENCH = (
    "<html><body><p>Le café “Größe” – naïve résumé à Zürich. Les élèves ont été très contents de l’été. "
    "Ça coûte 5 €.</p></body></html>"
)

META_PAGE = '<html><head><meta charset="iso-8859-15"></head><body><p>Le café à Zürich: 5 €.</p></body></html>'


@pytest.mark.parametrize(
    ("body", "header", "expected"),
    [
        (FRENCH.encode("cp1252"), None, "cp1252"),  # no header, no declaration: detected
        (FRENCH.encode("utf-8"), None, "utf-8"),
        (codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "iso-8859-1", "utf-8"),  # the BOM beats the header
        ("héllo".encode("utf-16"), None, "utf-16"),
        (b"plain", "ISO-8859-1", "cp1252"),  # latin-1 labels mean windows-1252
        (b"plain", "no-such-charset", "utf-8"),  # unusable header: fall through
        (b'<html><head><meta charset="koi8-r"></head></html>', None, "koi8-r"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">', None, "shift_jis"),
        (b'<?xml version="1.0" encoding="windows-1251"?><rss/>', None, "cp1251"),
        ("<p>Привет мир, это тест кодировки. Новости дня.</p>".encode("cp1251"), None, "cp1251"),
    ],
)
def test_sniff_charset(body: bytes, header: str | None, expected: str) -> None:
    assert sniff_charset(body, header) == expected


def test_decode_round_trips_detected_cp1252() -> None:
    body = FRENCH.encode("cp1252")
    assert decode(body, sniff_charset(body)) == FRENCH
    assert decode(codecs.BOM_UTF8 + b"x", "utf-8") == "x"


def test_normalise_label() -> None:
    assert normalise_label(" 'UTF8' ") == "utf-8"
    assert normalise_label("latin1") == "cp1252"
    assert normalise_label("x-unknown") is None


@pytest.mark.parametrize(
    ("body", "content_type", "charset"),
    [
        (FRENCH.encode("cp1252"), "text/html", "cp1252"),
        (codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "text/html", "utf-8"),
        (META_PAGE.encode("iso-8859-15"), "text/html", "iso8859-15"),
        (FRENCH.encode("utf-16"), "text/html; charset=utf-16", "utf-16"),
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
