"""Spans the model offers that name no one, edges that are no part of a name, and person cues
(services/extractor/nonnames.py ``no_name``, normalise.py ``trim_span``, context.py ``cue``). Names are invented."""

from __future__ import annotations

import pytest

from wirewatch.services.extractor import context
from wirewatch.services.extractor.normalise import trim_span
from wirewatch.services.extractor.orgspans import apply_shapes
from wirewatch.services.extractor.spans import Candidate


def kept(text: str, *surfaces: str, type_: str = "ORG") -> list[str]:
    candidates = [Candidate(text.index(s), text.index(s) + len(s), type_, type_) for s in surfaces]
    return [text[c.start : c.end] for c in apply_shapes(text, candidates)]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("The court ruled on Parts IV and VII of the act.", "VII"),
        ("A fort was built here around 1200 BC by settlers.", "BC"),
        ("In the 3rd century AD the town grew.", "AD"),
        ("He took the title Grand Sovereign Emperor in 1530.", "Grand Sovereign Emperor"),
        ("She became the Senior Regulatory Counsel of the board.", "Senior Regulatory Counsel"),
        ("The former Minister for Justice spoke.", "Justice"),
        ("The Secretary of State flew to Ardania.", "State"),
        ("The Minister of the Interior resigned.", "Interior"),
    ],
)
def test_spans_that_name_no_one_are_dropped(text: str, surface: str) -> None:
    assert kept(text, surface) == []


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("The Velnovo Trading Company said so.", "Velnovo Trading Company"),  # a name
        ("The Director of the ZKB said so.", "ZKB"),  # an acronym after a title is a body's name
        ("Staff at the Office of the President left.", "Office of the President"),  # organisation-shaped
        ("Troops of BC Ardania Holdings left.", "BC Ardania Holdings"),  # no number before "BC"
    ],
)
def test_names_that_look_alike_are_kept(text: str, surface: str) -> None:
    assert kept(text, surface) == [surface]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("an Ardanian Opposition Group", "Ardanian Opposition Group"),
        ("Naturally Velnovo", "Velnovo"),
        ("Reportedly Harakat Zafar", "Harakat Zafar"),
        ("Zorbit, Inc. of", "Zorbit, Inc."),
        ("Sally Vornet", "Sally Vornet"),  # a given name ending in -ly is no adverb
        ("A Tribe Called Ardan", "A Tribe Called Ardan"),  # a capital "A" may begin a name
    ],
)
def test_edges_that_are_no_part_of_a_name_are_trimmed(name: str, expected: str) -> None:
    start, end = trim_span(name, 0, len(name))
    assert name[start:end] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Velnor's wife, Marisa Velnor, made her first appearance.",
        "Presidential special assistant Kora Dunmore wrote a post.",
        "Opposition leader Tamsin Arvell was arrested.",
    ],
)
def test_kin_and_occupations_before_a_name_are_person_cues(text: str) -> None:
    name = next(w for w in ("Marisa Velnor", "Kora Dunmore", "Tamsin Arvell") if w in text)
    start = text.index(name)
    assert context.cue(text, start, start + len(name)) == "PERSON"


def test_a_capitalised_title_before_a_name_is_no_lowercase_occupation_cue() -> None:
    text = "The Leader Party won."  # "Leader" capitalised is part of a name, not an occupation
    start = text.index("Party")
    assert context.cue(text, start, start + len("Party")) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Dar Nawa goalkeeper Sami Idris saved twice.", "Dar Nawa"),
        ("Velnor Rangers, who have won four titles, lost.", "Velnor Rangers"),
        ("Against a team like Kordan, you cannot sit back.", "Kordan"),
    ],
)
def test_a_body_named_before_a_members_role_or_with_a_plural_verb_is_an_organisation(text: str, name: str) -> None:
    start = text.index(name)
    assert context.cue(text, start, start + len(name)) == "ORG"


def test_a_name_ending_a_list_before_who_are_is_no_collective() -> None:
    text = "He thanked Ali and Huda Farran, who are his cousins."
    start = text.index("Huda Farran")
    assert context.cue(text, start, start + len("Huda Farran")) == "PERSON"  # ", who" as for any person


def test_a_name_whose_every_word_carries_the_article_is_a_body() -> None:
    text = "Al-Nasr Al-Watani beat Abu al-Rashid."
    found = apply_shapes(
        text, [Candidate(0, len("Al-Nasr Al-Watani"), "PERSON", "PERSON"), Candidate(23, 36, "PERSON", "PERSON")]
    )
    assert [(text[c.start : c.end], c.type) for c in found] == [
        ("Al-Nasr Al-Watani", "ORG"),
        ("Abu al-Rashid", "PERSON"),
    ]
