"""What a batch skips to stay within 5 % of the raw model's CPU (issue 14 item 7) changes none of its results."""

from __future__ import annotations

import gc

import pytest

from wirewatch.schemas.articles import Entity, GeoPoint, Mention
from wirewatch.services.extractor.context import named_acronyms, named_by_members
from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.records import built


def test_the_cyclic_collector_is_paused_during_a_batch_and_restored_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    extractor = EntityExtractor.create("en_core_web_sm")
    seen: list[bool] = []
    finish = extractor._finish
    monkeypatch.setattr(extractor, "_finish", lambda *args: seen.append(gc.isenabled()) or finish(*args))
    assert gc.isenabled()
    extractor.extract_many([(None, "Kataib Hezbollah fighters entered Fallujah.")] * 3)
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_a_collector_disabled_before_a_batch_stays_disabled() -> None:
    extractor = EntityExtractor.create("en_core_web_sm")
    gc.disable()
    try:
        extractor.extract_many([(None, "The Sinaloa Cartel denied it.")])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_failing_batch_restores_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    extractor = EntityExtractor.create("en_core_web_sm")

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(extractor, "_finish", broken)
    with pytest.raises(RuntimeError):
        extractor.extract_many([(None, "Al-Shabaab attacked Mogadishu.")])
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Mention, {"start": 3, "end": 9, "text": "Mosul"}),
        (GeoPoint, {"lat": 36.3, "lon": 43.1}),
        (
            Entity,
            {
                "name": "Mosul",
                "type": "LOC",
                "label": "GPE",
                "mentions": [Mention.model_construct(start=3, end=9, text="Mosul")],
                "count": 1,
                "first_position": 3,
                "in_title": False,
                "aliases": [],
                "source": "gazetteer",
                "why": "gazetteer",
                "key": "geonames:99072",
                "external_id": "geonames:99072",
                "country_code": "IQ",
                "geo": GeoPoint.model_construct(lat=36.3, lon=43.1),
            },
        ),
    ],
)
def test_built_records_are_those_model_construct_gives(model: type[Mention], values: dict[str, object]) -> None:
    assert set(values) == set(model.model_fields)  # built() is for values setting every field
    fast, slow = built(model, dict(values)), model.model_construct(**values)  # type: ignore[arg-type]
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_dump(exclude_unset=True) == slow.model_dump(exclude_unset=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("They staffed the CPA with loyalists.", ["CPA"]),
        ("The CPA has left.", ["CPA"]),
        ("Soothe CPA has left.", []),  # "the" inside a word: no article
        ("anti-the CPA has left.", []),  # after a hyphen
        ("x_the CPA has left.", []),
        ("9the CPA has left.", []),
        ("(the CPA) has left.", ["CPA"]),
    ],
)
def test_the_acronym_after_the_needs_the_article_as_a_word(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in named_acronyms(text)] == expected


def test_a_text_without_a_members_word_names_no_group_by_its_members() -> None:
    assert named_by_members("Fano said the Amhara Region was calm.") == []
    assert [("Fano militia"[a:b]) for a, b in named_by_members("Fano militia")] == ["Fano"]
