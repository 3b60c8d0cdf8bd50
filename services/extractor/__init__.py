"""Extractor: reads parsed articles from ``articles.parsed`` (and ``articles.parsed.backfill``), adds named
entities, and writes them to ``articles.enriched`` (and ``articles.enriched.backfill``); an article that breaks
it goes to ``deadletters``.

The faust app is in ``app.py`` (``wirewatch worker extractor``) and the batch logic in ``handler.py``;
``entities`` runs the spaCy model with the gazetteers, ``enrichment`` turns a batch of articles into enriched
ones, ``errors`` is the extractor's part of the error tree.

This facade is what the CLI and ops may use, importable for free (each name loads its module on first use;
spaCy is loaded by the names that need it, never by importing the package):

- :class:`ExtractorSettings`, :func:`build_extractor` (the model and gazetteers the settings name);
- :class:`EntityExtractor` (``EntityExtractor.create(model, gazetteer_dirs)``), :class:`ExtractorOptions`,
  :func:`available_models`, :func:`load_pipeline`;
- :func:`enrich`, :func:`skip_reason`, :func:`annotate_lines` (``wirewatch extract --jsonl``);
- :class:`BudgetedExtractor`, :class:`Recipe`: enrichment in worker processes, under a time budget per batch;
- :class:`ExtractorError` and its subclasses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wirewatch.core.facade import lazy_exports

if TYPE_CHECKING:
    from wirewatch.services.extractor.budget import BudgetedExtractor, Recipe
    from wirewatch.services.extractor.enrichment import enrich, skip_reason
    from wirewatch.services.extractor.entities import EntityExtractor, ExtractorOptions
    from wirewatch.services.extractor.errors import (
        ExtractionFailed,
        ExtractorError,
        ExtractTimeout,
        GazetteerError,
        ModelNotAvailable,
    )
    from wirewatch.services.extractor.handler import build_extractor
    from wirewatch.services.extractor.jsonl import annotate_lines
    from wirewatch.services.extractor.models import available_models, load_pipeline
    from wirewatch.services.extractor.settings import ExtractorSettings

__all__ = [
    "BudgetedExtractor",
    "EntityExtractor",
    "ExtractTimeout",
    "ExtractionFailed",
    "ExtractorError",
    "ExtractorOptions",
    "ExtractorSettings",
    "GazetteerError",
    "ModelNotAvailable",
    "Recipe",
    "annotate_lines",
    "available_models",
    "build_extractor",
    "enrich",
    "load_pipeline",
    "skip_reason",
]

_WHERE = {
    "budget": ["BudgetedExtractor", "Recipe"],
    "enrichment": ["enrich", "skip_reason"],
    "entities": ["EntityExtractor", "ExtractorOptions"],
    "errors": ["ExtractTimeout", "ExtractionFailed", "ExtractorError", "GazetteerError", "ModelNotAvailable"],
    "handler": ["build_extractor"],
    "jsonl": ["annotate_lines"],
    "models": ["available_models", "load_pipeline"],
    "settings": ["ExtractorSettings"],
}
_load = lazy_exports(__name__, _WHERE)


def __getattr__(name: str) -> Any:
    return _load(name)
