"""Copies of one story across outlets, on pages the project wrote (the demo site): the parser's text of a
syndicated copy and of its original make one story by the indexer's rule (``wirewatch/core/stories.py``),
another story of the same outlet does not."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from wirewatch.core.stories import fingerprint, same_story
from wirewatch.services.parser.pipeline import parse_page

SITE = Path(__file__).resolve().parents[3] / "demo" / "site"


def parsed_text(path: str, page_id: str) -> str:
    body = (SITE / path).read_bytes()
    return parse_page(body, url=f"https://example.test/{page_id}", page_id=page_id, fetched_at=datetime.now(UTC)).text


def test_wire_copy_with_its_own_standfirst_and_dateline_joins_the_story() -> None:
    """The demo's Gulf Monitor copy of a Northwire story: different kicker, standfirst, dateline and one
    extra closing sentence."""
    original = fingerprint(parsed_text("northwire/2026/11/18/coalition-drawdown.html", "original"))
    copy = fingerprint(parsed_text("gulf/news/iraq/20261118-ain-al-asad-handover.html", "copy"))
    other = fingerprint(parsed_text("northwire/2026/11/19/erbil-baghdad-sinjar-security.html", "other"))
    assert set(original.keys) & set(copy.keys), "the copy shares a band key: the indexer finds it"
    assert same_story(original, copy)
    assert not same_story(original, other) and not same_story(copy, other)
