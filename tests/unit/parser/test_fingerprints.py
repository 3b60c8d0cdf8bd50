"""Content hashes and SimHash: syndicated copies are near, unrelated stories are far."""

from __future__ import annotations

import re

from tests.unit.parser.conftest import Parse
from wirewatch.services.parser.fingerprints import content_hash, hamming, normalise_text, simhash


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
