from __future__ import annotations

import pytest

from wirewatch.services.extractor.normalise import (
    canonical_name,
    fold,
    match_key,
    skeleton_is_specific,
    skeleton_key,
    strip_honorific,
    trim_span,
)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("the Popular Mobilization Forces", "Popular Mobilization Forces"),
        ("The Kurdistan Region's", "Kurdistan Region"),
        ("Kataib Hezbollah’s", "Kataib Hezbollah"),
        ("“Joint Operations Command”,", "Joint Operations Command"),
        ("(al-Sudani)", "al-Sudani"),
        ("  Qais   al-Muhammadawi \n", "Qais al-Muhammadawi"),
        ("the U.S.", "U.S."),
        ("Forces'", "Forces"),
        ("Mosul.", "Mosul"),
    ],
)
def test_canonical_name_drops_articles_possessives_and_stray_marks(raw: str, canonical: str) -> None:
    assert canonical_name(raw) == canonical


def test_trim_span_returns_offsets_of_the_name_itself() -> None:
    text = "Fighters of the Kataib Hezbollah's units withdrew."
    start, end = trim_span(text, 12, 34)
    assert text[start:end] == "Kataib Hezbollah"


def test_trim_span_of_only_junk_is_empty() -> None:
    start, end = trim_span("a “” b", 2, 4)
    assert start == end


@pytest.mark.parametrize(
    "variant", ["al-Sudani", "al Sudani", "Al-Sudani", "AL‑SUDANI", "al–Sudani", "the al-Sudani's"]
)
def test_match_key_folds_case_hyphens_and_spaces(variant: str) -> None:
    assert match_key(variant) == "al sudani"


def test_match_key_folds_apostrophes_and_diacritics() -> None:
    assert match_key("Kata'ib Hezbollah") == match_key("Kataib Hezbollah") == match_key("Kata’ib HEZBOLLAH")
    assert fold("Fátima Báñez") == "fatima banez"


def test_match_key_keeps_different_names_apart() -> None:
    assert match_key("Mosul") != match_key("Basra")
    assert match_key("Iraq") != match_key("Iran")


def test_skeleton_key_matches_transliteration_variants() -> None:
    keys = {skeleton_key(match_key(n)) for n in ("Hezbollah", "Hizballah", "Hizbullah", "Hizbollah")}
    assert len(keys) == 1
    assert skeleton_is_specific(keys.pop())


def test_skeleton_key_of_short_names_is_not_specific_enough_to_match_on() -> None:
    assert not skeleton_is_specific(skeleton_key("iraq"))
    assert not skeleton_is_specific(skeleton_key("iran"))


def test_strip_honorific_before_a_name_only() -> None:
    text = "Prime Minister Mohammed Shia al-Sudani"
    start, end = strip_honorific(text, 0, len(text))
    assert text[start:end] == "Mohammed Shia al-Sudani"
    assert strip_honorific("President", 0, 9) == (0, 9)
