"""Context cues, the outlet's own name and lists (services/extractor/context.py, merging's use of them)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from wirewatch.services.extractor.context import chains, cue, is_source, named_by_members, source_keys, vote
from wirewatch.services.extractor.enrichment import enrich
from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.merging import build_entities
from wirewatch.services.extractor.spans import Candidate


def cue_of(text: str, name: str) -> str | None:
    start = text.index(name)
    return cue(text, start, start + len(name))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Residents said the militia Wadi Lions had left.", "Wadi Lions"),
        ("Three members of Green Hand were arrested.", "Green Hand"),
        ("Dozens of Kolo fighters crossed the river.", "Kolo"),
        ("Talks with Zenab's armed wing failed.", "Zenab"),
        ("Marabout Shield, the armed group that holds the pass, denied it.", "Marabout Shield"),
        ("Akuna, which claimed the attack, posted a video.", "Akuna"),
        ("The rebel group Naga Tide struck at dawn.", "Naga Tide"),
    ],
)
def test_organisation_cues(text: str, name: str) -> None:
    assert cue_of(text, name) == "ORG"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Gen. Abdou Salami ordered a retreat.", "Abdou Salami"),
        ("Nura Bello, 45, was released.", "Nura Bello"),
        ("Kwame Osei said he would resign.", "Kwame Osei"),
        ("Lina Haddad, who fled in March, spoke.", "Lina Haddad"),
        ("Omar Falah, the group's spokesman, denied it.", "Omar Falah"),
    ],
)
def test_person_cues(text: str, name: str) -> None:
    assert cue_of(text, name) == "PERSON"


def test_no_cue_and_conflicting_cues_say_nothing() -> None:
    assert cue_of("Officials in Lakeview met on Monday.", "Lakeview") is None
    assert cue_of("Mr. Kolo fighters", "Kolo") is None


def test_vote_weighs_evidence() -> None:
    assert vote("PERSON", Counter(), shaped=True, source=False) == ("ORG", "shape")
    assert vote("PERSON", Counter({"PERSON": 1}), shaped=True, source=False) == ("ORG", "shape")
    assert vote("ORG", Counter({"PERSON": 2}), shaped=True, source=False) == ("PERSON", "context")
    assert vote("LOC", Counter({"ORG": 2, "PERSON": 1}), shaped=False, source=False) == ("ORG", "context")
    assert vote("PERSON", Counter({"ORG": 1, "PERSON": 1}), shaped=False, source=False) == ("PERSON", None)
    assert vote("PERSON", Counter(), shaped=False, source=True) == ("ORG", "source")
    assert vote("NORP", Counter({"ORG": 3}), shaped=True, source=True) == ("NORP", None)


def test_source_keys() -> None:
    assert source_keys("Al Jazeera English") == {"aljazeeraenglish", "aljazeera"}
    assert source_keys("www.sahelpost.com") == {"sahelpost"}
    assert source_keys("The Daily Lantern") == {"dailylantern"}
    assert source_keys(None) == frozenset() and source_keys("  ") == frozenset()
    assert is_source("al jazeera", source_keys("Al Jazeera English"))
    assert not is_source("jazeera", source_keys("Al Jazeera English"))


def test_chains_find_lists_and_their_introductions() -> None:
    text = "Militias including Ombra, Taro and Vel signed. Later Ombra and Taro met Dube."
    names = [m.span() for m in re.finditer(r"Ombra|Taro|Vel|Dube", text)]
    assert chains(text, names) == [([0, 1, 2], True), ([3, 4], False)]


# Merging uses them ------------------------------------------------------------------------------------------
def at_all(text: str, name: str, type_: str) -> list[Candidate]:
    return [Candidate(m.start(), m.end(), type_, type_) for m in re.finditer(re.escape(name), text)]


def test_cues_retype_a_group_across_its_mentions() -> None:
    text = "Kolo said the road was open. Later, Kolo fighters took the bridge and members of Kolo fled."
    [kolo] = build_entities(text, at_all(text, "Kolo", "PERSON"))
    assert kolo.type == "ORG"


def test_the_outlet_named_in_its_own_text_is_an_organisation() -> None:
    text = "Reporters for Sahel Post saw the convoy, Sahel Post said."
    [post] = build_entities(text, at_all(text, "Sahel Post", "PERSON"), source="sahelpost.com")
    assert post.type == "ORG"
    [post] = build_entities(text, at_all(text, "Sahel Post", "PERSON"))
    assert post.type == "PERSON"


def test_an_introduced_list_shares_the_organisation_type() -> None:
    text = "Factions including Ombra, Taro and Vel signed the truce."
    found = [*at_all(text, "Ombra", "ORG"), *at_all(text, "Taro", "PERSON"), *at_all(text, "Vel", "LOC")]
    assert {e.name: e.type for e in build_entities(text, found)} == {"Ombra": "ORG", "Taro": "ORG", "Vel": "ORG"}


def test_a_list_takes_the_type_its_sure_members_share_but_not_over_acronyms() -> None:
    text = "Gen. Ali Musa, Gen. Idi Rono, Kofi Sarpong and ABDU visited."
    found = [
        *at_all(text, "Ali Musa", "PERSON"),
        *at_all(text, "Idi Rono", "PERSON"),
        *at_all(text, "Kofi Sarpong", "LOC"),
        *at_all(text, "ABDU", "ORG"),
    ]
    types = {e.name: e.type for e in build_entities(text, found)}
    assert types == {"Ali Musa": "PERSON", "Idi Rono": "PERSON", "Kofi Sarpong": "PERSON", "ABDU": "ORG"}


# With the model in the loop ---------------------------------------------------------------------------------
def test_model_spans_follow_the_cues(extractor: EntityExtractor) -> None:
    text = (
        "Witnesses said Kolo Nyama fighters had burned the market. The militia Kolo Nyama later denied it, "
        "and three members of Kolo Nyama were detained."
    )
    found = {e.name: e.type for e in extractor.extract_entities(text)}
    assert found.get("Kolo Nyama") == "ORG"


def test_the_article_source_reaches_the_extractor(extractor: EntityExtractor, make_article: Any) -> None:
    article = make_article("Amina Yusuf told Harmattan Dispatch that the bridge was closed.").model_copy(
        update={"source": "Harmattan Dispatch"}
    )
    [enriched] = enrich([article], extractor=extractor)
    assert "Harmattan Dispatch" in enriched.organizations


def test_an_acronym_before_its_expansion_joins_it() -> None:
    text = "The KLA (Kivu Liberation Army) took the hill. KLA fighters then withdrew."
    found = [*at_all(text, "KLA", "LOC"), *at_all(text, "Kivu Liberation Army", "ORG")]
    [kla] = build_entities(text, found)
    assert (kla.name, kla.type) == ("Kivu Liberation Army", "ORG")
    assert [m.text for m in kla.mentions] == ["KLA", "Kivu Liberation Army", "KLA"]


def test_a_dateline_dash_cuts_a_model_span(extractor: EntityExtractor) -> None:
    text = "MOPTI - Fighters of the Kivu Liberation Army attacked a convoy, the army said."
    names = [e.name for e in extractor.extract_entities(text)]
    assert not any(" - " in name for name in names)


def test_an_acronym_in_apposition_joins_its_expansion() -> None:
    text = "KLA, the Kivu Liberation Army, took the hill."
    found = [*at_all(text, "KLA", "LOC"), *at_all(text, "Kivu Liberation Army", "ORG")]
    [kla] = build_entities(text, found)
    assert (kla.name, kla.type, kla.count) == ("Kivu Liberation Army", "ORG", 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GOMA - Kivu12 rebels seized the town.", ["Kivu12"]),
        ("The Wanyama militia and Sokoro insurgents met.", ["Wanyama", "Sokoro"]),
        ("Attacks by Bakari Shield cells continued.", ["Bakari Shield"]),
        # demonyms and adjectives name no group
        ("Somali fighters, Islamist militants, Kurdish fighters and Arab militias.", []),
        ("Rival gangs and local militias clashed.", []),
    ],
)
def test_names_made_a_group_s_by_the_words_after_them(text: str, expected: list[str]) -> None:
    assert [text[start:end] for start, end in named_by_members(text)] == expected


def test_a_name_the_model_missed_before_militants_is_an_organisation(extractor: EntityExtractor) -> None:
    text = "Residents said Wazimba militants had closed the road to the mine."
    found = {e.name: e.type for e in extractor.extract_entities(text)}
    assert found.get("Wazimba") == "ORG"
