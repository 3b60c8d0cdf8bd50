"""Word tokens and word shingles, the unit both the body checks and the fingerprints compare texts by."""

from __future__ import annotations

import re

WORDS = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Case-folded ``\\w+`` tokens."""
    return WORDS.findall(text.casefold())


def shingle_set(text: str, size: int = 4) -> set[tuple[str, ...]]:
    """The distinct ``size``-word windows of a text (the whole text if it is shorter)."""
    tokens = words(text)
    if len(tokens) < size:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def coverage(part: set[tuple[str, ...]], whole: set[tuple[str, ...]]) -> float:
    """Share of ``part``'s shingles found in ``whole`` (0 when ``part`` is empty)."""
    return len(part & whole) / len(part) if part else 0.0
