"""Content hashes and SimHash: syndicated copies are near, unrelated stories are far."""

from __future__ import annotations

import re

import pytest

from tests.unit.parser.conftest import Parse
from wirewatch.services.parser.duplicates import NearDuplicateIndex, hamming
from wirewatch.services.parser.fingerprints import content_hash, normalise_text, simhash


def test_content_hash_ignores_case_spacing_and_punctuation() -> None:
    assert content_hash("Coalition forces, leaving  Iraq!") == content_hash("coalition forces leaving iraq")
    assert content_hash("Coalition forces leaving Iraq") != content_hash("Coalition forces staying in Iraq")
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash("x"))
    assert normalise_text("  Al-Sudani’s   “plan” ") == "al sudani s plan"


def test_simhash_is_16_hex_digits_and_stable() -> None:
    value = simhash("The coalition will end its mission by September 2025.")
    assert re.fullmatch(r"[0-9a-f]{16}", value)
    assert value == simhash("the coalition will END its mission, by September 2025")
    assert simhash("") == "0" * 16


def test_hamming() -> None:
    assert hamming("0" * 16, "0" * 15 + "3") == 2
    assert hamming(0xFF, 0x0F) == 4
    assert hamming("ffffffffffffffff", "0000000000000000") == 64


def test_syndicated_copy_is_near_and_unrelated_is_far(parse: Parse) -> None:
    original = parse("iraq_coalition.html", page_id="meridian")
    copy = parse("syndicated_copy.html", page_id="courier")
    other = parse("football_results.html", page_id="sport")
    assert original.content_hash != copy.content_hash  # not byte-identical text …
    assert hamming(original.simhash, copy.simhash) <= 6  # … but the same story
    assert hamming(original.simhash, other.simhash) > 16


def test_index_finds_the_earlier_copy(parse: Parse) -> None:
    index = NearDuplicateIndex(max_size=10)
    original = parse("iraq_coalition.html", page_id="meridian")
    assert index.check_and_add("meridian", original.simhash) is None
    assert index.check_and_add("sport", parse("football_results.html").simhash) is None
    assert index.check_and_add("courier", parse("syndicated_copy.html").simhash) == "meridian"
    assert len(index) == 3 and "courier" in index


def test_index_is_bounded_and_forgets_the_oldest() -> None:
    index = NearDuplicateIndex(max_size=2)
    index.add("a", 0)
    index.add("b", 0xFFFF_0000_0000_0000)
    index.add("c", 0x0000_FFFF_0000_0000)
    assert len(index) == 2 and "a" not in index
    assert index.query(0b111) == []  # "a" (distance 3) was evicted
    assert index.query(0xFFFF_0000_0000_0001) == [("b", 1)]


def test_index_query_sorts_by_distance_and_respects_the_threshold() -> None:
    index = NearDuplicateIndex(max_distance=3, bands=4)
    index.add("near", 0b1)
    index.add("nearer", 0)
    index.add("far", 0b1111)
    assert index.query(0) == [("nearer", 0), ("near", 1)]


def test_index_rejects_bands_that_could_miss_pairs() -> None:
    with pytest.raises(ValueError, match="must exceed"):
        NearDuplicateIndex(max_distance=6, bands=4)
