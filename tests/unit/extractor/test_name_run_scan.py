"""The capitalised-run scan of nameruns.py visits only capitalised words; these tests hold it to the word-by-word
reading it replaced (every word of the text looked at in turn), on generated texts full of its edge cases."""

from __future__ import annotations

import random
import re

import pytest

from wirewatch.services.extractor import headwords, nameruns
from wirewatch.services.extractor.normalise import fold

_WORD = re.compile(r"[^\W\d_][\w'’ʼ\-]*")
_GAP = re.compile(r"[ \t\xa0]{1,3}")


def _prefixed(surface: str) -> bool:
    hyphen = surface.find("-")
    return 0 < hyphen <= 3 and surface[:hyphen].islower() and surface[hyphen + 1 : hyphen + 2].isupper()


def word_by_word(text: str) -> list[tuple[tuple[int, int, str, bool], ...]]:
    """Every word read in turn: capitalised words (or article-prefixed ones) make runs, link words join them."""
    runs: list[tuple[tuple[int, int, str, bool], ...]] = []
    run: list[tuple[int, int, str, bool]] = []
    previous_end = -1
    for match in _WORD.finditer(text):
        start, end = match.span()
        surface = text[start:end]
        if surface[:1].islower() and not _prefixed(surface[:5]):
            if not run:
                continue
            word = (start, end, surface, False)
        else:
            possessive = re.search(r"['’ʼ][sS]$", surface)
            if possessive:
                surface = surface[: possessive.start()]
            word = (start, start + len(surface), fold(surface), surface[:1].isupper() or _prefixed(surface))
        joined = previous_end >= 0 and _GAP.fullmatch(text, previous_end, word[0]) is not None
        if run and (not joined or not (word[3] or word[2] in headwords.LINKS)):
            runs.append(tuple(run))
            run = []
        if word[3] or (run and word[2] in headwords.LINKS):
            run.append(word)
        previous_end = word[1]
    if run:
        runs.append(tuple(run))
    return runs


PIECES = [
    "Harakat",
    "al-Nujaba",
    "of",
    "the",
    "and",
    "for",
    "de",
    "la",
    "said",
    "troops",
    "Iraq's",
    "Ahmed’s",
    "NATO",
    "x-Ray",
    "pro-Iranian",
    "g1g-S3",
    "4Chan",
    "F-16",
    "'Islamic",
    "State'",
    "(ADF)",
    "Kata'ib",
    "Émile",
    "Ōsaka",
    "el-Fasher",
    "bin",
    "Laden",
    "2024",
    "—",
    ",",
    ".",
    "\n",
    "Jammu-Kashmir",
    "iPhone",
    "Ministry",
    "Defence",
    "ash-Sham",
    "ʼAbd",
    "ul",
    "Côte",
    "d'Ivoire",
    "mid-July",
    "U.S.",
    "O'Neill",
    "_x",
    "a",
    "B",
]


def _text(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(1, 40)):
        out.append(rng.choice(PIECES))
        out.append(rng.choice([" ", " ", " ", "  ", "\xa0", "", ", ", "-", "'"]))
    return "".join(out)


@pytest.mark.parametrize("seed", range(40))
def test_the_scan_finds_the_runs_a_word_by_word_reading_finds(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        text = _text(rng)
        nameruns.raw_runs.cache_clear()
        found = [tuple((w.start, w.end, w.key, w.capital) for w in run) for run in nameruns.raw_runs(text)]
        assert found == word_by_word(text), text


def test_links_after_a_run_stay_in_it_for_trimming() -> None:
    text = "Much of the talk went to Kataib Hezbollah and the"
    runs = [[w.key for w in run] for run in nameruns.raw_runs(text)]
    assert runs == [["much", "of", "the"], ["kataib", "hezbollah", "and", "the"]]
