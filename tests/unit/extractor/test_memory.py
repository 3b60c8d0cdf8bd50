"""Registry memory: the model's guess yields to what the registry is confident of, and nothing else does."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pytest

from wirewatch.schemas.articles import Entity, EntityType
from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.memory import RegistryMemory
from wirewatch.services.extractor.records import registry_key


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def entity(name: str, type_: EntityType, why: str = "model") -> Entity:
    return Entity(name=name, type=type_, why=why, key=registry_key(name), label=type_)  # type: ignore[arg-type]


def test_a_model_guess_takes_the_remembered_type() -> None:
    memory = RegistryMemory(snapshot={"zorvani": "ORG"}, refresh_s=0)
    found = [entity("Zorvani", "PERSON")]
    assert memory.retype(found) == 1
    assert (found[0].type, found[0].why, found[0].label) == ("ORG", "registry", "ORG")


@pytest.mark.parametrize("why", ["watchlist", "gazetteer", "shape", "context", "source"])
def test_evidence_is_never_overridden(why: str) -> None:
    memory = RegistryMemory(snapshot={"zorvani": "ORG"}, refresh_s=0)
    found = [entity("Zorvani", "PERSON", why)]
    assert memory.retype(found) == 0
    assert (found[0].type, found[0].why) == ("PERSON", why)


def test_only_people_organisations_and_places_change() -> None:
    memory = RegistryMemory(snapshot={"kurdish": "ORG", "ramadan": "DATE", "zorvani": "NORP"}, refresh_s=0)  # type: ignore[dict-item]
    found = [entity("Kurdish", "NORP"), entity("Ramadan", "PERSON"), entity("Zorvani", "PERSON")]
    assert memory.retype(found) == 0
    assert [e.type for e in found] == ["NORP", "PERSON", "PERSON"]


def test_an_unknown_key_or_the_same_type_changes_nothing() -> None:
    memory = RegistryMemory(snapshot={"zorvani": "PERSON"}, refresh_s=0)
    found = [entity("Zorvani", "PERSON"), entity("Peter Holloway", "PERSON")]
    assert memory.retype(found) == 0
    assert {e.why for e in found} == {"model"}


def test_in_the_extractor_registry_retypes_model_guesses_only(extractor: EntityExtractor) -> None:
    text = "Peter Holloway met Kataib Hezbollah envoys. Harakat Sabireen al-Nasr denied it."
    snapshot: dict[str, EntityType] = {
        registry_key("Peter Holloway") or "": "ORG",
        "test:kh": "PERSON",
        registry_key("Harakat Sabireen al-Nasr") or "": "PERSON",
    }
    extractor.memory = RegistryMemory(snapshot=snapshot, refresh_s=0)
    try:
        found = {e.name: (e.type, e.why) for e in extractor.extract_entities(text)}
    finally:
        extractor.memory = None
    assert found["Peter Holloway"] == ("ORG", "registry")
    assert found["Kataib Hezbollah"] == ("ORG", "watchlist")
    assert found["Harakat Sabireen al-Nasr"] == ("ORG", "shape")


def test_a_retyped_place_is_geotagged(extractor: EntityExtractor) -> None:
    extractor.memory = RegistryMemory(snapshot={registry_key("Tuz Khurmatu") or "": "LOC"}, refresh_s=0)
    try:
        [place] = [e for e in extractor.extract_entities("Tuz Khurmatu is quiet.") if "Tuz" in e.name]
    finally:
        extractor.memory = None
    assert place.type == "LOC" and place.geo is not None


class Registry:
    def __init__(self) -> None:
        self.answers: list[Mapping[str, EntityType] | Exception] = []
        self.asked = 0

    def __call__(self) -> Mapping[str, EntityType]:
        self.asked += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_refreshed_every_interval_and_kept_while_the_registry_is_down(caplog: pytest.LogCaptureFixture) -> None:
    registry, clock = Registry(), Clock()
    memory = RegistryMemory(registry, refresh_s=60, clock=clock)
    registry.answers = [{"zorvani": "ORG"}, ConnectionError("refused"), ConnectionError("refused"), {"x": "LOC"}]
    assert memory.refresh()
    assert not memory.refresh() and registry.asked == 1  # not due yet
    with caplog.at_level(logging.WARNING, logger="wirewatch.services.extractor.memory"):
        for _ in range(2):
            clock.now += 61
            assert not memory.refresh()
            assert memory.snapshot == {"zorvani": "ORG"}
    assert caplog.text.count("entity registry unavailable") == 1
    clock.now += 61
    assert memory.refresh() and memory.snapshot == {"x": "LOC"}
    assert registry.asked == 4


def test_zero_disables_the_refresh() -> None:
    registry = Registry()
    memory = RegistryMemory(registry, refresh_s=0, snapshot={"zorvani": "ORG"})
    assert not memory.refresh() and registry.asked == 0
    assert memory.snapshot == {"zorvani": "ORG"}
