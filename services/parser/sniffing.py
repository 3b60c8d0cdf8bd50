"""Stage 1 of the pipeline: refuse bodies that are not HTML before spending a parser on them.

Magic numbers beat the Content-Type header (servers mislabel PDFs as text/html and HTML as
octet-stream); a body with NUL bytes or without any markup is not an HTML page either way.
"""

from __future__ import annotations

from wirewatch.services.parser.errors import EmptyPage, NotHtml, PageTooLarge

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_SNIFF = 4096

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"BZh", "bzip2-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"%!PS", "a PostScript document"),
    (b"ID3", "an MP3 file"),
    (b"OggS", "an Ogg media file"),
    (b"\x7fELF", "an executable"),
    (b"\x00asm", "a WebAssembly module"),
    (b"wOFF", "a web font"),
    (b"wOF2", "a web font"),
    (b"\xd0\xcf\x11\xe0", "an old office document"),
)
_NOT_HTML_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def sniff(body: bytes, *, content_type: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Raise a :class:`ParseError` subclass unless ``body`` plausibly is an HTML page."""
    if not body.strip():
        raise EmptyPage("the body is empty")
    if len(body) > max_bytes:
        raise PageTooLarge(f"the body is {len(body):,} bytes, more than the {max_bytes:,} allowed")
    head = body[:_SNIFF]
    kind = magic_kind(head)
    if kind is None and (head[4:8] == b"ftyp" or (head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "))):
        kind = "a media file"
    if kind is not None:
        raise NotHtml(f"the body is {kind}, not HTML")
    _check_text(head, content_type)


def magic_kind(head: bytes) -> str | None:
    """What a known binary signature at the start of ``head`` says the body is, if any."""
    stripped = head.lstrip()
    return next((kind for magic, kind in _MAGIC if stripped.startswith(magic) or head.startswith(magic)), None)


def _check_text(head: bytes, content_type: str | None) -> None:
    if head.startswith(_UTF16_BOMS):
        return  # UTF-16 text is full of NULs by design; the decoder handles it
    if head.count(b"\x00") > len(head) // 100:
        raise NotHtml("the body is binary (NUL bytes), not HTML")
    if b"<" not in head:
        media = (content_type or "").split(";")[0].strip().lower()
        raise NotHtml(f"the body has no markup (Content-Type {media or 'unknown'})")
    media = (content_type or "").lower()
    if media.startswith(_NOT_HTML_TYPES) and b"<html" not in head.lower():
        raise NotHtml(f"the Content-Type is {media.split(';')[0]} and the body does not look like HTML")
