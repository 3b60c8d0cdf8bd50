"""The offline half of the `wirewatch` contract: `parse` and `extract` need no services."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


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


def page_line(name: str, url: str) -> str:
    return json.dumps({"url": url, "html": (PAGES / name).read_bytes().decode("utf-8", "replace")})


def test_parse_reads_json_lines_from_stdin_and_goes_on_past_a_bad_one() -> None:
    lines = [
        page_line("iraq_coalition.html", "https://news.example/2026/11/18/coalition.html"),
        "not json",
        json.dumps({"url": "https://news.example/no-html"}),
        page_line("militia_meta_tags.html", "https://news.example/2026/11/18/militia.html"),
    ]
    done = wirewatch("parse", "-", stdin="\n".join(lines) + "\n")
    assert done.returncode == 1
    articles = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["url"] for a in articles] == [
        "https://news.example/2026/11/18/coalition.html",
        "https://news.example/2026/11/18/militia.html",
    ]
    assert articles[0]["id"] != articles[1]["id"]
    assert "<stdin>:2:" in done.stderr and "<stdin>:3:" in done.stderr
    assert "<stdin>:1:" not in done.stderr and "<stdin>:4:" not in done.stderr


def test_parse_without_files_reads_stdin() -> None:
    done = wirewatch("parse", stdin=page_line("iraq_coalition.html", "https://news.example/a.html") + "\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["url"] == "https://news.example/a.html"


def test_parse_base_url_gives_each_file_its_own_url() -> None:
    pages = [PAGES / "iraq_coalition.html", PAGES / "militia_meta_tags.html"]
    done = wirewatch("parse", *map(str, pages), "--base-url", "https://news.example/2026/11/18/")
    assert done.returncode == 0, done.stderr
    urls = [json.loads(line)["url"] for line in done.stdout.splitlines()]
    assert urls == [f"https://news.example/2026/11/18/{p.name}" for p in pages]


def test_parse_files_need_a_url() -> None:
    done = wirewatch("parse", str(PAGES / "iraq_coalition.html"))
    assert done.returncode == 2
    assert "--url or --base-url" in done.stderr
    both = wirewatch("parse", str(PAGES / "iraq_coalition.html"), "--url", "https://a.example/", "--base-url", "x")
    assert both.returncode == 2 and "exclude each other" in both.stderr


def test_extract_takes_many_inputs_in_one_start(tmp_path: Path) -> None:
    from wirewatch.services.fetcher import canonicalize, document_id
    from wirewatch.services.parser import parse_page

    articles = []
    for n, name in enumerate(("iraq_coalition.html", "militia_meta_tags.html", "football_results.html")):
        url = canonicalize(f"https://news.example/2026/11/18/story-{n}.html")
        article = parse_page((PAGES / name).read_bytes(), url=url, page_id=document_id(url), fetched_at=NOW)
        articles.append(json.loads(article.model_dump_json()))
    single, listed, bad = tmp_path / "one.json", tmp_path / "list.json", tmp_path / "bad.json"
    single.write_text(json.dumps(articles[0]))
    listed.write_text(json.dumps(articles[:2]))
    bad.write_text(json.dumps({"id": 7}))
    stdin = json.dumps(articles[2]) + "\n" + json.dumps(articles[1]) + "\n"
    done = wirewatch("extract", str(single), str(listed), str(bad), "-", stdin=stdin)
    assert done.returncode == 1
    out = [json.loads(line) for line in done.stdout.splitlines()]
    order = [0, 0, 1, 2, 1]
    assert [a["id"] for a in out] == [articles[i]["id"] for i in order]
    assert all("entities" in a for a in out) and out[0]["persons"]
    assert f"{bad}#1: not an Article" in done.stderr
