"""Hostile articles for the extractor (issue 13, findings 1 and 2): spans that made the span cleaner's regex
backtrack exponentially, thousands of distinct names that made merging super-quadratic, texts and batches
that would run past any budget. Each case asserts the bounded outcome; time bounds are generous ceilings
that the old code blew through by orders of magnitude (minutes), never tight wall-clock asserts."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
import spacy
from spacy.tokens import Span

from wirewatch.services.extractor.merging import build_entities
from wirewatch.services.extractor.normalise import match_key, skeleton_key
from wirewatch.services.extractor.spans import Candidate, model_candidates

_BLANK = spacy.blank("en")


def _as_model_span(text: str, label: str = "PERSON") -> Any:
    """A doc whose one entity is the whole ``text``, as if the model had labelled it."""
    doc = _BLANK.make_doc(text)
    doc.ents = [Span(doc, 0, len(doc), label=label)]
    return doc


def _dashes(pairs: int) -> str:
    return "Ali Hassan" + " -" * pairs + " Omar"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("pairs", [31, 200, 5_000])
def test_a_name_trailed_by_dashes_is_cleaned_in_linear_time(pairs: int) -> None:
    """71 characters (31 pairs) took the old trailing-numbers regex 247 s, ×4 per extra pair."""
    text = _dashes(pairs)
    started = time.perf_counter()
    found = model_candidates(_as_model_span(text), text, {})
    seconds = time.perf_counter() - started
    assert seconds < 1.0, f"{len(text)} characters cleaned in {seconds:.1f} s"
    assert all(text[c.start : c.end].strip() for c in found)  # whatever is kept is a real piece of the span


@pytest.mark.timeout(60)
def test_the_other_span_patterns_stay_linear_on_long_runs() -> None:
    """Long runs of whitespace, dashes, junk and "and"s: every pattern of the span cleaner on them at once."""
    texts = [
        "Ali" + " " * 50_000 + "x",
        "Ali" + " \n " * 20_000 + "Omar",
        "Ali" + " and" * 20_000 + " Omar",
        "the " * 20_000 + "Omar's",
        "Omar" + "." * 50_000,
        "Omar" + " 1-" * 20_000 + " x",
    ]
    started = time.perf_counter()
    for text in texts:
        model_candidates(_as_model_span(text), text, {})
    assert time.perf_counter() - started < 5.0


def _surnames(count: int, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    syllables = ["ba", "di", "ka", "lo", "mu", "ne", "ra", "si", "tu", "za", "ho", "ye", "qa", "fi", "gu"]
    names: dict[str, str] = {}  # by skeleton, so that no two are spelling variants of each other
    while len(names) < count:
        name = "".join(rng.choice(syllables) for _ in range(rng.randint(3, 5))).capitalize()
        names.setdefault(skeleton_key(match_key(name)), name)
    return sorted(names.values())


def _roll_call(count: int) -> tuple[str, list[Candidate]]:
    """``Mr. Ahmed X``, ``Mr. Ahmed Y``, …: an article of ``count`` distinct people, the model's spans on
    the names (the honorific already stripped, as the span cleaner does), each mentioned again by
    surname."""
    parts: list[str] = []
    candidates: list[Candidate] = []
    cursor = 0
    for surname in _surnames(count):
        full = f"Ahmed {surname}"
        sentence = f"Mr. {full} spoke, and {surname} left. "
        start = cursor + 4
        again = cursor + len(sentence) - len(f"{surname} left. ")
        candidates.append(Candidate(start, start + len(full), "PERSON", "PERSON"))
        candidates.append(Candidate(again, again + len(surname), "PERSON", "PERSON"))
        parts.append(sentence)
        cursor += len(sentence)
    return "".join(parts), candidates


@pytest.mark.timeout(120)
def test_thousands_of_distinct_names_merge_in_near_linear_time() -> None:
    """8k names took the old merging 160 s (24 s at 4k): all-pairs short-form joining and propagation."""
    text, candidates = _roll_call(8_000)
    started = time.perf_counter()
    entities = build_entities(text, candidates)
    seconds = time.perf_counter() - started
    assert seconds < 20, f"8,000 names merged in {seconds:.1f} s"
    assert len(entities) == 8_000 and {e.type for e in entities} == {"PERSON"}
    # the bare surname joined the one full name it ends: two mentions, one alias each
    assert all(e.count == 2 and len(e.aliases) == 1 and e.name.startswith("Ahmed ") for e in entities)
