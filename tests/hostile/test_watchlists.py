"""Hostile watchlist files, reloaded while the extractor runs: a huge list, a YAML alias bomb, deep nesting, names
full of regex metacharacters and a 10,000-character alias. Each is reloaded (or refused, keeping the previous
lists) within a bound far under a batch's time budget, and never raises out of the extractor."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from wirewatch.schemas.articles import Entity
from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.gazetteer import Gazetteer
from wirewatch.services.extractor.models import load_pipeline
from wirewatch.services.extractor.watchlists import Watchlists

GOOD = "precedence: always\nentries:\n  - name: Dario Velez\n    type: ORG\n"
SENTENCE = "Residents said Dario Velez arrived in the capital on Tuesday with his family."


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def pipeline() -> object:
    return load_pipeline("en_core_web_sm")


Reload = Callable[..., tuple[dict[str, Entity], float]]


@pytest.fixture
def reload(tmp_path: Path, pipeline: object) -> Iterator[Reload]:
    """Write a watchlist body over the good one, reload, extract ``text``: the entities and the CPU seconds the
    reload took."""
    path = tmp_path / "list.yaml"
    path.write_text(GOOD, encoding="utf-8")
    clock = Clock()
    lists = Watchlists(Gazetteer.load([tmp_path], places=False), [tmp_path], clock=clock)
    extractor = EntityExtractor(pipeline, lists.gazetteer, watchlists=lists)  # type: ignore[arg-type]

    def run(body: str, text: str = SENTENCE) -> tuple[dict[str, Entity], float]:
        path.write_text(body, encoding="utf-8")
        clock.now += 10
        started = time.process_time()
        lists.refresh()
        took = time.process_time() - started
        return {e.name: e for e in extractor.extract_entities(text)}, took

    yield run


def test_a_huge_watchlist_reloads_within_a_batch_budget(
    reload: Reload,
) -> None:
    lines = ["precedence: always", "entries:", "  - name: Dario Velez", "    type: LOC"]
    for n in range(20_000):
        lines += [
            f"  - name: Harakat Zorvani Number{n}",
            "    type: ORG",
            f'    aliases: ["HZN{n}", "Zorvani Front {n}"]',
        ]
    found, took = reload("\n".join(lines))
    assert found["Dario Velez"].type == "LOC"
    assert took < 20, f"a 20,000-entry list took {took:.1f} s to reload (the default budget of one article is 20 s)"


@pytest.mark.parametrize(
    "body",
    [
        # billion laughs: each level names the one before nine times
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
        + "entries: *i\n",
        "entries:\n" + "[" * 5_000 + "]" * 5_000 + "\n",
        "entries:\n  - name: Dario Velez\n    type: ORG\n    aliases: " + "{" * 5_000 + "\n",
    ],
    ids=["alias-bomb", "deep-nesting", "unclosed-nesting"],
)
def test_a_malicious_edit_keeps_the_previous_lists(reload: Reload, body: str) -> None:
    found, took = reload(body)
    assert (found["Dario Velez"].type, found["Dario Velez"].why) == ("ORG", "watchlist")
    assert took < 10


def test_metacharacters_and_a_huge_alias_are_names_like_any_other(reload: Reload) -> None:
    """A name is matched by its words, never as a pattern: "Liwa .* Front" does not match "Liwa Abbas Front";
    a 10,000-character alias is one long word, matched like any other."""
    huge = "Zorvani" * 1_430
    body = (
        "precedence: always\nentries:\n"
        "  - name: Dario Velez\n    type: PERSON\n"
        '  - name: "Liwa .* Front"\n    type: ORG\n'
        '  - name: "Saraya (.*)+[ Front"\n    type: ORG\n'
        '  - name: "\\\\d+ Brigade$"\n    type: ORG\n'
        f'  - name: "{huge}"\n    type: ORG\n'
    )
    text = f"Liwa Abbas Front, Saraya (.*)+[ Front and the \\d+ Brigade$ met Dario Velez. {huge} left."
    started = time.process_time()
    found, took = reload(body, text)
    assert time.process_time() - started < 10 and took < 10
    assert {name: e.type for name, e in found.items() if e.why == "watchlist"} == {"Dario Velez": "PERSON", huge: "ORG"}
