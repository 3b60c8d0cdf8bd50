"""The demo's own pages, extracted with the default model and NO users' watchlist: every organisation the demo's
watchlist names (and the text mentions) still comes out as an organisation, and every place as a place. The
watchlist adds ids and spellings; it must not be what makes the demo look right (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.normalise import match_key
from wirewatch.services.parser import parse_page

DEMO = Path(__file__).resolve().parents[3] / "demo"


@pytest.fixture(scope="module")
def extracted() -> dict[str, set[str]]:
    extractor = EntityExtractor.create("en_core_web_md")  # no gazetteer directories: the shipped places only
    types: dict[str, set[str]] = {}
    for i, page in enumerate(sorted((DEMO / "site").rglob("*.html"))):
        if page.name == "index.html":
            continue
        article = parse_page(
            page.read_bytes(), url=f"http://demo.test/{i}", page_id=str(i), fetched_at=datetime.now(UTC)
        )
        for entity in extractor.extract_entities(article.text, article.title):
            for name in (entity.name, *entity.aliases):
                types.setdefault(match_key(name), set()).add(entity.type)
    return types


def watchlist_names() -> list[tuple[str, str]]:
    entries = yaml.safe_load((DEMO / "gazetteers" / "iraq.yaml").read_text())["entries"]
    return [(name, entry["type"]) for entry in entries for name in (entry["name"], *entry.get("aliases", ()))]


def test_the_demo_watchlist_decides_no_type(extracted: dict[str, set[str]]) -> None:
    checked = 0
    for name, type_ in watchlist_names():
        found = extracted.get(match_key(name))
        if found is None:
            continue  # an alias the pages do not use, or an acronym
        checked += 1
        assert found == {type_}, f"{name}: {found} without the watchlist, {type_} with it"
    assert checked >= 5, "the demo pages name the watchlist's entities"


def test_the_demo_names_no_armed_group_or_base_as_a_person(extracted: dict[str, set[str]]) -> None:
    for name in ("Kataib Hezbollah", "Popular Mobilization Forces", "Ain al-Asad", "Al-Shorta", "Al-Zawraa"):
        assert "PERSON" not in extracted.get(match_key(name), set()), name
