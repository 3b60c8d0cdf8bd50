"""Reading a response body under two caps, enforced while streaming.

The raw (on-the-wire) size and the decoded size are both capped at ``max_bytes``. Decompression is
incremental and bounded per call (``max_length`` for zlib, ``output_buffer_limit`` for brotli), so a
gzip or brotli bomb is refused after inflating at most ``max_bytes + 1`` bytes, never all of it.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Protocol

import brotli

from wirewatch.services.fetcher.errors import DecodeError, TooLarge

CHUNK_BYTES = 64 * 1024


class Decoder(Protocol):
    """Turns wire bytes into content bytes, at most ``limit`` bytes per call."""

    def feed(self, data: bytes, limit: int) -> bytes: ...

    def flush(self, limit: int) -> bytes: ...


class Identity:
    """No content coding."""

    def feed(self, data: bytes, limit: int) -> bytes:
        return data

    def flush(self, limit: int) -> bytes:
        return b""


class Inflate:
    """gzip (also multi-member) and deflate (zlib-wrapped or, as some servers send it, raw)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._decompressor = zlib.decompressobj(wbits=31 if gzip else 15)
        self._first = True

    def feed(self, data: bytes, limit: int) -> bytes:
        try:
            out = self._decompress(data, limit)
        except zlib.error:
            if self._gzip or not self._first:
                raise
            self._decompressor = zlib.decompressobj(wbits=-15)  # raw deflate
            out = self._decompress(data, limit)
        self._first = False
        return out

    def _decompress(self, data: bytes, limit: int) -> bytes:
        out = self._decompressor.decompress(data, limit + 1)
        while self._gzip and self._decompressor.eof and self._decompressor.unused_data and len(out) <= limit:
            rest = self._decompressor.unused_data
            self._decompressor = zlib.decompressobj(wbits=31)
            out += self._decompressor.decompress(rest, limit + 1 - len(out))
        return out

    def flush(self, limit: int) -> bytes:
        return self._decompressor.flush() if not self._decompressor.eof else b""


class Brotli:
    """Brotli, with the output of each call bounded."""

    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def feed(self, data: bytes, limit: int) -> bytes:
        return bytes(self._decompressor.process(data, output_buffer_limit=limit + 1))

    def flush(self, limit: int) -> bytes:
        return b""


def decoder_for(content_encoding: str | None, *, url: str) -> Decoder:
    """The decoder for a ``Content-Encoding`` header; :class:`DecodeError` for codings we never asked for."""
    coding = (content_encoding or "identity").strip().lower()
    if coding in ("identity", ""):
        return Identity()
    if coding in ("gzip", "x-gzip"):
        return Inflate(gzip=True)
    if coding == "deflate":
        return Inflate(gzip=False)
    if coding == "br":
        return Brotli()
    raise DecodeError(f"unsupported content-encoding {coding!r}", url=url)


async def read_capped(
    chunks: AsyncIterator[bytes], decoder: Decoder, *, max_bytes: int, url: str, truncate: bool = False
) -> bytes:
    """Read and decode ``chunks``; :class:`TooLarge` as soon as either size passes ``max_bytes``, or, with
    ``truncate``, the first ``max_bytes`` decoded bytes and no more read (robots.txt: RFC 9309 parses the
    first 500 KiB of a larger file)."""
    body, raw = bytearray(), 0
    try:
        async for chunk in chunks:
            room = max_bytes - raw
            raw += len(chunk)
            over = raw > max_bytes
            if over and not truncate:
                raise TooLarge(f"body larger than {max_bytes} bytes on the wire", url=url)
            data = decoder.feed(chunk[:room] if over else chunk, max_bytes - len(body))
            if not _append(body, data, max_bytes, url, truncate) or over:
                return bytes(body)
        _append(body, decoder.flush(max_bytes - len(body)), max_bytes, url, truncate)
    except (zlib.error, brotli.error) as exc:
        raise DecodeError(f"corrupt compressed body: {exc}", url=url) from exc
    return bytes(body)


def _append(body: bytearray, data: bytes, max_bytes: int, url: str, truncate: bool = False) -> bool:
    """Append ``data``; False once the body is full (``truncate``), :class:`TooLarge` past it otherwise."""
    if len(body) + len(data) > max_bytes:
        if not truncate:
            raise TooLarge(f"body inflates past {max_bytes} bytes", url=url)
        body += data[: max_bytes - len(body)]
        return False
    body += data
    return True
