"""The offline half of the `wirewatch` contract: `parse` and `extract` need no services."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"


def wirewatch(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wirewatch", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_parse_prints_one_article_json_per_file() -> None:
    pages = sorted(PAGES.glob("*.html"))[:2]
    done = wirewatch("parse", *map(str, pages), "--url", "https://news.example/2026/11/18/story.html", "--json")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        article = json.loads(line)
        assert article["text"] and article["id"] and article["extractor"]


def test_parse_reports_a_non_html_file_and_fails(tmp_path: Path) -> None:
    pdf = tmp_path / "report.html"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    done = wirewatch("parse", str(pdf), "--url", "https://news.example/report")
    assert done.returncode == 1
    assert "report.html" in done.stderr and "not" in done.stderr.lower()


def test_extract_jsonl_adds_entities_with_offsets_into_text() -> None:
    text = (
        "Iraqi Prime Minister Mohammed Shia al-Sudani met NATO officials in Baghdad on Tuesday. "
        "Al-Sudani said the Joint Operations Command would take over the base."
    )
    lines = json.dumps({"id": "a1", "text": text}) + "\n" + json.dumps({"id": "a2", "text": ""}) + "\n"
    done = wirewatch("extract", "--jsonl", stdin=lines)
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["id"] == "a1" and second["entities"] == []
    names = {e["name"]: e for e in first["entities"]}
    assert "Baghdad" in names and names["Baghdad"]["type"] == "LOC"
    for entity in first["entities"]:
        for mention in entity["mentions"]:
            assert text[mention["start"] : mention["end"]] == mention["text"]
    person = [e for e in first["entities"] if e["type"] == "PERSON"]
    assert any("Sudani" in e["name"] and len(e["mentions"]) == 2 for e in person), person
