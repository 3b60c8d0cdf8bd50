from __future__ import annotations

from pathlib import Path

import pytest

from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.errors import GazetteerError
from wirewatch.services.extractor.gazetteer import (
    PLACES_FILE,
    Gazetteer,
    GazetteerEntry,
    default_directories,
    gazetteer_files,
    read_entries,
    read_places,
)

EXAMPLE = PLACES_FILE.parent / "watchlist.example.yaml"


@pytest.fixture(scope="module")
def watchlist() -> Gazetteer:
    return Gazetteer(read_entries(EXAMPLE))


def found(gazetteer: Gazetteer, text: str) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.entry.name) for m in gazetteer.find(text)]


def test_aliases_match_whatever_the_apostrophes_hyphens_and_case(watchlist: Gazetteer) -> None:
    text = "Kata'ib Hizballah and KATAIB HEZBOLLAH and Kata’ib Hizballah's men joined the Hashd al-Shaabi."
    assert found(watchlist, text) == [
        ("Kata'ib Hizballah", "Kataib Hezbollah"),
        ("KATAIB HEZBOLLAH", "Kataib Hezbollah"),
        ("Kata’ib Hizballah", "Kataib Hezbollah"),
        ("Hashd al-Shaabi", "Popular Mobilization Forces"),
    ]


def test_transliteration_variant_is_a_fuzzy_match(watchlist: Gazetteer) -> None:
    [match] = watchlist.find("Kataib Hizbollah fired rockets.")
    assert match.entry.name == "Kataib Hezbollah"
    assert match.fuzzy


def test_matches_respect_word_boundaries_and_capitals(watchlist: Gazetteer) -> None:
    assert found(watchlist, "KHz radios and a kh sound; the PMFs grew") == []
    assert found(watchlist, "A KH-backed group") == [("KH", "Kataib Hezbollah")]


def test_a_name_does_not_run_across_a_sentence_end(watchlist: Gazetteer) -> None:
    assert found(watchlist, "They fled to Kurdistan. Region officials said") == []
    assert found(watchlist, "in the Kurdistan Region, officials said") == [("Kurdistan Region", "Kurdistan Region")]


def test_longest_alias_wins(watchlist: Gazetteer) -> None:
    assert found(watchlist, "the Kurdistan Regional Government (KRG)") == [
        ("Kurdistan Regional Government", "Kurdistan Regional Government"),
        ("KRG", "Kurdistan Regional Government"),
    ]


def test_places_file_is_a_reasonable_generated_gazetteer() -> None:
    entries = read_places(PLACES_FILE)
    by_name: dict[str, GazetteerEntry] = {}
    for entry in entries:
        by_name.setdefault(entry.name, entry)
    assert 30_000 < len(entries) < 60_000
    assert PLACES_FILE.stat().st_size < 4_000_000
    iraq = by_name["Iraq"]
    assert (iraq.type, iraq.country_code) == ("LOC", "IQ")
    assert iraq.lat is not None and 29 < iraq.lat < 38
    assert {"US", "U.S.", "United States of America"} <= set(by_name["United States"].aliases)
    assert by_name["Mosul"].country_code == "IQ" and not by_name["Mosul"].ambiguous
    assert by_name["Paris"].ambiguous  # there are towns called Paris outside France
    assert by_name["Paris"].country_code == "FR"  # the city comes before the region of the same name
    assert by_name["Kismayo"].population and "Kismaayo" in by_name["Kismayo"].aliases  # cities of 15,000+
    assert by_name["Al Anbār"].id == "iso3166-2:IQ-AN"  # regions
    assert by_name["Chad"].needs_context and by_name["Georgia"].needs_context
    assert not by_name["Iraq"].needs_context and not by_name["Mosul"].needs_context
    # a small town named like a common token (it has a word vector) needs context; one named like none does not
    assert by_name["Vernon"].needs_context and not by_name["Djibo"].needs_context
    assert all(not alias.isupper() for alias in by_name["Mosul"].aliases)  # no codes among alternate names


def test_acronym_aliases_are_case_sensitive() -> None:
    places = Gazetteer.load()
    assert found(places, "Let us go to the US base in Iraq") == [("US", "United States"), ("Iraq", "Iraq")]


def test_malformed_file_is_a_gazetteer_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: Kataib Hezbollah\n  type: MILITIA\n", encoding="utf-8")
    with pytest.raises(GazetteerError) as caught:
        read_entries(bad)
    assert caught.value.path == bad
    assert not caught.value.retriable


def test_users_files_are_found_but_examples_are_not(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("[]\n", encoding="utf-8")
    (tmp_path / "theirs.example.yaml").write_text("[]\n", encoding="utf-8")
    assert gazetteer_files([tmp_path, tmp_path / "missing"]) == [tmp_path / "mine.yaml"]
    assert default_directories(tmp_path, Path("/state")) == [tmp_path]
    assert default_directories(None, Path("/state"))[-1] == Path("/state/gazetteers")


def test_entry_defaults_to_always_winning() -> None:
    assert GazetteerEntry(name="KH", type="ORG").precedence == "always"


# Against the model: precedence ------------------------------------------------------------------
KH_TEXT = "Kataib Hezbollah denied the attack on coalition forces in Anbar province on Sunday."


def test_watchlist_org_beats_the_models_person(extractor: EntityExtractor) -> None:
    raw = extractor.pipeline.nlp(KH_TEXT)
    assert next((e.text, e.label_) for e in raw.ents) == ("Kataib Hezbollah", "PERSON")  # the model's view
    [kh] = [e for e in extractor.extract_entities(KH_TEXT) if e.name == "Kataib Hezbollah"]
    assert (kh.type, kh.source, kh.external_id) == ("ORG", "gazetteer", "test:kh")


def test_place_inside_a_longer_name_yields_to_the_model(extractor: EntityExtractor) -> None:
    text = "She studied at the University of Baghdad before the war."
    names = {e.name: e.type for e in extractor.extract_entities(text)}
    assert names == {"University of Baghdad": "ORG"}


def test_place_the_model_typed_wrong_is_retyped(extractor: EntityExtractor) -> None:
    entities = extractor.extract_entities("Militants fled Mosul after the offensive, officials in Mosul said.")
    [mosul] = [e for e in entities if e.name == "Mosul"]
    assert (mosul.type, mosul.source, mosul.country_code, mosul.count) == ("LOC", "gazetteer", "IQ", 2)


def test_only_words_starting_with_a_capital_or_digit_start_a_match() -> None:
    """The scan jumps from capital to capital; what a word is stays :data:`_WORD`'s call."""
    gazetteer = Gazetteer(
        [
            GazetteerEntry(name="Ib Rock", type="LOC"),
            GazetteerEntry(name="S Force", type="ORG"),
            GazetteerEntry(name="Raqqa", type="LOC"),
            GazetteerEntry(name="7 Brigade", type="ORG"),
            GazetteerEntry(name="\U0001d400bc", type="ORG"),  # a mathematical bold capital A starts it
        ]
    )
    # "Kata'Ib" is one word, so "Ib Rock" does not start inside it; "Iraq'S" is "Iraq" + "S"
    assert found(gazetteer, "Kata'Ib Rock, and Iraq'S Force") == [("S Force", "S Force")]
    assert found(gazetteer, "xIb Rock, ib Rock; _Ib Rock") == []
    assert found(gazetteer, "the 7 Brigade and \U0001d400bc") == [
        ("7 Brigade", "7 Brigade"),
        ("\U0001d400bc", "\U0001d400bc"),
    ]
    # a glued article before a match is found however long the text before it; never one inside a longer word
    assert found(gazetteer, "word " * 50 + "ar-Raqqa, al  Raqqa, xal Raqqa, al'Raqqa") == [
        ("ar-Raqqa", "Raqqa"),
        ("al  Raqqa", "Raqqa"),
        ("Raqqa", "Raqqa"),  # "al'Raqqa" is one word
    ]


def test_hostile_long_tokens_are_not_remembered_between_texts() -> None:
    gazetteer = Gazetteer([GazetteerEntry(name="Raqqa", type="LOC", precedence="unless_inside_longer_name")])
    text = " ".join(f"A{'x' * 5_000}{i}" for i in range(50)) + " Raqqa"
    assert found(gazetteer, text) == [("Raqqa", "Raqqa")]
    assert gazetteer._starts_alias and all(len(word) <= 40 for word in gazetteer._starts_alias)
