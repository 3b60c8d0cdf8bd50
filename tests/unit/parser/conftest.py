"""Fixtures for the parser tests: the hand-written pages in ``tests/fixtures/pages`` and a parse helper."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from wirewatch.schemas.articles import ParsedArticle
from wirewatch.services.parser.pipeline import parse_page

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
FETCHED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
UNDATED_URL = "https://news.example/world/story-123"
Parse = Callable[..., ParsedArticle]


def page_bytes(name: str) -> bytes:
    return (PAGES / name).read_bytes()


@pytest.fixture
def parse() -> Parse:
    """Parse a fixture page (by file name) or raw bytes, with sensible defaults for the other arguments."""

    def _parse(page: str | bytes, **kwargs: Any) -> ParsedArticle:
        body = page_bytes(page) if isinstance(page, str) else page
        kwargs.setdefault("url", UNDATED_URL)
        kwargs.setdefault("page_id", "doc-1")
        kwargs.setdefault("fetched_at", FETCHED_AT)
        return parse_page(body, **kwargs)

    return _parse
