"""A review's or an advert's title-cased heading that opens with praise or blame names no one (issue 14, UNER
dev part; services/extractor/nonnames.py ``no_name``). Texts written for these tests."""

from __future__ import annotations

import pytest

from wirewatch.services.extractor.orgspans import apply_shapes
from wirewatch.services.extractor.spans import Candidate


def kept(text: str, surface: str, type_: str = "ORG") -> list[str]:
    start = text.index(surface)
    return [text[c.start : c.end] for c in apply_shapes(text, [Candidate(start, start + len(surface), type_, type_)])]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Superb Noodle Soup\n\nWe stopped here on the way home and loved it.", "Superb Noodle Soup"),
        ("The tiles were fixed in a day.  Great Work.  The crew cleaned up too.", "Great Work"),
        ("Worst Tasting Bagels, Ever\nNever again.", "Worst Tasting Bagels"),
        ("Friendly Staff", "Friendly Staff"),
    ],
)
def test_a_heading_of_praise_or_blame_names_no_one(text: str, surface: str) -> None:
    assert kept(text, surface) == []


@pytest.mark.parametrize(
    ("text", "surface", "type_"),
    [
        ("Ships sailed for Great Marlow at dawn.", "Great Marlow", "LOC"),  # inside a sentence
        ("Great Marlow lies upriver from the weir.", "Great Marlow", "LOC"),  # a sentence goes on after it
        ("Best Velkin is a chain of hardware stores.", "Best Velkin", "ORG"),
        ("Grand Orchard Cafe\nOpen daily.", "Grand Orchard Cafe", "ORG"),  # no praise word
        ("Great.\nSo good.", "Great", "ORG"),  # one word is no heading name
    ],
)
def test_names_that_only_begin_with_such_a_word_stay(text: str, surface: str, type_: str) -> None:
    assert kept(text, surface, type_) == [surface]
