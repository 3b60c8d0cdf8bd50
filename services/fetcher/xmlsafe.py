"""Hostile-input-safe XML reading for feeds and sitemaps, as a stream.

The body becomes UTF-8 text first, piece by piece (:func:`utf8_pieces`). A gzipped body (sitemaps are often
served as ``.xml.gz`` files, not with a Content-Encoding) is inflated as it is read, up to
:data:`MAX_INFLATED_BYTES`. The charset is decided once: UTF-32 or UTF-16 by where the NUL bytes of the first
characters fall (XML 1.0 appendix F), then a byte-order mark, the HTTP header's ``charset`` (RFC 7303: it
outranks the XML declaration), the declaration, and detection (:mod:`wirewatch.core.charset`); EBCDIC is
refused. The declaration is dropped and both parsers are told the text is UTF-8, so what they parse is exactly
the text the checks below saw, whatever encoding the body came in.

Passes over those pieces, all with entity resolution off (the second strict pass, over the text with
HTML named entities made numeric and bare ``&`` escaped as described in 2., reads the commonest damage at full
speed before a tolerant reader or lxml is tried):

1. ``defusedxml`` (expat): strict; any entity declaration (billion laughs, quadratic blow-up), external
   entity (XXE) or unparsed entity raises at the declaration, before anything is expanded.
2. Only if the document is malformed: ``lxml`` in recover mode with ``no_network=True``, ``load_dtd=False``,
   after a scan refused any ``<!ENTITY`` declaration (a parser target gets internal entities expanded even with
   ``resolve_entities=False``). HTML named entities (``&eacute;``, common in hand-written RSS) are rewritten to
   numeric references and bare ``&`` to ``&amp;`` first.

Before either pass the text is cleaned of what a strict parser stops at but no writer meant: whitespace and
byte-order marks ahead of the first tag or ``<?xml`` (in any order, any number), and the characters XML 1.0
forbids (C0 controls other than tab and line breaks, U+FFFE, U+FFFF), raw or as character references.

Either pass drives an :class:`~wirewatch.services.fetcher.xmlstream.ItemTarget`; :func:`read_xml` hands the
reader an :class:`~wirewatch.services.fetcher.xmlstream.XmlStream` and reads the document again with the
second pass when the first finds it malformed. Elements are ``xml.etree.ElementTree`` elements.

A caller may pass ``tolerant``: a reader of the malformed document's UTF-8 text (with the same entity
declaration scan as the second pass, :func:`guarded`), tried before lxml. ``parse_feed`` reads malformed
RSS, RDF and Atom that way (:mod:`~wirewatch.services.fetcher.tolerantfeeds`): after its first error libxml2's
recover mode drops every entity reference (``AT&amp;T`` → ``ATT``, query strings in links corrupted) and
often the rest of the document, so lxml stays the second pass only for sitemaps and OPML.
"""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from html.entities import name2codepoint
from typing import Any, TypeVar
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from lxml import etree

from wirewatch.core.charset import incremental_decoder, sniff
from wirewatch.services.fetcher.errors import FeedParseError
from wirewatch.services.fetcher.xmlstream import ItemPlace, ItemTarget, XmlStream, local_name

__all__ = ["Element", "ItemPlace", "XmlStream", "local_name", "namespace", "parse_xml", "read_xml", "utf8_pieces"]

MAX_INFLATED_BYTES = 52_428_800  # the sitemap protocol's limit for one uncompressed sitemap (50 MiB)
PIECE_BYTES = 256 * 1024
XML_PREDEFINED = frozenset({"lt", "gt", "amp", "quot", "apos"})
EBCDIC_XML = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC
UTF32_BOMS = ((codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"))
NUL_PATTERNS: dict[tuple[bool, ...], str] = {  # which of the first four bytes are NUL → the encoding ("<?" is ASCII)
    (True, True, True, False): "utf-32-be",
    (False, True, True, True): "utf-32-le",
    (True, False, True, False): "utf-16-be",
    (False, True, False, True): "utf-16-le",
}
CARRY_BYTES = 64  # longer than any pattern below: a piece ending in "&" or "<" waits for the next one

_ENTITY_DECL = re.compile(rb"<!\s{0,16}ENTITY", re.IGNORECASE)
_NAMED_REF = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_BARE_AMP = re.compile(rb"&(?!(?:[A-Za-z][A-Za-z0-9]{0,31}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)")
_XML_DECL = re.compile(r"^\s*<\?xml\s[^>]*\?>")
LEADING_JUNK = " \t\r\n\ufeff"  # whitespace and byte-order marks (a BOM after a newline, or two: both seen)
_BAD_DECIMAL = (  # C0 controls, surrogates (55296–57343), 65534–65535, past U+10FFFF (1114112 and up)
    r"0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|5529[6-9]|55[3-9]\d\d|56\d{3}|57[0-2]\d\d|573[0-3]\d|5734[0-3]|6553[45]"
    r"|111411[2-9]|11141[2-9]\d|1114[2-9]\d\d|111[5-9]\d{3}|11[2-9]\d{4}|1[2-9]\d{5}|[2-9]\d{6}|[1-9]\d{7,})"
)
_BAD_HEX = (  # the same in hexadecimal
    r"[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]"
    r"|1[1-9a-fA-F][0-9a-fA-F]{4}|[2-9a-fA-F][0-9a-fA-F]{5}|[1-9a-fA-F][0-9a-fA-F]{6,})"
)
_FORBIDDEN = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|&#(?:{_BAD_DECIMAL}|{_BAD_HEX});"
)  # what XML 1.0 forbids, raw or as a character reference (a control character in a title broke the parse;
# lxml's recover mode raised UnicodeDecodeError on a surrogate reference)

Element = Any  # xml.etree.ElementTree.Element; Any keeps the readers' many optional lookups short
T = TypeVar("T")
Tolerant = Callable[[Iterator[bytes], str], T | None]  # UTF-8 pieces, the strict error → a result, or None


def read_xml(
    body: bytes,
    read: Callable[[XmlStream], T],
    *,
    url: str | None = None,
    charset: str | None = None,
    items: Mapping[str, ItemPlace] | None = None,
    tolerant: Tolerant[T] | None = None,
) -> T:
    """``read`` applied to ``body`` as a stream; :class:`FeedParseError` if it is unsafe or unreadable.

    ``charset`` is the HTTP header's ``charset`` parameter, if any; ``items`` maps a root element's local name
    to where that document type keeps its items (elements elsewhere stay in the tree). ``tolerant`` reads a
    malformed document first; when it gives ``None`` lxml's recover mode does.
    """
    places = items or {}
    target = ItemTarget(places, url=url)
    try:
        return read(XmlStream(target, _strict(utf8_pieces(body, url, charset), target, url), url=url))
    except ParseError as exc:  # the strict pass found it malformed
        strict_error = str(exc)
    target = ItemTarget(places, url=url)
    try:  # HTML entities and bare ampersands made XML: the commonest damage, read strictly at full speed
        return read(XmlStream(target, _strict(_repaired(utf8_pieces(body, url, charset), url), target, url), url=url))
    except ParseError:
        pass
    if tolerant is not None:
        found = tolerant(guarded(utf8_pieces(body, url, charset), url), strict_error)
        if found is not None:
            return found
    target = ItemTarget(places, url=url)
    steps = _recovering(utf8_pieces(body, url, charset), target, url, strict_error=strict_error)
    return read(XmlStream(target, steps, url=url))


def parse_xml(body: bytes, *, url: str | None = None, charset: str | None = None) -> Element:
    """The root element of the whole of ``body`` (an OPML list); :class:`FeedParseError` if unsafe or unreadable."""
    return read_xml(body, XmlStream.document, url=url, charset=charset)


def namespace(tag: object) -> str:
    """``{namespace}name`` → ``namespace`` (``""`` when there is none)."""
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def utf8_pieces(body: bytes, url: str | None, header_charset: str | None) -> Iterator[bytes]:
    """``body`` as UTF-8 text without its XML declaration, inflated if gzipped, in pieces; what comes before
    the first tag and the characters XML forbids are dropped (see the module's docstring)."""
    gzipped = body.startswith(b"\x1f\x8b")
    raw = _inflated(body, url) if gzipped else _sliced(body)
    head = next(raw, b"")
    decoder = _decoder(head if gzipped else body, header_charset, url)
    text = decoder.decode(head).lstrip(LEADING_JUNK)
    yield _utf8(_XML_DECL.sub("", text, count=1))
    for piece in raw:
        yield _utf8(decoder.decode(piece))
    yield _utf8(decoder.decode(b"", final=True))


def guarded(pieces: Iterable[bytes], url: str | None) -> Iterator[bytes]:
    """``pieces`` unchanged, refused (:class:`FeedParseError`) at any entity declaration, across piece boundaries."""
    tail = b""
    for piece in pieces:
        if _ENTITY_DECL.search(tail + piece[:CARRY_BYTES]) or _ENTITY_DECL.search(piece):
            raise FeedParseError("entity declaration forbidden", url=url)
        tail = piece[-CARRY_BYTES:]
        yield piece


def _utf8(text: str) -> bytes:
    return _FORBIDDEN.sub("", text).encode("utf-8", "replace")


def _decoder(sample: bytes, header_charset: str | None, url: str | None) -> codecs.IncrementalDecoder:
    if sample.startswith(EBCDIC_XML):
        raise FeedParseError("EBCDIC-encoded XML is not supported", url=url)
    wide = next((name for bom, name in UTF32_BOMS if sample.startswith(bom)), None)
    wide = wide or NUL_PATTERNS.get(tuple(byte == 0 for byte in sample[:4]))
    if wide is not None:  # no ASCII-compatible text has these NULs, whatever the header says
        return codecs.getincrementaldecoder(wide)("replace")
    return incremental_decoder(sniff(sample, header_charset).name)


def _sliced(body: bytes) -> Iterator[bytes]:
    for start in range(0, max(len(body), 1), PIECE_BYTES):
        yield body[start : start + PIECE_BYTES]


def _inflated(body: bytes, url: str | None) -> Iterator[bytes]:
    """A gzip member inflated piece by piece; refused past :data:`MAX_INFLATED_BYTES` (a truncated one ends early)."""
    inflater = zlib.decompressobj(wbits=31)
    pending, total = body, 0
    while not inflater.eof:
        try:
            piece = inflater.decompress(pending, PIECE_BYTES)
        except zlib.error as exc:
            raise FeedParseError(f"corrupt gzip body: {exc}", url=url) from exc
        pending, total = inflater.unconsumed_tail, total + len(piece)
        if total > MAX_INFLATED_BYTES:
            raise FeedParseError(f"gzipped body inflates past {MAX_INFLATED_BYTES} bytes", url=url)
        if not piece and not pending:
            return
        yield piece


def _strict(pieces: Iterable[bytes], target: ItemTarget, url: str | None) -> Iterator[bool]:
    parser = DefusedXMLParser(
        target=target, encoding="utf-8", forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    try:
        for piece in pieces:
            parser.feed(piece)
            yield True
        parser.close()
    except EntitiesForbidden as exc:
        raise FeedParseError(f"entity declaration forbidden ({exc.name!r})", url=url) from exc
    except ExternalReferenceForbidden as exc:
        raise FeedParseError(f"external reference forbidden ({exc.sysid!r})", url=url) from exc
    except DefusedXmlException as exc:
        raise FeedParseError(f"forbidden XML construct: {exc}", url=url) from exc
    except ValueError as exc:  # ParseError, expat's own, passes as it is: read_xml recovers from it
        raise ParseError(str(exc)) from exc


def _recovering(pieces: Iterable[bytes], target: ItemTarget, url: str | None, *, strict_error: str) -> Iterator[bool]:
    parser = etree.XMLParser(
        target=target, encoding="utf-8", recover=True, resolve_entities=False, no_network=True, load_dtd=False,
        dtd_validation=False, huge_tree=False,
    )  # fmt: skip
    try:
        for piece in _repaired(pieces, url):
            parser.feed(piece)
            yield True
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise FeedParseError(f"malformed XML: {strict_error}", url=url) from exc
    if target.root is None:
        raise FeedParseError(f"malformed XML: {strict_error}", url=url)


def _repaired(pieces: Iterable[bytes], url: str | None) -> Iterator[bytes]:
    """Entity declarations refused, named references made numeric, bare ``&`` escaped: across piece boundaries."""
    pending = b""
    for piece in pieces:
        text = pending + piece
        start = max(len(text) - CARRY_BYTES, 0)
        tail = max(text.rfind(b"&", start), text.rfind(b"<", start))
        cut = tail if tail >= 0 else len(text)
        yield _repair(text[:cut], url)
        pending = text[cut:]
    yield _repair(pending, url)


def _repair(text: bytes, url: str | None) -> bytes:
    if _ENTITY_DECL.search(text):
        raise FeedParseError("entity declaration forbidden", url=url)
    return _BARE_AMP.sub(b"&amp;", _NAMED_REF.sub(_numeric_ref, text))


def _numeric_ref(match: re.Match[bytes]) -> bytes:
    name = match[1].decode("ascii")
    if name in XML_PREDEFINED or name not in name2codepoint:
        return match[0]
    return f"&#{name2codepoint[name]};".encode("ascii")
