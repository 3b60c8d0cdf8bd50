"""Near-duplicate linking of syndicated copies, on pages the project wrote (the demo site)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from wirewatch.services.parser.duplicates import NearDuplicateIndex
from wirewatch.services.parser.pipeline import parse_page


def test_wire_copy_with_its_own_standfirst_and_dateline_is_linked() -> None:
    """The demo's Gulf Monitor copy of a Northwire story: different kicker, standfirst, dateline and one
    extra closing sentence; the two must land within the index's distance, unrelated stories outside it."""
    site = Path(__file__).resolve().parents[3] / "demo" / "site"

    def parsed(path: str, page_id: str) -> str:
        body = (site / path).read_bytes()
        return parse_page(
            body, url=f"https://example.test/{page_id}", page_id=page_id, fetched_at=datetime.now(UTC)
        ).simhash

    original = parsed("northwire/2026/11/18/coalition-drawdown.html", "original")
    copy = parsed("gulf/news/iraq/20261118-ain-al-asad-handover.html", "copy")
    other = parsed("northwire/2026/11/19/erbil-baghdad-sinjar-security.html", "other")
    index = NearDuplicateIndex()
    assert index.check_and_add("original", original) is None
    assert index.check_and_add("copy", copy) == "original"
    assert index.check_and_add("other", other) is None
