"""The conflict-news NER development set: gold that matches its text, follows its guidelines and covers the brief."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bench.ner_dev.gold import GOLD, KINDS, LABELS, SourceError, load_items, parse_source, render, unmark

REGIONS = {
    "mideast": {"iraq", "syria", "yemen", "lebanon", "palestine", "iran"},
    "horn": {"somalia", "ethiopia", "sudan"},
    "sahel": {"mali", "burkina", "niger", "nigeria"},
    "asia": {"afghanistan", "pakistan", "kashmir", "myanmar", "philippines"},
    "central_africa": {"drc", "car"},
    "latam": {"colombia", "mexico", "venezuela", "haiti"},
}
TITLES = re.compile(r"([Tt]he|Gen|Col|Lt|President|Minister|Sheikh|Senior|Captain|Governor|Daw|Ka|Mr|Dr)\b\.?\s")


def rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]


def test_the_committed_jsonl_is_built_from_the_sources() -> None:
    assert GOLD.read_text(encoding="utf-8") == render(load_items()), "run: python -m bench.ner_dev.gold"


def test_every_entity_is_its_text_at_its_offsets() -> None:
    for row in rows():
        text = str(row["text"])
        for entity in row["entities"]:
            assert text[entity["start"] : entity["end"]] == entity["text"], (row["doc_id"], entity)
            assert entity["text"] == entity["text"].strip() and entity["text"], (row["doc_id"], entity)


def test_entities_do_not_overlap_and_have_valid_labels() -> None:
    for row in rows():
        spans = sorted((e["start"], e["end"], e["label"], e["kind"]) for e in row["entities"])
        for (_, end, _, _), (start, _, _, _) in itertools.pairwise(spans):
            assert end <= start, (row["doc_id"], spans)
        for _, _, label, kind in spans:
            assert label in LABELS and kind in KINDS[label], (row["doc_id"], label, kind)


def test_spans_follow_the_guidelines() -> None:
    """No leading "the" or title, no trailing possessive or punctuation inside a span."""
    for row in rows():
        for entity in row["entities"]:
            name = entity["text"]
            assert not TITLES.match(name), (row["doc_id"], name)
            assert not name.endswith(("'s", "’s", ",", ".")) or name == "U.S.", (row["doc_id"], name)


def test_size_and_coverage_of_the_brief() -> None:
    data = rows()
    assert len(data) >= 60
    assert len({row["doc_id"] for row in data}) == len(data)
    by_region: dict[str, set[str]] = {}
    for row in data:
        by_region.setdefault(str(row["region"]), set()).add(str(row["country"]))
    assert by_region == REGIONS
    regions = Counter(str(row["region"]) for row in data)
    assert min(regions.values()) >= 8, regions
    labels = Counter(e["label"] for row in data for e in row["entities"])
    assert min(labels[label] for label in LABELS) >= 50, labels


def test_items_are_short_news_items() -> None:
    for row in rows():
        sentences = len(re.findall(r"[.!?][\"”]?(?:\s+(?=[A-Z\"“])|$)", str(row["text"])))
        assert 2 <= sentences <= 7, (row["doc_id"], sentences)  # "Gen. X" may count once too often


def test_marks_become_offsets() -> None:
    text, entities = unmark("Fighters of [Harakat al-Nujaba|ORG:arm] left [Tal Afar|LOC:city].", "t")
    assert text == "Fighters of Harakat al-Nujaba left Tal Afar."
    assert [(e["start"], e["end"], e["label"], e["kind"]) for e in entities] == [
        (12, 29, "ORG", "arm"),
        (35, 43, "LOC", "city"),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "## x-01 iraq\nA [name|GPE] here.\n",
        "## x-01 iraq\nA [name|ORG:town] here.\n",
        "## x-01 iraq\nA [name|ORG here.\n",
    ],
)
def test_a_broken_mark_is_an_error(source: str, tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(SourceError):
        parse_source(path)
