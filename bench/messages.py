"""Valid pipeline messages built quickly: numbered enriched articles with known entities.

The alerting benchmark indexes them; indexer, alerter and search tests use them too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wirewatch.schemas import EnrichedArticle


def enriched(
    n: int, *, text: str | None = None, fetched_at: datetime | None = None, **fields: object
) -> EnrichedArticle:
    """Article ``n`` (id ``doc0000n``), fetched, parsed and enriched at one moment; ``fields`` override."""
    now = fetched_at or datetime(2026, 11, 18, 12, 0, tzinfo=UTC) + timedelta(seconds=n)
    values: dict[str, object] = {
        "id": f"doc{n:05d}",
        "url": f"https://news.example/{n}",
        "title": f"Story number {n}",
        "text": text or f"Body of story {n} about Baghdad and the coalition.",
        "extractor": "test",
        "extractor_version": "0",
        "content_hash": f"{n:064x}",
        "simhash": f"{n:016x}",
        "fetched_at": now,
        "parsed_at": now,
        "enriched_at": now,
        "persons": ["Mohammed Shia al-Sudani"],
        "organizations": ["Kataib Hezbollah"],
        "locations": ["Baghdad"],
    }
    values.update(fields)
    return EnrichedArticle.model_validate(values)
