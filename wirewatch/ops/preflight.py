"""``wirewatch worker NAME --check``: load what a worker loads at start, connect to nothing.

An installation that lacks a package a worker needs (the NER model the default settings name, a gazetteer,
lxml for the parser) should fail here, in ``make test`` and at image build, not when a user's
``docker compose up`` starts the worker. Each check imports the worker's ``app`` module exactly as
``wirewatch worker`` does (settings, the faust app, every module it imports) and then runs the start-up
work the worker would do before its first message: the extractor loads its model and gazetteers and tags a
sentence; the parser parses a page. Kafka and Elasticsearch are never contacted.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime

SAMPLE_PAGE = b"""<!doctype html><html><head><title>Preflight - Wirewatch</title></head><body><article>
<h1>Preflight</h1><p>The preflight check parses this page the way the parser worker parses a fetched one, so an
installation missing a parsing library fails at once.</p><p>It is short, but it has two paragraphs of prose so
that the body extraction has something to choose.</p></article></body></html>"""
SAMPLE_TEXT = "Officials in Baghdad met envoys from the United Nations on Monday, Reuters reported."


def _parser() -> str:
    from wirewatch.services.parser import parse_page

    article = parse_page(
        SAMPLE_PAGE, url="https://preflight.invalid/a", page_id="preflight", fetched_at=datetime.now(UTC)
    )
    return f"parsed a page ({len(article.text)} characters)"


def _extractor() -> str:
    from wirewatch.services.extractor import ExtractorSettings, build_extractor

    settings = ExtractorSettings()
    entities = build_extractor(settings).extract_entities(SAMPLE_TEXT)
    return f"model {settings.ner_model} loaded, {len(entities)} entities in a sample sentence"


#: start-up work beyond importing the app module, per stage
STARTUP: dict[str, Callable[[], str]] = {"parser": _parser, "extractor": _extractor}


def preflight(stage: str) -> str:
    """Import ``stage``'s worker and run its start-up work; what was loaded, or the exception it raises."""
    importlib.import_module(f"wirewatch.services.{stage}.app")
    work = STARTUP.get(stage)
    return work() if work else "modules imported"
