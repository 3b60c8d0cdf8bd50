"""The cue searches anchored at the end of a window are skipped when the window's last word cannot end them
(context._may_end): the cues found must be the same as with every search run. Windows are built at random from the
cue patterns' own words, in every case and with the characters re.IGNORECASE also takes for ASCII letters."""

from __future__ import annotations

import random
import re

import pytest

from wirewatch.services.extractor import context

_SOURCES = (context._ORG_BEFORE, context._PERSON_BEFORE, context._PLACE_BEFORE, context._IN_BEFORE)
_WORDS = sorted({w for p in _SOURCES for w in re.findall(r"[A-Za-z]+", p.pattern)} | {"organisation", "spokesman"})
_GAPS = [" ", " ", " ", "  ", "\n", "\t", "\xa0", ", ", ". ", " (", "(", "-", "'s ", "", " the "]


def _variant(rng: random.Random, word: str) -> str:
    word = rng.choice([word, word.lower(), word.capitalize(), word.upper(), word + "s", "x" + word])
    if rng.random() < 0.1:
        word = word.replace("i", "ı").replace("s", "ſ").replace("k", "\u212a")
    return word


def _window(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 8)):
        parts.append(_variant(rng, rng.choice(_WORDS)) if rng.random() < 0.8 else rng.choice(["Ali", "said", "7"]))
        parts.append(rng.choice(_GAPS))
    if rng.random() < 0.3:  # a cue of several words right before the name: "in the north ", "members of the "
        parts.append(rng.choice(["in ", "at ", "In ", "members of ", "the militia ", "such as ", "Gen. "]))
        parts.append(rng.choice(["", "the ", "The "]))
        parts.append(rng.choice(["", "north ", "western ", "central ", "Eastern ", "centralern "]))
    return "".join(parts)


def test_the_cues_are_the_same_as_with_every_search_run(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(14)
    cases = []
    for _ in range(20_000):
        before, after = _window(rng), rng.choice(["", " said", "'s life", " group", ", who", " fighters"])
        text = f"{before}Zarqa{after}"
        cases.append((text, len(before), len(before) + 5))
    found = [(context.cue(*case), context.evidence(*case)) for case in cases]
    monkeypatch.setattr(context, "_may_end", lambda window, last: True)
    expected = [(context.cue(*case), context.evidence(*case)) for case in cases]
    assert found == expected
    assert {kind for pair in expected for kind in pair} >= {"ORG", "PERSON", "LOC", "IN", None}  # every cue tried
