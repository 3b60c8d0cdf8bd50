"""Which character set a body is written in, and the body decoded with it: one module for feeds and pages.

Labels are resolved as browsers resolve them, through the WHATWG Encoding Standard's label table
(``webencodings``): ``latin1``, ``iso-8859-1`` and ``ascii`` mean ``windows-1252``, ``tis-620`` means
``windows-874``, ``x-mac-roman`` means ``macintosh``. A Python codec name for an encoding the standard
knows (``cp1252``, ``utf_8``, ``iso8859_15``: what charset-normalizer reports, and what older messages
carry) resolves to the same encoding; anything else (``base64``, ``idna``, ``utf-7``, a made-up label) is
unknown, and an unknown label never raises: that source is skipped and the next one decides.

Order of evidence (the WHATWG decoding algorithm, which RFC 7303 matches for XML):

1. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE), which outranks everything;
2. the ``charset`` of the HTTP ``Content-Type`` header;
3. a declaration in the first bytes: ``<?xml … encoding="…"?>``, ``<meta charset>``, ``<meta http-equiv>``
   (a declared UTF-16 means UTF-8 and ``x-user-defined`` means windows-1252: the declaration was read as
   ASCII, so the body is not UTF-16);
4. detection: valid UTF-8 is UTF-8, else charset-normalizer, with windows-1252 preferred for Western
   text it cannot tell from a neighbour, and windows-1252 when nothing fits. Western text is what reads,
   as windows-1252, as Latin-1 letters and typographic punctuation sprinkled inside ASCII words (Portuguese
   ``1º``, ``3ª``, ``coração``); it is windows-1252 without asking the detector, which on short text splits
   hairs between cp1250, cp1257 and cp1252 (``º`` is cp1250's ``ş``: a Portuguese feed came out garbled) and
   whose language guess is noise there (Spanish "Czech", Portuguese "Hungarian"). Czech in windows-1250 reads
   as Western too; it is told apart by its ``ř`` with ``ě`` or ``ů`` (Danish has ``ø``, Italian ``ì`` and
   ``ù``, neither both).

``sniff`` says which encoding and which of those sources decided; ``decode`` never fails (invalid bytes
are replaced, a BOM is dropped). ``iso-2022-kr``, ``iso-2022-cn`` and ``hz-gb-2312``, which the standard
maps to its "replacement" encoding, are treated as unknown labels here.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

import webencodings
from charset_normalizer import from_bytes

__all__ = ["Charset", "Decoded", "Source", "charset_param", "decode", "incremental_decoder", "resolve", "sniff"]

Source = Literal["bom", "header", "declaration", "detection"]

SNIFF_BYTES = 4096
DETECT_BYTES = 64 * 1024
BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16be"),
    (codecs.BOM_UTF16_LE, "utf-16le"),
)
REPLACEMENT_LABELS = frozenset({"iso-2022-kr", "iso-2022-cn", "iso-2022-cn-ext", "hz-gb-2312", "csiso2022kr"})
DECLARED_INSTEAD = {"utf-16le": "utf-8", "utf-16be": "utf-8", "x-user-defined": "windows-1252"}
DECODER_SUPERSETS = {  # the standard's decoders are these Microsoft supersets of the ISO-named codecs
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc-kr": "cp949",
}
WESTERN = frozenset(
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿŒœŠšŽžŸ“”‘’„‚–—…•€£¥©®™°±·«»¿¡§¶ªº\u00a0"
)
MIXED_WORDS = 0.5  # of the words with a letter above ASCII, the share that must have an ASCII letter too
HIGH_RUNS = 0.2  # the share of the characters above ASCII that may stand in runs of three or more ("ção" has two)

_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:+-]+)["']""")
_META = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:+-]+)""", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
_HIGH_RUN = re.compile(r"[^\x00-\x7f]{3,}")
_CHARSET_PARAM = re.compile(r"""(?:^|;)\s*charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Charset:
    """An encoding by its WHATWG name (``windows-1252``), and the evidence that decided it."""

    name: str
    source: Source


@dataclass(frozen=True, slots=True)
class Decoded:
    """A body as text, and the charset it was decoded with."""

    text: str
    charset: Charset


def resolve(label: str | None) -> str | None:
    """The WHATWG name of an encoding label (``" 'Latin1' "`` → ``windows-1252``); ``None`` if unknown."""
    if not label:
        return None
    cleaned = label.strip().strip("'\"").strip().lower()
    if not cleaned or cleaned in REPLACEMENT_LABELS:
        return None
    encoding = webencodings.lookup(cleaned)
    if encoding is not None:
        return str(encoding.name)
    return _by_python_name().get(_python_name(cleaned) or "")


def sniff(body: bytes, header_charset: str | None = None) -> Charset:
    """The charset ``body`` should be decoded with; ``header_charset`` is the ``Content-Type`` parameter."""
    if name := _bom(body):
        return Charset(name, "bom")
    if name := resolve(header_charset):
        return Charset(name, "header")
    if name := _declared(body[:SNIFF_BYTES]):
        return Charset(name, "declaration")
    return Charset(_detect(body), "detection")


def decode(body: bytes, header_charset: str | None = None) -> Decoded:
    """``body`` as text (invalid bytes replaced, BOM dropped), with the charset :func:`sniff` chose."""
    charset = sniff(body, header_charset)
    text, _consumed = _codec_of(charset.name).decode(body, "replace")
    return Decoded(text.removeprefix("\ufeff"), charset)


def incremental_decoder(name: str) -> codecs.IncrementalDecoder:
    """A decoder for a body read in pieces, in the encoding :func:`sniff` named (invalid bytes replaced, as
    :func:`decode` does; unlike it, a BOM comes out as U+FEFF, for the caller to drop)."""
    factory = _codec_of(name).incrementaldecoder
    assert factory is not None  # every codec the standard's encodings map to has one
    return factory("replace")


def charset_param(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` value, as written (``None`` when absent)."""
    match = _CHARSET_PARAM.search(content_type.partition(";")[2]) if content_type else None
    return match[1] if match else None


def _bom(body: bytes) -> str | None:
    return next((name for bom, name in BOMS if body.startswith(bom)), None)


def _declared(head: bytes) -> str | None:
    match = _XML_DECL.match(head) or _META.search(head)
    name = resolve(match[1].decode("ascii")) if match else None
    return DECLARED_INSTEAD.get(name, name) if name else None


def _detect(body: bytes) -> str:
    if _is_utf8(body):
        return "utf-8"
    sample = body[:DETECT_BYTES]
    if _looks_western(sample):
        return "windows-1250" if _reads_as_czech(sample) else "windows-1252"
    matches = from_bytes(sample)
    for match in matches:  # the detector's codec name, else its aliases (cp932 is not a label; shift_jis is)
        for candidate in (match.encoding, *match.could_be_from_charset):
            if name := resolve(candidate):
                return name
    return "windows-1252"  # not UTF-8 and nothing known fits better: the web's most common legacy charset


def _is_utf8(body: bytes) -> bool:
    """Valid UTF-8, allowing a multi-byte sequence cut off at the end (a capped body)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _looks_western(sample: bytes) -> bool:
    """Mostly ASCII letters, the rest Latin-1 letters and Windows typographic punctuation, inside ASCII words
    (a single-byte Cyrillic or Greek word reads as a word of Latin-1 letters only) and seldom three in a row
    (double-byte Japanese or Korean reads as runs of them)."""
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    high = [char for char in text if ord(char) > 127]
    letters = sum(char.isalpha() for char in text)
    if not all(char in WESTERN for char in high) or len(high) > 0.25 * max(letters, 1):
        return False
    accented = [word for word in _WORD.findall(text) if len(word) > 1 and not word.isascii()]  # not "é", "à"
    mixed = sum(1 for word in accented if any(char.isascii() for char in word))
    in_runs = sum(len(run) for run in _HIGH_RUN.findall(text))  # Shift_JIS and EUC-KR pairs make runs
    return mixed >= MIXED_WORDS * len(accented) and in_runs <= HIGH_RUNS * len(high)


def _reads_as_czech(sample: bytes) -> bool:
    """Read as windows-1250, ``ř`` and ``ě`` or ``ů``: no Western language has both of their 1252 letters."""
    text = sample.decode("cp1250", "replace").lower()
    return "ř" in text and ("ě" in text or "ů" in text)


def _python_name(label: str) -> str | None:
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


@cache
def _codec_of(name: str) -> codecs.CodecInfo:
    """The decoder of a WHATWG encoding (``x-user-defined`` has no registered Python codec, hence CodecInfo)."""
    if name in DECODER_SUPERSETS:
        return codecs.lookup(DECODER_SUPERSETS[name])
    encoding = webencodings.lookup(name)
    return encoding.codec_info if encoding is not None else codecs.lookup("utf-8")


@cache
def _by_python_name() -> dict[str, str]:
    """Python codec name → WHATWG name, for every encoding the standard defines (first label wins)."""
    table: dict[str, str] = {}
    for name in sorted(set(webencodings.LABELS.values())):
        encoding = webencodings.lookup(name)
        if encoding is not None and name not in REPLACEMENT_LABELS:
            table.setdefault(str(encoding.codec_info.name), str(encoding.name))
    return table
