"""Places recognised by their shape (services/extractor/placeshapes.py). Every name here is invented."""

from __future__ import annotations

import pytest

from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.placeshapes import apply_place_shapes, place_shaped
from wirewatch.services.extractor.spans import Candidate


def names(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.kind) for s in place_shaped(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fighters hid in the Kolomba Forest for weeks.", [("Kolomba Forest", "feature")]),
        ("Boats crossed the Harun Delta at night.", [("Harun Delta", "feature")]),
        (
            "Engineers inspected Qaryat Dam and the Zarif Bridge.",
            [("Qaryat Dam", "facility"), ("Zarif Bridge", "facility")],
        ),
        ("Drones struck Tal Wardi Air Base.", [("Tal Wardi Air Base", "facility")]),
        (
            "Shelling hit the Velnovo Oblast and Dorak Province.",
            [("Velnovo Oblast", "admin"), ("Dorak Province", "admin")],
        ),
        ("Ships waited in the Gulf of Serenka.", [("Gulf of Serenka", "feature")]),
        ("Shepherds fled Wadi Ghuzayl and Jabal Marqab.", [("Wadi Ghuzayl", "feature"), ("Jabal Marqab", "feature")]),
        ("Residents of the Principality of Ostrava voted.", [("Principality of Ostrava", "admin")]),
        # the name begins after "of" and after a title
        ("The Governor of the Tamsa Region resigned.", [("Tamsa Region", "admin")]),
        # a head alone is no name, nor a head after a sentence opener only
        ("The Delta flooded. In Forest areas it rained.", []),
        # a possessive ends a run: "Ardania's Kelo Valley" is about the valley
        ("Ardania's Kelo Valley was shelled.", [("Kelo Valley", "feature")]),
    ],
)
def test_names_in_place_shape(text: str, expected: list[tuple[str, str]]) -> None:
    assert names(text) == expected


def span(text: str, surface: str, type_: str, **kwargs: object) -> Candidate:
    start = text.index(surface)
    return Candidate(start, start + len(surface), type_, type_, **kwargs)  # type: ignore[arg-type]


def decided(text: str, candidates: list[Candidate], places: set[str] = frozenset()) -> list[tuple[str, str]]:  # type: ignore[assignment]
    found = apply_place_shapes(text, candidates, lambda name: name in places)
    return [(text[c.start : c.end], c.type) for c in found]


def test_a_model_person_or_org_in_place_shape_becomes_a_place() -> None:
    text = "Rebels retreated to the Kolomba Forest near Harun Delta."
    candidates = [span(text, "Kolomba Forest", "PERSON"), span(text, "Harun Delta", "ORG")]
    assert decided(text, candidates) == [("Kolomba Forest", "LOC"), ("Harun Delta", "LOC")]
    assert all(c.why == "shape" for c in apply_place_shapes(text, candidates))


def test_a_place_the_model_missed_is_added() -> None:
    text = "Rebels retreated to the Kolomba Forest."
    assert decided(text, []) == [("Kolomba Forest", "LOC")]


def test_a_weak_head_never_takes_a_person_and_adds_nothing() -> None:
    text = "Talk-show host Marla Lake said the Venn River was high."
    person = span(text, "Marla Lake", "PERSON")
    assert decided(text, [person]) == [("Marla Lake", "PERSON")]
    text = "Hikers reached Dorwen Lake."
    assert decided(text, []) == []
    assert decided(text, [span(text, "Dorwen Lake", "ORG")]) == [("Dorwen Lake", "LOC")]


def test_an_administrative_head_needs_a_known_place_before_it() -> None:
    text = "The Islamic Caliphate Sahel Province claimed the raid in Velnovo Province."
    branch = span(text, "Islamic Caliphate Sahel Province", "ORG")
    region = span(text, "Velnovo Province", "ORG")
    assert decided(text, [branch, region], places={"Velnovo"}) == [
        ("Islamic Caliphate Sahel Province", "ORG"),
        ("Velnovo Province", "LOC"),
    ]
    assert decided(text, [], places=set()) == []  # no known place: nothing added


def test_organisation_shapes_and_watchlists_win() -> None:
    text = "The Kolomba Forest Brigade and the Harun Delta met."
    org = span(text, "Kolomba Forest Brigade", "ORG", why="shape")
    watched = span(text, "Harun Delta", "ORG", tier="watch")
    assert decided(text, [org, watched]) == [("Kolomba Forest Brigade", "ORG"), ("Harun Delta", "ORG")]


def test_a_model_span_reaching_beyond_the_name_is_left_alone() -> None:
    text = "The Harun Delta Development Authority said so."
    whole = span(text, "Harun Delta Development Authority", "ORG")
    assert decided(text, [whole]) == [("Harun Delta Development Authority", "ORG")]


def test_the_extractor_types_features_facilities_and_units_as_places(extractor: EntityExtractor) -> None:
    text = (
        "Militants withdrew into the Kolomba Forest after an attack on Tal Wardi Air Base. "
        "Engineers said the Qaryat Dam was intact, and ships waited in the Gulf of Serenka."
    )
    found = {e.name: (e.type, e.why) for e in extractor.extract_entities(text)}
    for name in ("Kolomba Forest", "Tal Wardi Air Base", "Qaryat Dam", "Gulf of Serenka"):
        assert found.get(name, ("missing", None))[0] == "LOC", (name, found)
