"""Stage 2 of the pipeline: bytes to text, with the charset from the best source the page offers.

Order of trust: a byte-order mark, the HTTP header's charset, a ``<meta charset>`` or http-equiv
declaration in the first bytes, strict UTF-8, then statistical detection (charset-normalizer). Names
are mapped as browsers map them (latin-1 and ascii mean windows-1252). Invalid bytes are replaced:
decoding never fails.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)""", re.IGNORECASE)
_WHATWG_ALIASES = {
    "latin1": "cp1252", "latin-1": "cp1252", "iso-8859-1": "cp1252", "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252", "windows-1252": "cp1252",
    "x-sjis": "shift_jis", "gb2312": "gb18030", "gbk": "gb18030", "tis-620": "cp874",
    "iso-8859-9": "cp1254", "utf8": "utf-8", "unicode": "utf-8",
}  # fmt: skip
_DETECT_BYTES = 64 * 1024


def decode_html(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode an HTML body; return the text and the Python name of the encoding used."""
    for source in (_bom_encoding(body), normalise_charset(header_charset), _meta_encoding(body)):
        if source:
            return _decode(body, source), source
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        detected = _detect(body)
        return _decode(body, detected), detected


def normalise_charset(name: str | None) -> str | None:
    """A charset label as Python knows it, with browser aliases applied; ``None`` if unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _WHATWG_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _bom_encoding(body: bytes) -> str | None:
    return next((name for bom, name in _BOMS if body.startswith(bom)), None)


def _meta_encoding(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    charset = normalise_charset(match.group(1).decode("ascii", "replace")) if match else None
    # a page that reached us as bytes cannot really be UTF-16 if it declares so in ASCII
    return "utf-8" if charset and charset.startswith("utf-16") else charset


def _detect(body: bytes) -> str:
    best = from_bytes(body[:_DETECT_BYTES]).best()
    if best is None:
        return "cp1252"  # not UTF-8 and nothing fits better: the web's most common legacy charset
    return normalise_charset(best.encoding) or "cp1252"


def _decode(body: bytes, encoding: str) -> str:
    text = body.decode(encoding, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text
