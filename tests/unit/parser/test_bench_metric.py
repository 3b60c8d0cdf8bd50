"""The benchmark's metric, implemented in bench/extraction.py, on hand-checked examples."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bench.extraction import Totals, page_f1, regressions, run, score_page, shingles, table


def test_shingles_are_4_token_windows_with_case_kept() -> None:
    assert shingles("One two, three four five!") == {
        ("One", "two", "three", "four"): 1,
        ("two", "three", "four", "five"): 1,
    }
    assert shingles("too short") == {}


def test_page_score_is_normalised_multiset_match() -> None:
    score = score_page("a b c d e", "a b c d x")  # shingles: {abcd, bcde} vs {abcd, bcdx}
    assert (score.tp, score.fp, score.fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert score_page("", "a b c d").predicted is False


def test_precision_ignores_empty_predictions_but_recall_does_not() -> None:
    totals = Totals("x", scores=[score_page("a b c d", "a b c d"), score_page("", "e f g h")])
    assert totals.precision() == 1.0
    assert totals.recall() == 0.5
    assert totals.f1() == pytest.approx(2 / 3)


def test_run_on_a_tiny_benchmark_directory(tmp_path: Path) -> None:
    page = Path(__file__).resolve().parents[2] / "fixtures" / "pages" / "militia_meta_tags.html"
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "p1.html.gz").write_bytes(gzip.compress(page.read_bytes()))
    expected = "The Iraqi armed faction Kataib Hezbollah said late on Friday it was suspending military operations"
    (tmp_path / "ground-truth.json").write_text(
        json.dumps({"p1": {"articleBody": expected, "url": "https://g.example/a"}})
    )
    results, rows = run(tmp_path, None, {"mine": lambda html, url, pid: expected, "none": lambda html, url, pid: ""})
    assert results[0].f1() == 1.0 and results[1].recall() == 0.0
    assert rows[0]["id"] == "p1"
    assert "F1 ratio" in table(results) or results[1].f1() == 0.0


def test_regressions_list_the_pages_worse_than_a_saved_run() -> None:
    def row(page: str, tp: float, fp: float, fn: float) -> dict[str, object]:
        return {"id": page, "url": "u", "mine": {"tp": tp, "fp": fp, "fn": fn, "predicted": True}}

    baseline = {"pages": [row("a", 1.0, 0.0, 0.0), row("b", 0.5, 0.25, 0.25), row("gone", 1.0, 0.0, 0.0)]}
    now = [row("a", 0.8, 0.1, 0.1), row("b", 0.48, 0.26, 0.26), row("new", 0.0, 1.0, 0.0)]
    worse = regressions(now, baseline, "mine", 0.05)
    assert [(page, round(was, 3), round(is_, 3)) for page, was, is_ in worse] == [("a", 1.0, 0.889)]
    assert page_f1({"tp": 0.0, "fp": 0.5, "fn": 0.5}) == 0.0
