"""Users' watchlists: reloaded without a restart when their files change, and first over every other evidence."""

from __future__ import annotations

import copy
import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from wirewatch.schemas.articles import Entity
from wirewatch.services.extractor import watchlists
from wirewatch.services.extractor.budget import BudgetedExtractor, Recipe
from wirewatch.services.extractor.entities import EntityExtractor, ExtractorOptions
from wirewatch.services.extractor.gazetteer import Gazetteer, read_places
from wirewatch.services.extractor.memory import RegistryMemory
from wirewatch.services.extractor.models import NerPipeline
from wirewatch.services.extractor.records import registry_key
from wirewatch.services.extractor.settings import ExtractorSettings
from wirewatch.services.extractor.watchlists import Signature, Watchlists, signature


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def places() -> Gazetteer:
    return Gazetteer(read_places())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lists(tmp_path: Path, places: Gazetteer, clock: Clock) -> Watchlists:
    """An empty watchlist directory over the shipped places (their trie shared, the users' layer its own)."""
    gazetteer = copy.copy(places)
    gazetteer.users = Gazetteer([])
    return Watchlists(gazetteer, [tmp_path], poll_s=2.0, clock=clock)


@pytest.fixture
def extract(pipeline: NerPipeline, lists: Watchlists) -> Callable[..., dict[str, Entity]]:
    extractor = EntityExtractor(pipeline, lists.gazetteer, watchlists=lists)

    def run(text: str, memory: RegistryMemory | None = None) -> dict[str, Entity]:
        extractor.memory = memory
        return {e.name: e for e in extractor.extract_entities(text)}

    return run


def write(path: Path, body: str) -> None:
    """Write ``body`` and move the file's mtime on, as a later edit would (the test runs faster than a tick)."""
    stat = path.stat() if path.exists() else None
    path.write_text(body, encoding="utf-8")
    if stat is not None:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def entry(name: str, type_: str, *, id_: str | None = None) -> str:
    line = f"  - name: {name}\n    type: {type_}\n"
    return line + (f"    id: {id_}\n" if id_ else "")


def listing(*entries: str) -> str:
    return "precedence: always\nentries:\n" + "".join(entries)


SENTENCE = "Residents said Dario Velez arrived in the capital on Tuesday with his family."


def test_an_edited_watchlist_is_obeyed_without_a_restart(
    tmp_path: Path, lists: Watchlists, clock: Clock, extract: Callable[..., dict[str, Entity]]
) -> None:
    assert extract(SENTENCE)["Dario Velez"].why == "model"
    write(tmp_path / "people.yaml", listing(entry("Dario Velez", "ORG")))
    assert extract(SENTENCE)["Dario Velez"].why == "model", "looked before its poll interval"
    clock.now += 2.5
    found = extract(SENTENCE)["Dario Velez"]
    assert (found.type, found.why) == ("ORG", "watchlist")
    write(tmp_path / "people.yaml", listing(entry("Dario Velez", "LOC")))
    clock.now += 2.5
    assert extract(SENTENCE)["Dario Velez"].type == "LOC"
    (tmp_path / "people.yaml").unlink()
    clock.now += 2.5
    assert extract(SENTENCE)["Dario Velez"].why == "model"
    assert lists.reloads == 3


def test_an_added_file_is_read_and_the_places_stay(
    tmp_path: Path, lists: Watchlists, clock: Clock, extract: Callable[..., dict[str, Entity]]
) -> None:
    write(tmp_path / "a.yaml", listing(entry("Dario Velez", "ORG")))
    clock.now += 2.5
    write(tmp_path / "b.yml", listing(entry("Sennar Bloc", "ORG", id_="test:sennar")))
    clock.now += 2.5
    found = extract("Dario Velez and the Sennar Bloc met in Mosul.")
    assert {name: e.why for name, e in found.items()} == {
        "Dario Velez": "watchlist",
        "Sennar Bloc": "watchlist",
        "Mosul": "gazetteer",
    }
    assert found["Sennar Bloc"].key == "test:sennar"


def test_a_broken_edit_keeps_the_previous_lists_and_says_why(
    tmp_path: Path,
    lists: Watchlists,
    clock: Clock,
    extract: Callable[..., dict[str, Entity]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "people.yaml"
    write(path, listing(entry("Dario Velez", "ORG")))
    clock.now += 2.5
    assert extract(SENTENCE)["Dario Velez"].type == "ORG"
    broken = [b"entries: [name: {", listing(entry("Dario Velez", "TEAM")).encode(), b"- name: \xff\xfe\n"]
    for body in broken:  # not YAML, not a watchlist (an unknown type), not UTF-8
        mtime = path.stat().st_mtime_ns
        path.write_bytes(body)
        os.utime(path, ns=(mtime + 1_000_000_000, mtime + 1_000_000_000))
        clock.now += 2.5
        with caplog.at_level(logging.ERROR, logger="wirewatch.services.extractor.watchlists"):
            found = extract(SENTENCE)["Dario Velez"]
        assert (found.type, found.why) == ("ORG", "watchlist")
        assert "previous lists stay in force" in caplog.text and "people.yaml" in caplog.text
        caplog.clear()
    clock.now += 2.5
    extract(SENTENCE)
    assert not caplog.text, "a broken file is reported once per change, not on every poll"


def test_polling_looks_at_the_files_at_most_every_interval(
    tmp_path: Path, lists: Watchlists, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "people.yaml", listing(entry("Dario Velez", "ORG")))
    looks: list[Signature] = []

    def looked(directories: Sequence[Path]) -> Signature:
        looks.append(signature(directories))
        return looks[-1]

    monkeypatch.setattr(watchlists, "signature", looked)
    for _ in range(100):  # 10 s of batches, one every 0.1 s
        lists.refresh()
        clock.now += 0.1
    assert 4 <= len(looks) <= 5  # once every 2 s (the clock adds up tenths)
    assert lists.reloads == 1  # the file was new to it once, then unchanged


def test_the_watchlist_overrides_model_shape_context_places_and_registry(
    tmp_path: Path, clock: Clock, extract: Callable[..., dict[str, Entity]]
) -> None:
    write(
        tmp_path / "mine.yaml",
        listing(
            entry("Dario Velez", "ORG"),  # the model reads a person
            entry("Liwa Tamer", "PERSON"),  # shaped like a brigade ('Liwa')
            entry("Odalys Brack", "PERSON"),  # cued as a group below
            entry("Kirkuk", "ORG"),  # a shipped place
            entry("Ines Marwood", "PERSON"),  # the registry remembers an ORG
        ),
    )
    clock.now += 2.5
    memory = RegistryMemory(snapshot={registry_key("Ines Marwood") or "": "ORG"}, refresh_s=0)
    found = extract(
        "Dario Velez said he would stay. Liwa Tamer joined the talks. Members of Odalys Brack, the group that "
        "claimed the raid, fled. Kirkuk beat its rivals 2-0. Ines Marwood spoke later.",
        memory,
    )
    assert {name: (e.type, e.why) for name, e in found.items() if e.why == "watchlist"} == {
        "Dario Velez": ("ORG", "watchlist"),
        "Liwa Tamer": ("PERSON", "watchlist"),
        "Odalys Brack": ("PERSON", "watchlist"),
        "Kirkuk": ("ORG", "watchlist"),
        "Ines Marwood": ("PERSON", "watchlist"),
    }


def test_a_list_of_groups_does_not_retype_a_watched_person(
    tmp_path: Path, clock: Clock, extract: Callable[..., dict[str, Entity]]
) -> None:
    write(tmp_path / "mine.yaml", listing(entry("Odalys Brack", "PERSON")))
    clock.now += 2.5
    found = extract("Armed groups including Harakat Sabireen, Saraya Awliya and Odalys Brack held a rally.")
    assert (found["Odalys Brack"].type, found["Odalys Brack"].why) == ("PERSON", "watchlist")


def test_the_budget_worker_process_reloads_its_watchlists(tmp_path: Path, make_article: Any) -> None:
    """The extractor lives in the budget's worker process: it polls there, and sees an edit made after it
    started without being told."""
    path = tmp_path / "people.yaml"
    write(path, listing(entry("Dario Velez", "ORG")))
    options = ExtractorOptions(watchlist_poll_s=0.2)
    recipe = Recipe("en_core_web_sm", (tmp_path,), options, places=False, geotag=False)
    with BudgetedExtractor(recipe, seconds_per_article=120, preload=False) as extractor:

        def type_of_dario() -> tuple[str, str]:
            [article] = extractor.enrich([make_article(SENTENCE)])
            [found] = [e for e in article.entities if e.name == "Dario Velez"]
            return found.type, found.why

        assert type_of_dario() == ("ORG", "watchlist")
        write(path, listing(entry("Dario Velez", "LOC")))
        time.sleep(0.3)
        assert type_of_dario() == ("LOC", "watchlist")


def test_a_watchlist_directory_made_after_start_up_is_watched(tmp_path: Path, places: Gazetteer, clock: Clock) -> None:
    settings = ExtractorSettings(state_dir=tmp_path / "state", deploy_dir=tmp_path / "deploy", gazetteer_dir=None)
    recipe = Recipe.from_settings(settings)
    assert recipe.gazetteer_dirs == (tmp_path / "deploy" / "gazetteers", tmp_path / "state" / "gazetteers")
    gazetteer = copy.copy(places)
    gazetteer.users = Gazetteer([])
    lists = Watchlists(gazetteer, recipe.gazetteer_dirs, clock=clock)
    (tmp_path / "state" / "gazetteers").mkdir(parents=True)
    write(tmp_path / "state" / "gazetteers" / "mine.yaml", listing(entry("Dario Velez", "ORG")))
    clock.now += 2.5
    assert lists.refresh()
    assert [e.name for e in gazetteer.named("Dario Velez")] == ["Dario Velez"]
