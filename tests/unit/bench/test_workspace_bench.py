"""bench/workspace.py's pure parts: the corpus is what the indexer writes (its document builder, stories for a
share of copies, the registry's documents) and the percentiles are read from the sorted timings."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

from bench.workspace import bulk_body, cases, summary
from wirewatch.core.settings import CommonSettings


def test_the_bulk_body_holds_articles_their_stories_and_their_registry_documents() -> None:
    settings = CommonSettings(index_prefix="wwbenchtest", state_dir=Path("/nonexistent"))
    lines = bulk_body(settings, 0, 200, random.Random(1), datetime.now(UTC)).splitlines()
    pairs = [(json.loads(a), json.loads(d)) for a, d in zip(lines[::2], lines[1::2], strict=True)]
    articles = [(a["index"], d) for a, d in pairs if a["index"]["_index"] == "wwbenchtest-articles"]
    mentions = [d for a, d in pairs if a["index"]["_index"] == "wwbenchtest-entity-mentions"]
    assert len(articles) == 200
    assert all(meta["version_type"] == "external" and doc["persons"] and doc["entities"] for meta, doc in articles)
    copies = [doc for meta, doc in articles if doc["story_id"] != meta["_id"]]
    assert 10 < len(copies) < 80  # about a fifth, each in an earlier article's story
    assert all(doc["story_id"] == doc["cluster_id"] < doc["id"] for doc in copies)
    assert len(mentions) == sum(len(doc["entities"]) for _, doc in articles)


def test_percentiles_come_from_the_sorted_timings() -> None:
    figures = summary([float(n) for n in range(100, 0, -1)])
    assert (figures["p50"], figures["p95"], figures["max"], figures["n"]) == (50.5, 95.0, 100.0, 100)


def test_every_case_varies_its_requests() -> None:
    for family, stream in cases(["baghdad", "opec"]).values():
        first = [next(stream) for _ in range(2)]
        assert family in ("search", "atom") and first[0] != first[1]
