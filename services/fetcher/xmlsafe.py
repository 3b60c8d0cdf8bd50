"""Hostile-input-safe XML parsing for feeds and sitemaps.

Two passes, both with entity resolution off:

1. ``defusedxml`` (expat): strict; any entity declaration (billion laughs, quadratic blow-up), external
   entity (XXE) or unparsed entity raises at the declaration, before anything is expanded.
2. Only if the document is merely malformed: ``lxml`` in recover mode with ``resolve_entities=False``,
   ``no_network=True``, ``load_dtd=False``, after a byte scan refused any ``<!ENTITY`` declaration. HTML
   named entities (``&eacute;``, common in hand-written RSS) are rewritten to numeric references and
   bare ``&`` to ``&amp;`` first.

Charset: a byte-order mark, then the HTTP header's ``charset`` (RFC 7303: it outranks the XML declaration),
then the declaration, then detection (:mod:`wirewatch.core.charset`). When the header decides, or the body
is in a charset the XML parsers may not know, it is transcoded to UTF-8 and its declaration dropped first.

Elements from either pass support the ElementTree API the format readers use.
"""

from __future__ import annotations

import re
import zlib
from html.entities import name2codepoint
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring as defused_fromstring
from lxml import etree

from wirewatch.core.charset import decode, sniff
from wirewatch.services.fetcher.errors import FeedParseError

MAX_INFLATED_BYTES = 64 * 1024 * 1024  # a sitemap may be 50 MB uncompressed
XML_PREDEFINED = frozenset({"lt", "gt", "amp", "quot", "apos"})

_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_NAMED_REF = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_BARE_AMP = re.compile(rb"&(?!(?:[A-Za-z][A-Za-z0-9]{0,31}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)")
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*\?>")
_NATIVE_ENCODINGS = frozenset({"utf-8", "utf-16le", "utf-16be", "windows-1252"})

Element = Any  # xml.etree.ElementTree.Element or lxml.etree._Element: same reading API


def parse_xml(body: bytes, *, url: str | None = None, charset: str | None = None) -> Element:
    """The root element of ``body``; :class:`FeedParseError` if it is unsafe or unreadable.

    ``charset`` is the HTTP header's ``charset`` parameter, if any.
    """
    body = _gunzip(body, url)
    if charset and sniff(body, charset).source == "header":
        body = _as_utf8(body, charset)
    try:
        return defused_fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as exc:
        raise FeedParseError(f"entity declaration forbidden ({exc.name!r})", url=url) from exc
    except ExternalReferenceForbidden as exc:
        raise FeedParseError(f"external reference forbidden ({exc.sysid!r})", url=url) from exc
    except DefusedXmlException as exc:
        raise FeedParseError(f"forbidden XML construct: {exc}", url=url) from exc
    except (ParseError, ValueError) as exc:
        return _recover(body, url, strict_error=str(exc))


def local_name(tag: object) -> str:
    """``{namespace}name`` → ``name``; comments and processing instructions → ``""``."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(tag: object) -> str:
    """``{namespace}name`` → ``namespace`` (``""`` when there is none)."""
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _gunzip(body: bytes, url: str | None) -> bytes:
    """Sitemaps are often served as ``.xml.gz`` files (not Content-Encoding): inflate, with a cap."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(body, MAX_INFLATED_BYTES + 1)
    except zlib.error as exc:
        raise FeedParseError(f"corrupt gzip body: {exc}", url=url) from exc
    if len(data) > MAX_INFLATED_BYTES:
        raise FeedParseError(f"gzipped body inflates past {MAX_INFLATED_BYTES} bytes", url=url)
    return data


def _recover(body: bytes, url: str | None, *, strict_error: str) -> Element:
    if _ENTITY_DECL.search(body):
        raise FeedParseError("entity declaration forbidden", url=url)
    body = _BARE_AMP.sub(b"&amp;", _NAMED_REF.sub(_numeric_ref, _as_parseable(body)))
    parser = etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=True, remove_pis=True,
    )  # fmt: skip
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedParseError(f"malformed XML: {strict_error}", url=url) from exc
    if root is None or not isinstance(root.tag, str):
        raise FeedParseError(f"malformed XML: {strict_error}", url=url)
    return root


def _as_parseable(body: bytes) -> bytes:
    """Transcode to UTF-8 (dropping the declaration) when the declared charset is exotic."""
    if sniff(body).name in _NATIVE_ENCODINGS:
        return body
    return _as_utf8(body)


def _as_utf8(body: bytes, header_charset: str | None = None) -> bytes:
    """``body`` decoded as :mod:`wirewatch.core.charset` decides, re-encoded as UTF-8 without its declaration."""
    return _XML_DECL.sub(b"", decode(body, header_charset).text.encode("utf-8"), count=1)


def _numeric_ref(match: re.Match[bytes]) -> bytes:
    name = match[1].decode("ascii")
    if name in XML_PREDEFINED or name not in name2codepoint:
        return match[0]
    return f"&#{name2codepoint[name]};".encode("ascii")
