"""Every kind of bad input has a defined outcome: a ParseError subclass or a flagged article."""

from __future__ import annotations

import time
import zlib

import pytest

from tests.unit.parser.conftest import Parse, page_bytes
from wirewatch.services.parser.errors import EmptyPage, NotHtml, PageTooLarge, ParseError, ParseTimeout, Pathological
from wirewatch.services.parser.sniffing import DEFAULT_MAX_BYTES

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "text/html", "PDF"),
        (PNG, None, "PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "image/jpeg", "JPEG"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "application/octet-stream", "ZIP"),
        (zlib.compress(b"<html></html>" * 50) * 3, None, "binary"),
        (b"\x00\x01\x02\x03" * 500, "text/html", "binary"),
        (b"just a line of plain text, no markup at all", "text/plain", "no markup"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "image/svg+xml", r"image/svg\+xml"),
    ],
)
def test_not_html(parse: Parse, body: bytes, content_type: str | None, reason: str) -> None:
    with pytest.raises(NotHtml, match=reason) as caught:
        parse(body, content_type=content_type)
    assert caught.value.error_class == "not_html" and caught.value.retriable is False


@pytest.mark.parametrize("body", [b"", b"   \n\t  "])
def test_empty_body(parse: Parse, body: bytes) -> None:
    with pytest.raises(EmptyPage):
        parse(body)


def test_markup_without_any_text_is_empty(parse: Parse) -> None:
    with pytest.raises(EmptyPage, match="no text"):
        parse(b"<html><head></head><body><div><span></span></div></body></html>")


def test_truncated_page_still_parses_what_arrived(parse: Parse) -> None:
    full = page_bytes("iraq_coalition.html")
    cut = full[: full.index(b"A spokesman for the Pentagon") + 20]
    article = parse(cut)
    assert "Kataib Hezbollah, an armed faction" in article.text
    assert "Rania Kassem" not in article.text
    assert article.title == "Coalition forces to leave Iraq by September 2025, Baghdad says"


def test_page_over_the_size_cap_is_refused(parse: Parse) -> None:
    body = b"<html><body>" + b"<p>x</p>" * (DEFAULT_MAX_BYTES // 8) + b"</body></html>"
    assert len(body) > DEFAULT_MAX_BYTES
    with pytest.raises(PageTooLarge, match="more than"):
        parse(body)


def test_size_cap_is_configurable(parse: Parse) -> None:
    with pytest.raises(PageTooLarge):
        parse(page_bytes("iraq_coalition.html"), max_bytes=1000)


def test_ten_megabyte_page_within_the_cap_parses(parse: Parse) -> None:
    filler = b'<div class="promo"><a href="/x">More news from the region</a></div>\n'
    story = page_bytes("iraq_coalition.html")
    body = story.replace(b"<footer", filler * ((DEFAULT_MAX_BYTES - len(story) - 1000) // len(filler)) + b"<footer")
    assert DEFAULT_MAX_BYTES * 0.95 < len(body) <= DEFAULT_MAX_BYTES
    started = time.perf_counter()
    article = parse(body)
    assert "Mohammed Shia al-Sudani" in article.text
    assert time.perf_counter() - started < 30


def test_absurd_nesting_is_refused_quickly(parse: Parse) -> None:
    depth = 100_000
    body = b"<html><body>" + b"<div>" * depth + b"<p>deep</p>" + b"</div>" * depth + b"</body></html>"
    started = time.perf_counter()
    with pytest.raises(Pathological, match="nested"):
        parse(body)
    assert time.perf_counter() - started < 2


def test_moderate_nesting_is_fine(parse: Parse) -> None:
    paragraph = b"<p>" + b"Talks on the coalition mission resumed in Baghdad, officials said. " * 12 + b"</p>"
    body = b"<html><body>" + b"<div>" * 150 + paragraph + b"</div>" * 150 + b"</body></html>"
    assert "officials said" in parse(body).text


def test_unclosed_tags_and_tag_soup_do_not_crash(parse: Parse) -> None:
    soup = b"<html><body><p>Talks on <b>the coalition <i>mission</p><div><p>resumed <table><tr><td>in Baghdad"
    article = parse(soup)
    assert "coalition" in article.text and article.low_confidence


def test_error_tree_and_retriable() -> None:
    for error in (NotHtml, EmptyPage, PageTooLarge, Pathological, ParseTimeout):
        assert issubclass(error, ParseError)
    assert ParseTimeout.retriable is False  # dead-lettered, never retried into a stall
    assert not any(e.retriable for e in (ParseError, NotHtml, EmptyPage, PageTooLarge, Pathological, ParseTimeout))
    error = NotHtml("a PDF", url="https://x.example/a.pdf")
    assert (error.reason, error.url, str(error)) == ("a PDF", "https://x.example/a.pdf", "a PDF")
