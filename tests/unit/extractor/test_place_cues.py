"""Two rules between places and the model's PERSON/ORG (issue 14, UNER dev part): a place's preposition before a
name the model calls ORG ("marched into X") makes it a place, and a town's name the model calls a person more than
once in the text stays a person unless a mention has place context. Names invented for these tests."""

from __future__ import annotations

from collections import Counter

import pytest

from wirewatch.services.extractor.context import cue, evidence, vote
from wirewatch.services.extractor.gazetteer import GazetteerEntry, GazetteerMatch
from wirewatch.services.extractor.merging import build_entities
from wirewatch.services.extractor.places import PlaceContext
from wirewatch.services.extractor.spans import Candidate


def cue_of(text: str, name: str) -> str | None:
    start = text.index(name)
    return cue(text, start, start + len(name))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The legion marched deep into Varnessa for a long campaign.", "Varnessa"),
        ("Raiders crossed the frozen marsh south of the Quellwall that winter.", "Quellwall"),
        ("The eastern border with Obrania was now secured.", "Obrania"),
        ("Caravans travelled across Zephrine and on to the sea.", "Zephrine"),
        ("Rebels seized the mining town of Tulago in the east.", "Tulago"),
        ("Residents of Marrow Creek said the road was shut.", "Marrow Creek"),
        ("A splinter band active around Dersi denied it.", "Dersi"),
    ],
)
def test_a_place_preposition_is_a_place_cue(text: str, name: str) -> None:
    assert cue_of(text, name) == "LOC"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("She worked at Varnessa for a decade.", "Varnessa"),  # people work at organisations
        ("A grant from Obrania paid for it.", "Obrania"),
        ("Three members of Quellwall were held.", "Quellwall"),  # an organisation's cue wins
    ],
)
def test_plain_prepositions_and_organisation_cues_give_no_place_cue(text: str, name: str) -> None:
    assert cue_of(text, name) != "LOC"


def test_the_place_cue_retypes_the_model_s_org_and_person_a_bare_in_only_its_person() -> None:
    assert vote("ORG", Counter({"LOC": 1}), shaped=False, source=False) == ("LOC", "context")
    assert vote("ORG", Counter({"LOC": 1, "ORG": 1}), shaped=False, source=False) == ("ORG", "context")
    assert vote("ORG", Counter({"LOC": 2}), shaped=True, source=False) == ("ORG", "shape")  # a shaped body
    assert vote("ORG", Counter({"IN": 2}), shaped=False, source=False) == ("ORG", None)  # "in Congress"
    assert vote("PERSON", Counter({"IN": 1}), shaped=False, source=False) == ("LOC", "context")
    assert vote("PERSON", Counter({"IN": 1, "PERSON": 1}), shaped=False, source=False) == ("PERSON", "context")
    assert vote("PERSON", Counter({"IN": 1}), shaped=True, source=False) == ("ORG", "shape")
    assert vote("NORP", Counter({"LOC": 2}), shaped=False, source=False) == ("NORP", None)


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("The envoy found himself in northern Vostrany by spring.", "Vostrany", "IN"),
        ("Talks were held at Kelmar on Monday.", "Kelmar", "IN"),
        ("She kept her faith in Ardolan through the trial.", "Ardolan", None),  # trust in a person
        ("We met in Ardolan's kitchen.", "Ardolan", None),  # a possessive: a person's or a body's
        ("We met in Ardolan 's kitchen.", "Ardolan", None),
        ("Refugees walked into Vostrany.", "Vostrany", "LOC"),
    ],
)
def test_a_bare_in_or_at_is_weak_place_evidence(text: str, name: str, expected: str | None) -> None:
    start = text.index(name)
    assert evidence(text, start, start + len(name)) == expected
    assert cue(text, start, start + len(name)) == (expected if expected != "IN" else None)


def test_a_model_person_in_a_place_becomes_a_place() -> None:
    text = "The pharaoh found himself in Tamarru, far from home. Tamarru was held by his rivals."
    first, second = text.index("Tamarru"), text.rindex("Tamarru")
    found = [Candidate(first, first + 7, "PERSON", "PERSON"), Candidate(second, second + 7, "PERSON", "PERSON")]
    [entity] = build_entities(text, found)
    assert entity.type == "LOC"


def test_a_model_org_after_a_place_preposition_becomes_a_place() -> None:
    text = "Philo assembled an army and marched deep into Varnessa. Varnessa fell within a year."
    first, second = text.index("Varnessa"), text.rindex("Varnessa")
    found = [Candidate(first, first + 8, "ORG", "ORG"), Candidate(second, second + 8, "ORG", "ORG")]
    [entity] = build_entities(text, found)
    assert entity.type == "LOC"


def town(name: str) -> GazetteerEntry:
    return GazetteerEntry(name=name, type="LOC", precedence="unless_inside_longer_name", population=120_000)


def matches_of(text: str, name: str) -> list[GazetteerMatch]:
    entry, found, start = town(name), [], text.find(name)
    while start != -1:
        found.append(GazetteerMatch(start, start + len(name), entry))
        start = text.find(name, start + 1)
    return found


def test_a_town_named_like_a_person_the_model_names_twice_stays_a_person() -> None:
    text = "Through his aunt, Kurovan was heir to a dynasty. In 1961 Kurovan took up sculpture."
    matches = matches_of(text, "Kurovan")
    people = [(m.start, m.end) for m in matches]
    context = PlaceContext(text, matches, people)
    assert not any(context.fits(m, {"PERSON"}) for m in matches)


def test_one_person_mention_or_place_context_still_makes_the_town() -> None:
    once = "Shelling hit Kurovan overnight."
    [match] = matches_of(once, "Kurovan")
    assert PlaceContext(once, [match], [(match.start, match.end)]).fits(match, {"PERSON"})
    twice = "Kurovan was shelled again. Aid reached Kurovan from the north, and Kurovan waited."
    matches = matches_of(twice, "Kurovan")
    context = PlaceContext(twice, matches, [(m.start, m.end) for m in matches])
    assert [context.fits(m, {"PERSON"}) for m in matches] == [False, False, False]
    inside = "Kurovan was shelled again. Families fled from Kurovan at dawn."
    matches = matches_of(inside, "Kurovan")
    context = PlaceContext(inside, matches, [(m.start, m.end) for m in matches])
    assert [context.fits(m, {"PERSON"}) for m in matches] == [False, True]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("By then the emperor Valdric had split the province in two.", "Valdric"),
        ("The historian Orlen doubted the account.", "Orlen"),
        ("The film follows the ruin of Tamsey's career and marriage.", "Tamsey"),
        ("Brackwell was born in a river port in 1871.", "Brackwell"),
        ("Osterby married a painter from the coast.", "Osterby"),
    ],
)
def test_what_only_a_person_is_or_does_is_a_person_cue(text: str, name: str) -> None:
    assert cue_of(text, name) == "PERSON"


def test_a_single_name_the_model_calls_org_with_a_person_cue_becomes_a_person() -> None:
    text = "Lorvane was born in 1890. Lorvane founded a small press."
    first, second = text.index("Lorvane"), text.rindex("Lorvane")
    found = [Candidate(first, first + 7, "ORG", "ORG"), Candidate(second, second + 7, "ORG", "ORG")]
    [entity] = build_entities(text, found)
    assert entity.type == "PERSON"
