"""Long texts cut into overlapping chunks at paragraph or sentence boundaries, and put back together.

Every character of the text is in at least one chunk, so nothing is truncated. Each chunk *owns*
the part of the text up to the middle of its overlaps with its neighbours; a span found in a chunk
is kept only if it starts in the part that chunk owns, so an entity in an overlap is kept once,
from the chunk that saw more context around it (:func:`keep_owned`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

DEFAULT_MAX_CHARS = 20_000
DEFAULT_OVERLAP_CHARS = 1_000
_BOUNDARIES = (
    re.compile(r"\n[ \t]*\n\s*"),  # paragraph
    re.compile(r"(?<=[.!?…])[\"”’)\]]?\s+(?=[\"“‘(\[]?[A-Z0-9])"),  # sentence
    re.compile(r"\n\s*"),  # line
    re.compile(r"\s+"),  # word
)


@dataclass(frozen=True, slots=True)
class Chunk:
    """``text[start:end]`` of the full text; spans starting in ``[own_start, own_end)`` belong to it."""

    start: int
    end: int
    own_start: int
    own_end: int


class Located(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


SpanT = TypeVar("SpanT", bound=Located)


def split(text: str, max_chars: int = DEFAULT_MAX_CHARS, overlap: int = DEFAULT_OVERLAP_CHARS) -> list[Chunk]:
    """Chunks of at most ``max_chars`` that overlap by about ``overlap`` characters."""
    if max_chars <= 2 * overlap:
        raise ValueError(f"max_chars ({max_chars}) must exceed twice the overlap ({overlap})")
    bounds: list[tuple[int, int]] = []
    start = 0
    while True:
        end = len(text) if len(text) - start <= max_chars else _cut(text, start + max_chars // 2, start + max_chars)
        bounds.append((start, end))
        if end >= len(text):
            break
        start = max(_cut(text, end - overlap, end, earliest=True), start + 1)
    return _with_ownership(bounds)


def _cut(text: str, low: int, high: int, *, earliest: bool = False) -> int:
    """The best boundary in ``(low, high]``: paragraph, then sentence, line, word.

    Without one, cut hard at ``high`` (the chunk's end) or, for the next chunk's start, at ``low``
    so that the two chunks still overlap by the full width.
    """
    for pattern in _BOUNDARIES:
        ends = [m.end() for m in pattern.finditer(text, low, high) if low < m.end() <= high - earliest]
        if ends:
            return ends[0] if earliest else ends[-1]
    return low if earliest else high


def _with_ownership(bounds: Sequence[tuple[int, int]]) -> list[Chunk]:
    chunks = []
    for i, (start, end) in enumerate(bounds):
        own_start = 0 if i == 0 else (bounds[i - 1][1] + start) // 2
        own_end = end if i == len(bounds) - 1 else (end + bounds[i + 1][0]) // 2
        chunks.append(Chunk(start, end, own_start, own_end))
    return chunks


def keep_owned(chunk: Chunk, spans: Iterable[SpanT]) -> list[SpanT]:
    """The spans (already in full-text offsets) this chunk is responsible for."""
    return [s for s in spans if chunk.own_start <= s.start < chunk.own_end]


def drop_overlaps(spans: Iterable[SpanT]) -> list[SpanT]:
    """Spans sorted by start; of two that overlap (chunks disagreeing at a seam) the first is kept."""
    kept: list[SpanT] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept
