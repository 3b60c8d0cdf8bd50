from __future__ import annotations

from wirewatch.schemas.articles import Entity
from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.geo import Geocoder, Place, choose


def place(id: str, country: str, population: int) -> Place:
    return Place(id, id, country, 10.0, 20.0, population)


def test_single_candidate_resolves() -> None:
    assert choose([place("a", "IQ", 10)], frozenset()) == place("a", "IQ", 10)
    assert choose([], frozenset()) is None


def test_clear_population_dominance_resolves_and_a_close_call_does_not() -> None:
    big, small = place("big", "FR", 2_000_000), place("small", "US", 25_000)
    assert choose([big, small], frozenset()) == big
    assert choose([place("x", "IN", 7_000_000), place("y", "PK", 1_900_000)], frozenset()) is None


def test_countries_named_in_the_document_decide() -> None:
    india, pakistan = place("x", "IN", 7_000_000), place("y", "PK", 1_900_000)
    assert choose([india, pakistan], frozenset({"PK"})) == pakistan
    assert choose([india, pakistan], frozenset({"PK", "IN"})) is None


def test_unambiguous_city_resolves(geocoder: Geocoder) -> None:
    mosul = geocoder.resolve("Mosul")
    assert mosul is not None and mosul.country_code == "IQ"
    assert 35 < mosul.lat < 37 and 42 < mosul.lon < 44


def test_alternate_spelling_resolves(geocoder: Geocoder) -> None:
    fallujah = geocoder.resolve("Falluja")
    assert fallujah is not None and fallujah.country_code == "IQ"


def test_ambiguous_name_stays_unresolved(geocoder: Geocoder) -> None:
    assert len(geocoder.candidates("Hyderabad")) >= 2
    assert geocoder.resolve("Hyderabad") is None
    resolved = geocoder.resolve("Hyderabad", frozenset({"PK"}))
    assert resolved is not None and resolved.country_code == "PK"


def test_unknown_name_is_unresolved(geocoder: Geocoder) -> None:
    assert geocoder.resolve("Qwertzistan") is None


def test_tag_uses_the_documents_countries(geocoder: Geocoder) -> None:
    entities = [
        Entity(name="Hyderabad", type="LOC"),
        Entity(name="Pakistan", type="LOC"),
        Entity(name="Ghazi Khan", type="PERSON"),
    ]
    geocoder.tag(entities)
    hyderabad, pakistan, person = entities
    assert hyderabad.country_code == "PK" and hyderabad.geo is not None
    assert pakistan.country_code == "PK"
    assert person.geo is None and person.country_code is None


def test_small_town_from_a_watchlist_is_placed(extractor: EntityExtractor) -> None:
    text = "Clashes were reported in Tuz Khurmatu, a small town south of Kirkuk, on Friday."
    [tuz] = [e for e in extractor.extract_entities(text) if e.name == "Tuz Khurmatu"]
    assert tuz.type == "LOC" and tuz.country_code == "IQ"
    assert tuz.geo is not None and round(tuz.geo.lat, 1) == 34.9
