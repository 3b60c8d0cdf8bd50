from __future__ import annotations

import re

from wirewatch.schemas.articles import Entity
from wirewatch.services.extractor.gazetteer import GazetteerEntry
from wirewatch.services.extractor.merging import build_entities
from wirewatch.services.extractor.spans import Candidate


def spans(text: str, name: str, type_: str, label: str | None = None, **kw: object) -> list[Candidate]:
    """A candidate at every occurrence of ``name`` (whole words)."""
    found = re.finditer(rf"(?<![\w-]){re.escape(name)}(?!\w)", text)
    return [Candidate(m.start(), m.end(), type_, label or type_, **kw) for m in found]  # type: ignore[arg-type]


def by_name(entities: list[Entity]) -> dict[str, Entity]:
    return {e.name: e for e in entities}


SUDANI = (
    "Prime Minister Mohammed Shia al-Sudani met coalition commanders in Baghdad on Monday. "
    "Al-Sudani said the withdrawal would be orderly. Critics of Sudani in parliament disagreed."
)


def test_short_forms_join_the_full_name_seen_in_the_document() -> None:
    candidates = [
        *spans(SUDANI, "Mohammed Shia al-Sudani", "PERSON"),
        *spans(SUDANI, "Al-Sudani", "PERSON"),
        *spans(SUDANI, "Sudani", "ORG"),  # the model's mistake on the bare surname
        *spans(SUDANI, "Baghdad", "LOC", "GPE"),
    ]
    entities = by_name(build_entities(SUDANI, candidates))
    sudani = entities["Mohammed Shia al-Sudani"]
    assert sudani.type == "PERSON"
    assert [m.text for m in sudani.mentions] == ["Mohammed Shia al-Sudani", "Al-Sudani", "Sudani"]
    assert sudani.count == 3
    assert set(sudani.aliases) == {"Al-Sudani", "Sudani"}
    assert "Sudani" not in entities and "Al-Sudani" not in entities


def test_every_mention_offset_points_at_its_text() -> None:
    candidates = spans(SUDANI, "Mohammed Shia al-Sudani", "PERSON") + spans(SUDANI, "Sudani", "PERSON")
    for entity in build_entities(SUDANI, candidates):
        for mention in entity.mentions:
            assert SUDANI[mention.start : mention.end] == mention.text
        assert entity.first_position == entity.mentions[0].start


def test_a_surname_shared_by_two_people_stays_on_its_own() -> None:
    text = "Qais al-Muhammadawi and Hadi al-Muhammadawi were named. Muhammadawi denied it."
    candidates = [
        *spans(text, "Qais al-Muhammadawi", "PERSON"),
        *spans(text, "Hadi al-Muhammadawi", "PERSON"),
        *spans(text, "Muhammadawi", "PERSON"),
    ]
    names = [e.name for e in build_entities(text, candidates)]
    assert names == ["Qais al-Muhammadawi", "Hadi al-Muhammadawi", "Muhammadawi"]


def test_particle_less_surname_joins_the_full_name() -> None:
    text = "A strike killed Qais al-Muhammadawi near the airport. Muhammadawi led a PMF unit."
    candidates = spans(text, "Qais al-Muhammadawi", "PERSON") + spans(text, "Muhammadawi", "PERSON")
    [entity] = build_entities(text, candidates)
    assert entity.name == "Qais al-Muhammadawi"
    assert entity.count == 2


JOC = (
    "The Joint Operations Command (JOC) said on Sunday that coalition forces would hand over the "
    "Ain al-Asad base. A JOC spokesman said the timetable was agreed with Washington."
)


def test_acronym_in_parentheses_becomes_an_alias() -> None:
    candidates = spans(JOC, "Joint Operations Command", "ORG")  # the model tagged neither "JOC"
    [entity] = [e for e in build_entities(JOC, candidates) if e.type == "ORG"]
    assert entity.name == "Joint Operations Command"
    assert entity.aliases == ["JOC"]
    assert [(m.text, m.start) for m in entity.mentions] == [
        ("Joint Operations Command", 4),
        ("JOC", JOC.index("JOC")),
        ("JOC", JOC.rindex("JOC")),
    ]


def test_a_parenthesis_that_is_not_the_initials_is_not_an_alias() -> None:
    text = "The Popular Mobilization Forces (Hashd) said the Hashd was ready."
    candidates = spans(text, "Popular Mobilization Forces", "ORG")
    entities = build_entities(text, candidates)
    assert all(e.aliases == [] for e in entities)


def test_type_is_voted_across_mentions() -> None:
    text = "Harakat al-Nujaba said. Harakat al-Nujaba warned. Harakat al-Nujaba fired. Harakat al-Nujaba left."
    found = spans(text, "Harakat al-Nujaba", "ORG")
    found[0] = Candidate(found[0].start, found[0].end, "PERSON", "PERSON")
    [entity] = build_entities(text, found)
    assert entity.type == "ORG"
    assert entity.label == "ORG"
    assert entity.count == 4


def test_a_gazetteer_entry_overrules_the_vote() -> None:
    text = "Tuz Khurmatu was quiet. Tuz Khurmatu residents fled. Tuz Khurmatu is south of Kirkuk."
    entry = GazetteerEntry(name="Tuz Khurmatu", type="LOC", label="GPE", country_code="IQ", lat=34.9, lon=44.6)
    found = spans(text, "Tuz Khurmatu", "PERSON")
    found[0] = Candidate(found[0].start, found[0].end, "LOC", "GPE", "watch", entry)
    [entity] = [e for e in build_entities(text, found) if e.name == "Tuz Khurmatu"]
    assert (entity.type, entity.source, entity.country_code) == ("LOC", "gazetteer", "IQ")
    assert entity.geo is not None and entity.geo.lat == 34.9
    assert entity.count == 3


def test_transliteration_variants_merge_under_the_fuller_group() -> None:
    text = "Hezbollah denied it. Hezbollah said so. Lebanon's Hizballah later confirmed."
    candidates = spans(text, "Hezbollah", "ORG") + spans(text, "Hizballah", "ORG")
    [entity] = build_entities(text, candidates)
    assert entity.name == "Hezbollah"
    assert entity.aliases == ["Hizballah"]


def test_a_demonym_does_not_merge_with_its_country() -> None:
    text = "Pakistani officials visited Pakistan."
    candidates = spans(text, "Pakistani", "NORP") + spans(text, "Pakistan", "LOC", "GPE")
    assert len(build_entities(text, candidates)) == 2


def test_names_are_propagated_to_occurrences_the_model_missed() -> None:
    text = "Kataib Hezbollah claimed the attack. US officials blamed Kataib Hezbollah's leaders."
    first = spans(text, "Kataib Hezbollah", "ORG")[:1]
    [entity] = build_entities(text, first)
    assert entity.count == 2
    assert entity.mentions[1].text == "Kataib Hezbollah"


def test_title_mentions_mark_in_title_without_offsets_into_the_text() -> None:
    title = "Sudani vows orderly exit"
    candidates = spans(SUDANI, "Mohammed Shia al-Sudani", "PERSON")
    [entity] = build_entities(SUDANI, candidates, title, spans(title, "Sudani", "PERSON"))
    assert entity.in_title
    assert all(SUDANI[m.start : m.end] == m.text for m in entity.mentions)
    assert entity.count == len(entity.mentions) + 1


def test_entity_seen_only_in_the_title_has_no_mentions() -> None:
    [entity] = build_entities("Nothing here.", [], "Erbil on alert", [Candidate(0, 5, "LOC", "GPE")])
    assert (entity.name, entity.in_title, entity.mentions, entity.count) == ("Erbil", True, [], 1)


def test_names_are_found_again_whatever_character_they_start_with() -> None:
    # found again by looking at capitals (one shared pattern) or, for a name with another first character, at
    # that character after no word character
    text = "Ábel Kovács met al-Sudani. Later al-Sudani and Ábel Kovács left; Kovácsné and xal-Sudani did not."
    first = [Candidate(0, 11, "PERSON", "PERSON"), Candidate(16, 25, "PERSON", "PERSON")]
    entities = by_name(build_entities(text, first))
    assert [(m.start, m.end) for m in entities["Ábel Kovács"].mentions] == [(0, 11), (47, 58)]
    assert [(m.start, m.end) for m in entities["al-Sudani"].mentions] == [(16, 25), (33, 42)]
