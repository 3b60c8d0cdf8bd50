"""One sense per document: names the model found once are found again where it left them unlabelled.

Near-linear in the number of names, so that an article listing thousands of distinct names cannot stall the
extractor: names are found again by looking up the word at each word start (not one regex alternation of every
name), and overlaps with what was found by bisection.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import accumulate

from wirewatch.services.extractor.spans import Candidate

_WORD_RUN = re.compile(r"\w*")
_NAME_GOES_ON = re.compile(r"\w|['’](?![sS]\b)\w")  # "Ali" is not found in "Alis" or "Ali'i", but in "Ali's"
_UPPERCASE_SET = frozenset(ch for ch in map(chr, range(0x10000)) if ch.isupper())
_CAPITAL_START = re.compile(rf"(?<![\w'’])[{re.escape(''.join(sorted(_UPPERCASE_SET)))}]")


def propagated(
    text: str,
    found: Sequence[Candidate],
    by_surface: dict[str, Candidate],
    limit: int | None = None,
    capped: set[str] | None = None,
) -> list[Candidate]:
    """Unlabelled occurrences in ``text`` of the names already found (one sense per document), at most
    ``limit`` of them."""
    if not by_surface or not text:  # no names, or no text (an article without a title): nothing to look for
        return []
    taken = _Spans((c.start, c.end) for c in found)
    extra: list[Candidate] = []
    for start, end in _occurrences(text, by_surface):
        if taken.overlaps(start, end):
            continue
        if limit is not None and len(extra) >= limit:
            if capped is not None:
                capped.add("mentions")
            break
        extra.append(replace(by_surface[text[start:end]], start=start, end=end))
    return extra


def _occurrences(text: str, names: Collection[str]) -> Iterator[tuple[int, int]]:
    """Where ``names`` occur in ``text`` as whole words, left to right, never overlapping; the longest
    name wins where several start.

    Each position that starts a word (or a name's first character) is looked at once: the word there
    picks the few lengths a name starting with it can have, and each is one set lookup. A regex
    alternation of every name instead tries all of them at every position (quadratic in the names).
    """
    lengths: dict[str, list[int]] = {}
    for name in names:
        lengths.setdefault(_leading_word(name, 0), []).append(len(name))
    by_word = {word: sorted(set(found), reverse=True) for word, found in lengths.items()}
    first_characters = {name[0] for name in names if name}
    resume = 0
    for position in _starts(text, first_characters):
        if position < resume:
            continue
        for length in by_word.get(_leading_word(text, position), ()):
            end = position + length
            if end <= len(text) and text[position:end] in names and not _NAME_GOES_ON.match(text, end):
                yield position, end
                resume = end
                break


def _starts(text: str, first_characters: set[str]) -> Iterator[int]:
    """The positions of ``text`` that hold one of ``first_characters`` and follow no word character nor
    apostrophe. Names almost always begin with a capital: then one compiled pattern finds the capitals and a
    set lookup keeps the right ones (compiling a pattern per text cost more than the scan)."""
    if first_characters <= _UPPERCASE_SET:
        return (m.start() for m in _CAPITAL_START.finditer(text) if m.group() in first_characters)
    pattern = re.compile(rf"(?<![\w'’])[{re.escape(''.join(sorted(first_characters)))}]")
    return (m.start() for m in pattern.finditer(text))


def _leading_word(text: str, position: int) -> str:
    found = _WORD_RUN.match(text, position)
    return found.group() if found else ""


class _Spans:
    """Spans that may overlap each other; :meth:`overlaps` answers in logarithmic time."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [start for start, _ in ordered]
        self.reach = list(accumulate((end for _, end in ordered), max))  # furthest end among the first i

    def overlaps(self, start: int, end: int) -> bool:
        before = bisect_left(self.starts, end)  # the spans starting before ``end``
        return before > 0 and self.reach[before - 1] > start


def surfaces(found: Sequence[tuple[str, Candidate]]) -> dict[str, Candidate]:
    """The surfaces worth finding again (a capital, no line break, not too short), each with its first candidate."""
    by_surface: dict[str, Candidate] = {}
    for text, candidate in found:
        surface = text[candidate.start : candidate.end]
        if _propagatable(surface):
            by_surface.setdefault(surface, candidate)
    return by_surface


def _propagatable(surface: str) -> bool:
    if not any(ch.isupper() for ch in surface) or "\n" in surface:
        return False
    return len(surface) >= 4 or (surface.isupper() and len(surface) >= 2)
