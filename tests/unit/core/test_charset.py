"""One charset module for feeds and pages: BOM, then the header, then the declaration, then detection.

Each row is a body, the ``Content-Type`` charset it came with, the encoding and source that must decide,
and a piece of text the decoded body must contain.
"""

from __future__ import annotations

import codecs

import pytest

from wirewatch.core.charset import Charset, charset_param, decode, resolve, sniff

FRENCH = (
    "<html><body><p>Le café “Größe” – naïve résumé à Zürich. Les élèves ont été très contents de l’été. "
    "Ça coûte 5 €.</p></body></html>"
)
RUSSIAN = "<p>Привет мир, это тест кодировки. Новости дня.</p>"
LATIN1_FEED = "<rss><channel><title>Café à Zürich, señor</title></channel></rss>"
DECLARED_UTF8_FEED = '<?xml version="1.0" encoding="utf-8"?><rss><channel><title>Café</title></channel></rss>'


def meta(charset: str, text: str = "Le café à Zürich: 5 €.") -> str:
    return f'<html><head><meta charset="{charset}"></head><body><p>{text}</p></body></html>'


def http_equiv(charset: str, text: str) -> str:
    return f'<meta http-equiv="Content-Type" content="text/html; charset={charset}"><p>{text}</p>'


ROWS = [
    # (1) a byte-order mark outranks everything, even a header that says otherwise
    ("bom-utf8-beats-header", codecs.BOM_UTF8 + FRENCH.encode(), "iso-8859-1", "utf-8", "bom", "Zürich"),
    ("bom-utf16le", codecs.BOM_UTF16_LE + FRENCH.encode("utf-16-le"), None, "utf-16le", "bom", "café"),
    ("bom-utf16be-beats-meta", codecs.BOM_UTF16_BE + meta("koi8-r").encode("utf-16-be"), None, "utf-16be", "bom", "€"),
    # (2) the header's charset, when it names an encoding, outranks the document
    ("latin1-feed-header-no-decl", LATIN1_FEED.encode("latin-1"), "iso-8859-1", "windows-1252", "header", "señor"),
    ("header-quoted-any-case", LATIN1_FEED.encode("latin-1"), ' "ISO-8859-1" ', "windows-1252", "header", "Café"),
    ("header-beats-xml-decl", DECLARED_UTF8_FEED.encode("latin-1"), "latin1", "windows-1252", "header", "Café"),
    ("header-beats-meta", meta("koi8-r", "Новости").encode("cp1251"), "cp1251", "windows-1251", "header", "Новости"),
    ("ascii-means-1252", b"\x93quoted\x94 \x80", "us-ascii", "windows-1252", "header", "“quoted” €"),
    ("x-mac-roman", "Caf\u00e9 na\u00efve".encode("mac-roman"), "x-mac-roman", "macintosh", "header", "Café naïve"),
    ("iso-8859-8-i", "חדשות היום".encode("iso8859-8"), "iso-8859-8-i", "iso-8859-8-i", "header", "חדשות"),
    ("windows-874", "ข่าววันนี้".encode("cp874"), "windows-874", "windows-874", "header", "ข่าว"),
    ("tis-620-is-874", "ข่าววันนี้".encode("cp874"), "tis-620", "windows-874", "header", "ข่าว"),
    ("gbk-decodes-as-gb18030", "新闻 €".encode("gb18030"), "gbk", "gbk", "header", "新闻 €"),
    ("python-name-cp1252", FRENCH.encode("cp1252"), "cp1252", "windows-1252", "header", "l’été"),
    ("python-name-iso8859_15", "5 €".encode("iso8859-15"), "iso8859_15", "iso-8859-15", "header", "5 €"),
    ("header-utf16-no-bom", "Zürich".encode("utf-16-le"), "utf-16", "utf-16le", "header", "Zürich"),
    # unknown or non-text labels never raise: the next source decides
    ("bogus-header-then-meta", meta("koi8-r", "Новости").encode("koi8-r"), "x-no-such", "koi8-r", "declaration", "Нов"),
    ("base64-header", FRENCH.encode(), "base64", "utf-8", "detection", "Zürich"),
    ("idna-header", FRENCH.encode(), "idna", "utf-8", "detection", "Zürich"),
    ("utf-7-header", FRENCH.encode(), "utf-7", "utf-8", "detection", "Zürich"),
    ("rot13-header", FRENCH.encode(), "rot13", "utf-8", "detection", "Zürich"),
    ("replacement-label", RUSSIAN.encode("cp1251"), "iso-2022-kr", "windows-1251", "detection", "Привет"),
    ("empty-header", FRENCH.encode(), "", "utf-8", "detection", "Zürich"),
    # (3) a declaration in the first bytes
    ("meta-charset", meta("iso-8859-15").encode("iso8859-15"), None, "iso-8859-15", "declaration", "5 €"),
    ("meta-1256", meta("windows-1256", "القوات").encode("cp1256"), None, "windows-1256", "declaration", "القوات"),
    (
        "http-equiv",
        http_equiv("Shift_JIS", "ニュース").encode("shift_jis"),
        None,
        "shift_jis",
        "declaration",
        "ニュース",
    ),
    ("xml-declaration", b'<?xml version="1.0" encoding="cp1251"?><rss/>', None, "windows-1251", "declaration", "rss"),
    ("meta-utf16-means-utf8", meta("utf-16").encode(), None, "utf-8", "declaration", "Zürich"),
    ("meta-x-user-defined", meta("x-user-defined").encode("cp1252"), None, "windows-1252", "declaration", "café"),
    ("bogus-meta-then-detect", meta("no-such").encode(), None, "utf-8", "detection", "Zürich"),
    # (4) detection
    ("detect-utf8", FRENCH.encode(), None, "utf-8", "detection", "l’été"),
    ("detect-western-1252", FRENCH.encode("cp1252"), None, "windows-1252", "detection", "“Größe”"),
    ("detect-cyrillic", RUSSIAN.encode("cp1251"), None, "windows-1251", "detection", "Новости"),
    ("utf8-cut-mid-character", "Zürich €".encode()[:-1], None, "utf-8", "detection", "Zürich"),
    ("empty-body", b"", None, "utf-8", "detection", ""),
    ("invalid-utf8-is-replaced", b"<p>caf\xc3\xa9 \xff\xfe end</p>", "utf-8", "utf-8", "header", "café \ufffd"),
]


@pytest.mark.parametrize(
    ("body", "header", "name", "source", "fragment"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_decode(body: bytes, header: str | None, name: str, source: str, fragment: str) -> None:
    decoded = decode(body, header)
    assert decoded.charset == Charset(name, source)  # type: ignore[arg-type]
    assert sniff(body, header) == decoded.charset
    assert fragment in decoded.text
    assert not decoded.text.startswith("\ufeff")


def test_decoded_round_trips_a_detected_page() -> None:
    assert decode(FRENCH.encode("cp1252")).text == FRENCH
    assert decode(codecs.BOM_UTF8 + b"x").text == "x"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("UTF-8", "utf-8"),
        (" 'UTF8' ", "utf-8"),
        ("latin1", "windows-1252"),
        ("'Windows-1252'", "windows-1252"),
        ("gb2312", "gbk"),
        ("x-sjis", "shift_jis"),
        ("iso-8859-9", "windows-1254"),
        ("mac_roman", "macintosh"),
        ("utf_8", "utf-8"),
        ("utf-32", None),
        ("hz-gb-2312", None),
        ("nope", None),
        ("", None),
        (None, None),
    ],
)
def test_resolve(label: str | None, expected: str | None) -> None:
    assert resolve(label) == expected


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/xml; charset=ISO-8859-1", "ISO-8859-1"),
        ('application/rss+xml;charset="utf-8"; q=1', "utf-8"),
        ("text/html; boundary=x; Charset = koi8-r", "koi8-r"),
        ("text/html", None),
        ("charset=utf-8", None),  # a parameter needs a media type before it
        (None, None),
    ],
)
def test_charset_param(content_type: str | None, expected: str | None) -> None:
    assert charset_param(content_type) == expected


# -- Latin-script text without a declaration (issue 15, item 3) --------------------------------------------


def feed_of(title: str) -> str:
    return f"<rss><channel><title>Jornal</title><item><title>{title}</title></item></channel></rss>"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("O 1º lugar é do Brasil; a nº 2 é Portugal.", "latin-1"),  # º was read as cp1250's ş
        ("Notícias: Governo anuncia a 3ª fase do programa.", "latin-1"),
        ("Eleições: a votação começa às 8h em todo o país.", "latin-1"),
        ("El 1º de mayo, ¿qué pasará con la 2ª vuelta? Año de elecciones.", "cp1252"),
    ],
)
def test_portuguese_and_spanish_without_a_declaration_are_western(text: str, encoding: str) -> None:
    decoded = decode(feed_of(text).encode(encoding))
    assert decoded.charset == Charset("windows-1252", "detection")
    assert text in decoded.text


@pytest.mark.parametrize(
    ("text", "encoding", "name"),
    [
        ("Новости дня: правительство приняло новый закон", "cp1251", "windows-1251"),  # every letter above ASCII
        ("Vláda schválila nový zákon o ochraně přírody. Čeština je těžká, říká učitel.", "cp1250", "windows-1250"),
    ],
)
def test_other_scripts_and_central_european_text_keep_their_detected_charset(
    text: str, encoding: str, name: str
) -> None:
    decoded = decode(feed_of(text).encode(encoding))
    assert decoded.charset.name == name
    assert text in decoded.text


def test_the_header_outranks_detection_for_latin1_without_a_declaration() -> None:
    body = feed_of("A situação em São Paulo").encode("latin-1")
    assert decode(body, "iso-8859-1").text == feed_of("A situação em São Paulo")
    assert sniff(body, "iso-8859-1") == Charset("windows-1252", "header")


@pytest.mark.parametrize(
    ("text", "codec", "name"),
    [("東京都が運賃を値下げ", "shift_jis", "shift_jis"), ("한국은행 연례 보고서 공개", "euc_kr", "euc-kr")],
)
def test_double_byte_text_without_a_declaration_is_detected(text: str, codec: str, name: str) -> None:
    """Detected as cp932 / cp949, codec names that are no encoding label: their aliases name the encoding."""
    body = "".join(feed_of(f"{text} {number}") for number in range(8)).encode(codec)
    decoded = decode(body)
    assert decoded.charset == Charset(name, "detection")
    assert text in decoded.text
