"""Which character set a body is written in.

Order of evidence (as browsers do it): a byte-order mark, then the ``Content-Type`` charset, then an
in-document declaration (``<?xml encoding=…?>``, ``<meta charset>``, ``<meta http-equiv>``), then
detection. Labels are normalised to Python codec names; ``iso-8859-1``/``ascii`` labels are read as
``windows-1252``, its superset, because that is what servers mean by them.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SUPERSETS = {"latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252"}
WESTERN = frozenset("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿŒœŠšŽžŸ“”‘’„‚–—…•€£¥©®™°±·«»¿¡§¶\u00a0")
SNIFF_BYTES = 4096
DETECT_BYTES = 64 * 1024

_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def sniff_charset(body: bytes, header_charset: str | None = None) -> str:
    """The Python codec name ``body`` should be decoded with (never ``None``; ``utf-8`` when unsure)."""
    for candidate in (_bom(body), header_charset, _declared(body[:SNIFF_BYTES])):
        if candidate and (name := normalise_label(candidate)):
            return name
    return _detect(body[:DETECT_BYTES])


def normalise_label(label: str) -> str | None:
    """A charset label as a Python codec name, or ``None`` if Python has no such codec."""
    try:
        name = codecs.lookup(label.strip().strip("'\"")).name
    except LookupError:
        return None
    return SUPERSETS.get(name, name)


def decode(body: bytes, charset: str | None) -> str:
    """Decode ``body``, replacing what does not decode (and dropping a BOM)."""
    name = charset or sniff_charset(body)
    if name == "utf-8" and body.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    return body.decode(name, errors="replace")


def _bom(body: bytes) -> str | None:
    return next((name for bom, name in BOMS if body.startswith(bom)), None)


def _declared(head: bytes) -> str | None:
    match = _XML_DECL.match(head) or _META.search(head)
    return match[1].decode("ascii") if match else None


def _detect(sample: bytes) -> str:
    if _is_utf8(sample):
        return "utf-8"
    matches = from_bytes(sample)
    if _looks_western(sample) and any("cp1252" in match.could_be_from_charset for match in matches):
        return "cp1252"  # detectors split hairs between cp125x on short text; the web means 1252
    best = matches.best()
    detected = normalise_label(best.encoding) if best is not None else None
    return detected or "cp1252"


def _looks_western(sample: bytes) -> bool:
    """Mostly ASCII letters, the rest Latin-1 letters and Windows typographic punctuation."""
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    high = [char for char in text if ord(char) > 127]
    letters = sum(char.isalpha() for char in text)
    return all(char in WESTERN for char in high) and len(high) <= 0.25 * max(letters, 1)


def _is_utf8(sample: bytes) -> bool:
    """Valid UTF-8, allowing a multi-byte sequence cut off by the sample's end."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True
