"""Decoding inside the parser's pipeline: invalid bytes are replaced, never fatal. The charset rules
themselves (BOM, header, <meta>, detection) are tested table-driven in tests/unit/core/test_charset.py."""

from __future__ import annotations

import codecs

import pytest

from tests.unit.parser.conftest import Parse, page_bytes


def test_windows_1252_page_without_any_declared_charset(parse: Parse) -> None:
    body = page_bytes("cafe_cp1252.html")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    article = parse(body)
    assert article.title == "Baghdad café owners fear the drawdown’s cost"
    assert "“We are not political people,” said Karim Jaafar" in article.text
    assert "\ufffd" not in article.text


def test_header_charset_wins_over_detection(parse: Parse) -> None:
    body = page_bytes("cafe_cp1252.html")
    assert "café" in parse(body, charset="windows-1252").text
    assert "café" in parse(body, charset="ISO-8859-1").text  # browsers read latin-1 as windows-1252


def test_utf8_bom_is_honoured_and_stripped(parse: Parse) -> None:
    body = codecs.BOM_UTF8 + page_bytes("iraq_coalition.html")
    article = parse(body, charset="iso-8859-1")  # the BOM outranks a wrong header
    assert article.title == "Coalition forces to leave Iraq by September 2025, Baghdad says"
    assert not article.text.startswith("\ufeff")


def test_utf16_page_with_bom(parse: Parse) -> None:
    body = page_bytes("iraq_coalition.html").decode("utf-8").encode("utf-16")
    assert "Mohammed Shia al-Sudani" in parse(body).text


def test_invalid_utf8_is_replaced_not_fatal(parse: Parse) -> None:
    body = page_bytes("iraq_coalition.html").replace(b"Baghdad said", b"Baghdad \xff\xfe said")
    article = parse(body, charset="utf-8")
    assert "Mohammed Shia al-Sudani" in article.text


def test_mixed_encodings_decode_with_replacements(parse: Parse) -> None:
    body = page_bytes("iraq_coalition.html").replace(b"Baghdad says</title>", "Bagdad café</title>".encode("cp1252"))
    article = parse(body)
    assert "al-Sudani" in article.text


def test_unknown_header_charset_falls_through(parse: Parse) -> None:
    assert "al-Sudani" in parse(page_bytes("iraq_coalition.html"), charset="x-no-such-charset").text
