"""A parsed article for extractor tests: the text (and title) under test, every other field a fixed stand-in."""

from __future__ import annotations

from datetime import UTC, datetime

from wirewatch.schemas.articles import ParsedArticle


def parsed_article(
    article_id: str,
    text: str,
    *,
    title: str | None = None,
    language: str | None = "en",
    fetched_at: datetime | None = None,
) -> ParsedArticle:
    now = fetched_at or datetime.now(UTC)
    return ParsedArticle(
        id=article_id,
        url=f"https://news.example/{article_id}",
        title=title,
        text=text,
        language=language,
        extractor="test",
        extractor_version="0",
        content_hash="0" * 16,
        simhash="0" * 16,
        fetched_at=now,
        parsed_at=now,
    )
