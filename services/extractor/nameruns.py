"""Runs of capitalised words that may be names, read once per text for both shapes, organisations' (:mod:`.shapes`)
and places' (:mod:`.placeshapes`): "Popular Front for the Liberation of …", "al-Shabaab", "Gulf of Aden"."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import NamedTuple

from wirewatch.services.extractor.headwords import AND_WORDS, HEAD_INITIAL, LINKS, OPENERS, has_head, is_head
from wirewatch.services.extractor.normalise import fold

WORD = re.compile(r"[^\W\d_][\w'’ʼ\-]*")
_GAP = re.compile(r"[ \t\xa0]{1,3}")
_APOSTROPHES = "'’ʼ"
#: an uppercase letter not right after a letter: where a capitalised word starts, or where the capital of a
#: prefixed one is ("al-Shabaab", see :func:`_word_start`)
_UPPERCASE = "".join(ch for ch in map(chr, range(0x10000)) if ch.isupper())
_CAPITAL = re.compile(rf"(?<![^\W\d_])[{re.escape(_UPPERCASE)}]")
_WORD_MARKS = "_'’ʼ-"
_LINK_WORD = re.compile(r"[^\W\d_][\w'’ʼ\-]*")
_TRAILING = re.compile(
    r"(?:[ \t\xa0]{1,3}(?:" + "|".join(map(re.escape, sorted(LINKS, key=len, reverse=True))) + r")(?![\w'’ʼ\-]))+"
)
_BETWEEN = re.compile(
    r"[ \t\xa0]{1,3}(?:(?:" + "|".join(map(re.escape, sorted(LINKS, key=len, reverse=True))) + r")[ \t\xa0]{1,3})*"
)


class NameWord(NamedTuple):
    """A word of a run: ``text[start:end]``, folded as ``key``; ``capital`` unless it is a link word. A named tuple:
    every capitalised word of every text makes one, and a frozen dataclass takes three times as long to build."""

    start: int
    end: int
    key: str  # folded
    capital: bool


def edges_trimmed(run: list[NameWord]) -> list[NameWord]:
    start, end = 0, len(run)
    while start < end and _opener(run[start]):
        start += 1
    while end > start and not run[end - 1].capital:
        end -= 1
    return run[start:end]


def _runs(text: str, trim: Callable[[list[NameWord]], list[NameWord]] | None = None) -> Iterator[list[NameWord]]:
    """Runs of capitalised words joined by single spaces and lowercase links ("of the", "al-", "de"); a run
    never crosses punctuation, a line break or a possessive ("Iraq's" ends one). Each is cut by ``trim``
    (:func:`trimmed` by default); the text is read once for both shapes, organisations' and places'."""
    trim = trim or trimmed
    for run in raw_runs(text):
        yield trim(list(run))


@lru_cache(maxsize=4)
def raw_runs(text: str) -> tuple[tuple[NameWord, ...], ...]:
    """:func:`read_runs`, remembered for the last few texts: an article's runs are read by both shapes."""
    return read_runs(text)


def read_runs(text: str) -> tuple[tuple[NameWord, ...], ...]:
    """The runs of :func:`_runs` before trimming. Only capitalised words are visited (found by one regex, see
    :data:`_CAPITAL`); the text between two of them joins them when it is gaps and link words alone."""
    runs: list[tuple[NameWord, ...]] = []
    run: list[NameWord] = []
    position = 0
    while found := _CAPITAL.search(text, position):
        start = _word_start(text, found.start())
        end = WORD.match(text, start).end()  # type: ignore[union-attr]  # a letter starts a word
        position = max(end, found.end())
        word = _word(text, start, end)
        if not word.capital:  # a capital inside a lowercase word ("x-Ray"): left in the text between
            continue
        if run:
            links = _join_links(text, run[-1].end, start)
            if links is None:
                runs.append(tuple(run + _trailing_links(text, run[-1].end)))
                run = []
            else:
                run += links
        run.append(word)
    if run:
        runs.append(tuple(run + _trailing_links(text, run[-1].end)))
    return tuple(runs)


def _trailing_links(text: str, end: int) -> list[NameWord]:
    """The link words right after a run's last capitalised word ("Much of the …"): a run holds them, and
    :func:`trimmed` reads them (a plain word before a link is no name)."""
    found = _TRAILING.match(text, end)
    return (
        []
        if found is None
        else [NameWord(m.start(), m.end(), m.group(), False) for m in _LINK_WORD.finditer(text, end, found.end())]
    )


def _word_start(text: str, position: int) -> int:
    """Where the word of :data:`WORD` that holds ``position`` starts, reading the text left to right: the first
    letter of the word characters right before it ("al-Shabaab", "g1g-S3"), else ``position`` itself (a digit,
    apostrophe or hyphen alone does not start a word)."""
    start = position
    i = position - 1
    while i >= 0 and (text[i].isalnum() or text[i] in _WORD_MARKS):
        if text[i].isalpha():
            start = i
        i -= 1
    return start


def _join_links(text: str, end: int, start: int) -> list[NameWord] | None:
    """The link words between two capitalised words that one run holds (``[]``: only a gap between them), or
    ``None`` when the text between them ends the run (punctuation, a possessive, any other word)."""
    between = _BETWEEN.fullmatch(text, end, start)
    if between is None:
        return None
    if start - end < 3:  # a link word takes a gap on each side
        return []
    return [NameWord(m.start(), m.end(), m.group(), False) for m in _LINK_WORD.finditer(text, end, start)]


def _word(text: str, start: int, end: int) -> NameWord:
    surface = text[start:end]
    if len(surface) > 2 and surface[-1] in "sS" and surface[-2] in _APOSTROPHES:  # a possessive: "Iraq's"
        surface = surface[:-2]
    capital = surface[:1].isupper() or _prefixed_capital(surface)
    return NameWord(start, start + len(surface), fold(surface), capital)


def _prefixed_capital(surface: str) -> bool:
    """ "al-Shabaab", "el-Fasher", "ad-Dawla": an article prefix before a capital."""
    hyphen = surface.find("-")
    return 0 < hyphen <= 3 and surface[:hyphen].islower() and surface[hyphen + 1 : hyphen + 2].isupper()


def trimmed(run: list[NameWord]) -> list[NameWord]:
    """The run without openers and links at its edges, nor a leading plain word before a link: "Troops of the
    Nuba Defence Forces" is about "Nuba Defence Forces", while "Ministry of …" keeps its head."""
    start, end = 0, len(run)
    while start < end and (_opener(run[start]) or _before_link(run, start, end)):
        start += 1
    while end > start and not run[end - 1].capital:
        end -= 1
    return run[start:end]


def _opener(word: NameWord) -> bool:
    return word.key in OPENERS or not word.capital


def _before_link(run: list[NameWord], start: int, end: int) -> bool:
    """A plain word, or a plural head ("Fighters of", "Forces of the Southern … Council"), before a link."""
    if start + 1 >= end or run[start + 1].key not in LINKS - AND_WORDS:
        return False
    key = run[start].key
    return not is_head(key) or (key.endswith("s") and not has_head(key, HEAD_INITIAL))
