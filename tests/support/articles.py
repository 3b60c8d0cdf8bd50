"""Building valid test messages quickly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wirewatch.schemas import EnrichedArticle

from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings


def enriched(
    n: int, *, text: str | None = None, fetched_at: datetime | None = None, **fields: object
) -> EnrichedArticle:
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


async def count_docs(settings: CommonSettings, family: str = "articles") -> int:
    """Documents in one index family of the test's namespace, after a refresh."""
    es = make_es(settings)
    try:
        await es.indices.refresh(index=settings.index_name(family))
        return int((await es.count(index=settings.index_name(family))).body["count"])
    finally:
        await es.close()
