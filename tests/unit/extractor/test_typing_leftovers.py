"""Typing leftovers in merging (issue 14): an abbreviated body's type, possessive mentions' weak votes, lists
introduced by a kind of place, and the bare "in" cue on names mentioned often."""

from __future__ import annotations

import re

from wirewatch.schemas.articles import Entity
from wirewatch.services.extractor.merging import build_entities
from wirewatch.services.extractor.spans import Candidate


def spans(text: str, name: str, type_: str, label: str | None = None) -> list[Candidate]:
    found = re.finditer(rf"(?<![\w-]){re.escape(name)}(?!\w)", text)
    return [Candidate(m.start(), m.end(), type_, label or type_) for m in found]


def by_name(entities: list[Entity]) -> dict[str, Entity]:
    return {e.name: e for e in entities}


# 1. An acronym of a body's name --------------------------------------------------------------------------------
def test_an_abbreviated_name_shaped_as_a_body_is_an_org_not_the_models_event() -> None:
    text = "Leaders met at the Baltic-Andean Trade Organisation (BATO) summit. BATO members agreed on tariffs."
    candidates = spans(text, "Baltic-Andean Trade Organisation", "EVENT") + spans(text, "BATO", "ORG")
    entity = by_name(build_entities(text, candidates))["Baltic-Andean Trade Organisation"]
    assert entity.type == "ORG"
    assert "BATO" in entity.aliases
    assert entity.why == "shape"


def test_an_abbreviated_name_not_shaped_as_a_body_keeps_the_models_type() -> None:
    text = "The Vellmor Clean Rivers Act (VCRA) passed in March. Critics say the VCRA is toothless."
    candidates = spans(text, "Vellmor Clean Rivers Act", "LAW")
    entity = by_name(build_entities(text, candidates))["Vellmor Clean Rivers Act"]
    assert entity.type == "LAW"


# 2. Possessive mentions are weak evidence ----------------------------------------------------------------------
def test_the_models_org_on_possessive_mentions_does_not_outvote_person() -> None:
    text = "Marlowe's films drew crowds. Marlowe's output slowed in the 1970s. Critics said Marlowe was exacting."
    candidates = [
        *(c for c in spans(text, "Marlowe", "ORG") if text[c.end] == "'"),
        *(c for c in spans(text, "Marlowe", "PERSON") if text[c.end] != "'"),
    ]
    [entity] = build_entities(text, candidates)
    assert entity.type == "PERSON"


def test_possessive_mentions_still_decide_when_there_is_nothing_else() -> None:
    text = "Tovaro's earnings rose. Tovaro's shares fell. Tovaro's chief left."
    candidates = spans(text, "Tovaro", "ORG")
    [entity] = build_entities(text, candidates)
    assert entity.type == "ORG"


# 3. Lists introduced by a kind of place -------------------------------------------------------------------------
def test_a_list_introduced_by_rivers_shares_loc() -> None:
    text = "Floods hit rivers such as the Orlaan, Besk and Tummel after the storm."
    candidates = [*spans(text, "Orlaan", "PERSON"), *spans(text, "Besk", "ORG"), *spans(text, "Tummel", "PERSON")]
    types = {e.name: e.type for e in build_entities(text, candidates)}
    assert types == {"Orlaan": "LOC", "Besk": "LOC", "Tummel": "LOC"}


def test_cities_like_and_countries_including_share_loc() -> None:
    text = "Prices rose in cities like Varnsk and Olmedo, and in countries including Talvonia and Rheduria."
    candidates = [
        *spans(text, "Varnsk", "PERSON"),
        *spans(text, "Olmedo", "PERSON"),
        *spans(text, "Talvonia", "ORG"),
        *spans(text, "Rheduria", "LOC", "GPE"),
    ]
    types = {e.name: e.type for e in build_entities(text, candidates)}
    assert types == {"Varnsk": "LOC", "Olmedo": "LOC", "Talvonia": "LOC", "Rheduria": "LOC"}


def test_a_list_of_people_is_not_made_places_by_a_place_word_far_before() -> None:
    text = "In the cities we visited, officials Anna Pell, Joro Vask and Liba Sorn met us."
    candidates = [c for n in ("Anna Pell", "Joro Vask", "Liba Sorn") for c in spans(text, n, "PERSON")]
    assert {e.type for e in build_entities(text, candidates)} == {"PERSON"}


# 4. The bare "in" cue on a name mentioned often ------------------------------------------------------------------
QUILLBOX = (
    "Open the file in Quillbox. Quillbox shows a warning. Quillbox then asks for a password. "
    "You can change this in Quillbox. Quillbox saves it. Quillbox also syncs it. Quillbox is free."
)


def test_a_name_mentioned_often_with_few_in_cues_keeps_the_models_type() -> None:
    [entity] = build_entities(QUILLBOX, spans(QUILLBOX, "Quillbox", "PERSON"))
    assert entity.type == "PERSON"


def test_in_cues_on_most_mentions_still_make_a_place() -> None:
    text = "He grew up in Darnek. Life in Darnek was hard. He left Darnek at 16."
    [entity] = build_entities(text, spans(text, "Darnek", "PERSON"))
    assert entity.type == "LOC"


def test_a_single_in_mention_still_makes_a_place() -> None:
    text = "The reporter found himself in Uskevar, where the market had burned."
    [entity] = build_entities(text, spans(text, "Uskevar", "PERSON"))
    assert entity.type == "LOC"


def test_in_cues_do_not_override_the_models_org_or_product_votes() -> None:
    text = "Run it in Brightloom. Brightloom crashed. In Brightloom the menu moved."
    candidates = [
        *(c for c in spans(text, "Brightloom", "PERSON") if c.start < 30),
        *(c for c in spans(text, "Brightloom", "PRODUCT") if c.start >= 30),
    ]
    types = {e.type for e in build_entities(text, candidates)}
    assert "LOC" not in types


def test_a_place_list_with_the_before_each_name_and_its_noun_a_few_words_back() -> None:
    text = "Great rivers rise in Varland, such as the Orlaan, the Besk and the Tummel, all fed by glaciers."
    candidates = [*spans(text, "Varland", "LOC", "GPE")]
    candidates += [c for n, t in (("Orlaan", "ORG"), ("Besk", "PERSON"), ("Tummel", "ORG")) for c in spans(text, n, t)]
    types = {e.name: e.type for e in build_entities(text, candidates)}
    assert types == {"Varland": "LOC", "Orlaan": "LOC", "Besk": "LOC", "Tummel": "LOC"}


def test_an_apposition_after_a_list_of_places_is_not_one_of_them() -> None:
    text = "Gunmen stopped a bus between Orvik and Telmo, the Halden Observers Network said on Tuesday."
    candidates = [
        *spans(text, "Orvik", "LOC", "GPE"),
        *spans(text, "Telmo", "LOC", "GPE"),
        *spans(text, "Halden Observers Network", "ORG"),
    ]
    types = {e.name: e.type for e in build_entities(text, candidates)}
    assert types["Halden Observers Network"] == "ORG"


def test_a_list_introduced_by_a_kind_of_person_shares_person() -> None:
    text = "Some historians, such as Orbell and Vantrees, doubt the account of the siege."
    candidates = [*spans(text, "Orbell", "PERSON"), *spans(text, "Vantrees", "ORG")]
    types = {e.name: e.type for e in build_entities(text, candidates)}
    assert types == {"Orbell": "PERSON", "Vantrees": "PERSON"}


# Place cues: a feature's kind, a realm, a title held of a place ---------------------------------------------------
def test_a_features_kind_a_realm_or_a_title_of_a_place_turns_the_models_org_into_a_place() -> None:
    for text, name in [
        ("The army was held at the river Ostrel for a week.", "Ostrel"),
        ("They advanced as far as the pass of Karvask before winter.", "Karvask"),
        ("In 840 it became the state of Greater Velmoria under one ruler.", "Greater Velmoria"),
        ("Her book is about Anne Moray, Countess of Dunmarrow, and her sons.", "Dunmarrow"),
    ]:
        [entity] = build_entities(text, spans(text, name, "ORG"))
        assert (name, entity.type) == (name, "LOC")


def test_a_capitalised_state_or_a_river_after_the_name_is_no_place_cue() -> None:
    text = "The Secretary of State of Dervan Holdings spoke. The Ostrel River Trust objected."
    candidates = spans(text, "Dervan Holdings", "ORG") + spans(text, "Ostrel River Trust", "ORG")
    assert {e.type for e in build_entities(text, candidates)} == {"ORG"}
