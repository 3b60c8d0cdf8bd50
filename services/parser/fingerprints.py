"""Stage 7 of the pipeline: fingerprints of the text, for exact and near-duplicate detection.

``content_hash`` is the SHA-256 of the normalised text (case-folded, punctuation stripped, whitespace
collapsed), so the same story with different quotes or spacing hashes the same. ``simhash`` is a 64-bit
SimHash over 3-word shingles of that text: syndicated copies of one story differ in a few bits (a signal kept
on every article; which articles tell one story is decided by the indexer, see ``wirewatch/core/stories.py``).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

SHINGLE_WORDS = 3
_PUNCTUATION = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Case-folded text without punctuation, single-spaced."""
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", text.casefold()).replace("_", " ")).strip()


#: a paragraph shorter than this is furniture as far as near-duplicate detection is concerned
PROSE_MIN_WORDS = 8


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the normalised text."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def prose(text: str) -> str:
    """The paragraphs that are sentences (8+ words): what a syndicated copy shares with its original,
    without the kicker, dateline or credit lines that differ from outlet to outlet."""
    kept = [p for p in text.split("\n\n") if len(p.split()) >= PROSE_MIN_WORDS]
    return "\n\n".join(kept) if kept else text


def simhash(text: str) -> str:
    """64-bit SimHash of the word shingles of the text's prose (see :func:`prose`), as 16 hex digits."""
    tokens = normalise_text(prose(text)).split()
    size = min(SHINGLE_WORDS, len(tokens)) or 1
    shingles = {" ".join(tokens[i : i + size]) for i in range(max(len(tokens) - size + 1, 0))}
    if not shingles:
        return "0" * 16
    digests = b"".join(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingles)
    # one row of 64 bits per shingle; a bit of the simhash is set where most shingles set it
    rows = np.unpackbits(np.frombuffer(digests, dtype=np.uint8)).reshape(-1, 64)
    votes = rows.sum(axis=0, dtype=np.int64) * 2 > len(shingles)
    return np.packbits(votes).tobytes().hex()


def hamming(a: str | int, b: str | int) -> int:
    """Number of differing bits between two simhashes (hex strings or ints)."""
    return (_as_int(a) ^ _as_int(b)).bit_count()


def _as_int(value: str | int) -> int:
    return value if isinstance(value, int) else int(value, 16)
