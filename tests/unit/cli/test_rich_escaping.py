"""Hostile text from feeds, pages and dead letters is shown as written by ``feeds list``, ``search``,
``rules test``, ``rules list``, ``dlq list`` and ``parse``: Rich markup in it (``Reuters[/]`` crashed the
commands, ``[link=…]`` planted a terminal hyperlink) is never parsed, and terminal escapes (an OSC 8
hyperlink, colours, C0/C1 controls) are stripped. Elasticsearch and Kafka are replaced by what they would
return; the commands and their rendering are the real ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wirewatch.cli import cli
from wirewatch.cli._common import console
from wirewatch.core.deadletters import dead_letter
from wirewatch.core.errors import StageFailure
from wirewatch.core.stores.feeds import FeedHealth, FeedRecord, new_feed
from wirewatch.core.stores.rules import new_rule

CLOSER = "Reuters[/]"
LINK = "[link=http://evil.example]click[/link]"
OSC8 = "\x1b]8;;http://evil.example\x07Bank\x1b]8;;\x07"
CONTROLS = "\x1b[2J\x1b[31mred\x9b\x07\x00"
HOSTILE = f"{CLOSER} {LINK} {OSC8} {CONTROLS}"
#: what the hostile text must look like on screen: markup literal, escapes gone
SHOWN = [CLOSER, LINK, "Bank", "red"]


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One line per value, so what is shown can be searched for whole."""
    monkeypatch.setattr(console._real(), "_width", 400)  # type: ignore[attr-defined]  # undone to unset, not to a fixed 80
    yield


def _assert_shown_literally(output: str) -> None:
    for text in SHOWN:
        assert text in output, f"{text!r} missing from:\n{output}"
    assert "\x1b" not in output and "\x9b" not in output and "\x07" not in output and "\x00" not in output


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_feeds_list(monkeypatch: pytest.MonkeyPatch) -> None:
    # one value per feed: the feed column is cut at 40 characters
    named = [new_feed(f"https://reuters.example/{n}", name=name) for n, name in enumerate([LINK, OSC8 + CONTROLS])]
    untitled = new_feed("https://other.example/rss")
    records = [
        *(FeedRecord(feed=feed) for feed in named),
        FeedRecord(
            feed=untitled,
            health=FeedHealth(
                title=CLOSER, last_error_class=CLOSER, consecutive_failures=2, last_error_at=datetime.now(UTC)
            ),
        ),
    ]
    monkeypatch.setattr("wirewatch.cli.feeds.with_es", lambda action: records)
    output = _run("feeds", "list")
    _assert_shown_literally(output)


def _hit(n: int) -> dict[str, Any]:
    return {
        "_id": f"doc{n}",
        "_score": 1.0,
        "_source": {
            "url": f"https://reuters.example/{n}",
            "title": HOSTILE,
            "source": CLOSER,
            "published_at": "2026-11-18T12:00:00+00:00",
            "persons": [LINK],
            "organizations": [OSC8],
            "locations": [CONTROLS],
        },
        "highlight": {"text": [f"the «{CLOSER}» story {LINK}"]},
        "inner_hits": {
            "copies": {"hits": {"hits": [{"_id": "copy", "_source": {"url": "https://x.example", "source": LINK}}]}}
        },
    }


def _body() -> dict[str, Any]:
    return {"hits": {"total": {"value": 1}, "hits": [_hit(1)]}}


def test_search(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("wirewatch.cli.search.with_es", lambda action: _body())
    _assert_shown_literally(_run("search", "truce"))


def test_rules_test_and_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("wirewatch.cli.rules.with_es", lambda action: _body())
    _assert_shown_literally(_run("rules", "test", "any"))
    rule = new_rule(CLOSER, f"title:{CLOSER[:-3]}", webhooks=["https://hooks.example/x"])
    rule = rule.model_copy(update={"name": HOSTILE})
    monkeypatch.setattr("wirewatch.cli.rules.with_es", lambda action: [rule])
    output = _run("rules", "list")
    _assert_shown_literally(output)


def test_dlq_list(monkeypatch: pytest.MonkeyPatch) -> None:
    letter = dead_letter("parser", StageFailure(HOSTILE), b"<html>", item_id=CLOSER, key=LINK)
    monkeypatch.setattr("wirewatch.cli.dlq._load", lambda *args: [letter])
    output = _run("dlq", "list")
    for text in [CLOSER, "Bank", "red"]:
        assert text in output
    assert "\x1b" not in output and "\x9b" not in output


def test_parse_shows_a_hostile_page_as_written(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    body = f"<p>{HOSTILE} and a long enough paragraph of article text to be kept by the parser. " * 5
    page.write_text(
        f"<html><head><title>{CLOSER} {LINK}</title></head><body><article><h1>{CLOSER} {LINK}</h1>"
        f"{body}</p></article></body></html>",
        encoding="utf-8",
    )
    output = _run("parse", str(page), "--url", "https://reuters.example/a")
    assert CLOSER in output and LINK in output
    assert "\x1b" not in output


def test_the_helpers() -> None:
    from wirewatch.cli._common import plain, safe

    assert plain(OSC8) == "Bank"
    assert plain("a\tb\nc\x7f\x85d") == "a\tb\ncd"
    assert safe(CLOSER) == "Reuters\\[/]"
