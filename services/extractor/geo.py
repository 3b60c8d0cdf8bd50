"""Geotagging: a place name → coordinates and a country code, offline, or nothing rather than a guess.

Candidates are the gazetteer's located entries (countries, continents, US states, every city of 15,000+ with
its Latin-script alternate names, users' places), found through the gazetteer's own trie by
:func:`~wirewatch.services.extractor.normalise.place_key` (so "Falluja", "Fallujah" and "al-Fallujah" resolve
alike), plus any places given directly. A name with one candidate resolves. With several, one must dominate:
weigh each by its population, times ``CONTEXT_BOOST`` when its country is named in the same article
(:meth:`Geocoder.tag`), and the heaviest wins only at ``DOMINANCE`` times the next. "Paris" alone is Paris,
France; "Paris" in an article naming the United States but not France is unresolved; "Hyderabad" needs India
or Pakistan named; otherwise the name stays unresolved rather than wrong. A transliteration skeleton is the
fallback for the names of places given directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wirewatch.schemas.articles import Entity, GeoPoint
from wirewatch.services.extractor.gazetteer import Gazetteer, GazetteerEntry
from wirewatch.services.extractor.normalise import place_key, skeleton_is_specific, skeleton_key

DOMINANCE = 10.0
CONTEXT_BOOST = 100.0
ALTERNATE_NAMES_MIN_POPULATION = 100_000


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    name: str
    country_code: str | None
    lat: float
    lon: float
    population: int


class Geocoder:
    """Resolves names of places; build once per process. It keeps no index of the gazetteer's places of its
    own: it asks the gazetteer's trie (:meth:`Gazetteer.named`)."""

    def __init__(self, places: Iterable[tuple[Place, Sequence[str]]] = (), gazetteer: Gazetteer | None = None) -> None:
        self._gazetteer = gazetteer
        self._by_key: dict[str, dict[str, Place]] = defaultdict(dict)
        self._by_skeleton: dict[str, dict[str, Place]] = defaultdict(dict)
        for place, names in places:
            for name in names:
                self._index(place, name)

    @classmethod
    def from_sources(cls, gazetteer: Gazetteer) -> Geocoder:
        return cls(gazetteer=gazetteer)

    def _index(self, place: Place, name: str) -> None:
        key = place_key(name)
        if not key:
            return
        self._by_key[key].setdefault(place.id, place)
        skeleton = skeleton_key(key)
        if place.population >= ALTERNATE_NAMES_MIN_POPULATION and skeleton_is_specific(skeleton):
            self._by_skeleton[skeleton].setdefault(place.id, place)

    def candidates(self, name: str) -> list[Place]:
        key = place_key(name)
        found = dict(self._by_key.get(key) or self._by_skeleton.get(skeleton_key(key)) or {})
        if self._gazetteer is not None:
            for entry in self._gazetteer.named(name):
                if _located(entry):
                    found.setdefault(entry.id or f"gazetteer:{entry.name}", _place(entry))
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


def _located(entry: GazetteerEntry) -> bool:
    return entry.type == "LOC" and entry.lat is not None and entry.lon is not None


def _place(entry: GazetteerEntry) -> Place:
    return Place(
        entry.id or f"gazetteer:{entry.name}",
        entry.name,
        entry.country_code,
        float(entry.lat or 0),
        float(entry.lon or 0),
        entry.population or 0,
    )


def gazetteer_places(gazetteer: Gazetteer) -> list[tuple[Place, Sequence[str]]]:
    """The located entries of ``gazetteer`` with their names (to build a :class:`Geocoder` from directly)."""
    return [(_place(e), e.names) for e in gazetteer.entries if _located(e)]
