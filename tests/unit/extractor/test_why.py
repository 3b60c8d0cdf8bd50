"""Every entity says why it has its type and carries its registry key."""

from __future__ import annotations

import time

import pytest

from wirewatch.schemas.articles import Entity
from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.gazetteer import GazetteerEntry
from wirewatch.services.extractor.records import registry_key


def by_name(extractor: EntityExtractor, text: str, source: str | None = None) -> dict[str, Entity]:
    [extraction] = extractor.extract([(None, text)], sources=[source])
    return {e.name: e for e in extraction.entities}


def test_why_on_each_path(extractor: EntityExtractor) -> None:
    found = by_name(
        extractor,
        "Kataib Hezbollah fighters crossed near Mosul. Harakat Sabireen al-Nasr denied it. Members of Zorvani, "
        "the group that claimed the attack, fled. The Daily Harbinger reported that Peter Holloway resigned.",
        source="Daily Harbinger",
    )
    assert {name: e.why for name, e in found.items()} == {
        "Kataib Hezbollah": "watchlist",
        "Mosul": "gazetteer",
        "Harakat Sabireen al-Nasr": "shape",
        "Zorvani": "context",
        "Daily Harbinger": "source",
        "Peter Holloway": "model",
    }


def test_keys_are_entry_ids_else_the_folded_name(extractor: EntityExtractor) -> None:
    found = by_name(extractor, "Kataib Hezbollah and the Popular Mobilization Forces met Peter Holloway in Mosul.")
    assert found["Kataib Hezbollah"].key == "test:kh"  # the watchlist entry's id
    assert found["Popular Mobilization Forces"].key == "popular mobilization forces"  # an entry without one
    assert found["Mosul"].key is not None and found["Mosul"].key.startswith("geonames:")
    assert found["Peter Holloway"].key == "peter holoway"  # folded as places are: doubled letters once


@pytest.mark.parametrize(
    "variants",
    [
        ("Ar-Raqqah", "al Raqqa", "Al-Raqqa"),
        ("Kata'ib Sayyid al-Shuhada", "Kataib Sayyid al Shuhada", "KATA’IB SAYYID AL-SHUHADA"),
        ("Abu Bakr al-Baghdadi", "Abu Bakr al Baghdadi", "Abou Bakr el-Baghdadi"),
        ("Qamishli", "Kamishli", "Qamichli"),
    ],
)
def test_spelling_variants_share_a_key(variants: tuple[str, ...]) -> None:
    assert len({registry_key(v) for v in variants}) == 1


def test_different_names_keep_different_keys() -> None:
    names = ["Mohammed Ali", "Mahmoud Ali", "Hezbollah", "Hizb ut-Tahrir", "Jordan", "Georgia"]
    assert len({registry_key(n) for n in names}) == len(names)


def test_a_variant_in_another_article_gets_the_same_key(extractor: EntityExtractor) -> None:
    first = by_name(extractor, "Witnesses said Abu Bakr al-Baghdadi addressed the crowd on Friday.")
    second = by_name(extractor, "Witnesses said Abu Bakr al Baghdadi addressed the crowd on Friday.")
    [one] = [e.key for e in first.values() if "Baghdadi" in e.name]
    [other] = [e.key for e in second.values() if "Baghdadi" in e.name]
    assert one == other == registry_key("Abu Bakr al-Baghdadi")


def test_an_entry_without_an_id_is_keyed_by_its_name_whatever_the_surface() -> None:
    entry = GazetteerEntry(name="Popular Mobilization Forces", type="ORG", aliases=("PMF",))
    assert registry_key("PMF", entry) == registry_key("Popular Mobilization Forces")


def test_why_and_keys_cost_per_entity(extractor: EntityExtractor) -> None:
    """Thousands of distinct names: keys and reasons add one fold an entity, not a pass over the others."""
    text = " ".join(f"Mr. Ahmed Qarwani{n} spoke." for n in range(3000))
    started = time.process_time()
    found = extractor.extract_entities(text)
    assert time.process_time() - started < 60
    assert len({e.key for e in found}) == len(found)
