"""The extractor service: named entities for parsed articles (faust-free logic lives here).

Reads ``ParsedArticle`` from the parsed-articles topic and writes ``EnrichedArticle`` to the
enriched-articles topic (the faust app and agents are in ``app.py`` / ``agents.py``). The public
API, importable without loading a model:

* :class:`EntityExtractor` (``EntityExtractor.create(model, gazetteer_dirs)``),
  :class:`ExtractorOptions`, :func:`enrich`, :func:`skip_reason`, :func:`annotate_lines`
* errors: :class:`ExtractorError` and its subclasses (see ``errors.py`` for the tree)
"""

from __future__ import annotations

from wirewatch.services.extractor.enrichment import enrich, skip_reason
from wirewatch.services.extractor.entities import EntityExtractor, ExtractorOptions
from wirewatch.services.extractor.errors import ExtractionFailed, ExtractorError, GazetteerError, ModelNotAvailable
from wirewatch.services.extractor.jsonl import annotate_lines
from wirewatch.services.extractor.models import available_models, load_pipeline

__all__ = [
    "EntityExtractor",
    "ExtractionFailed",
    "ExtractorError",
    "ExtractorOptions",
    "GazetteerError",
    "ModelNotAvailable",
    "annotate_lines",
    "available_models",
    "enrich",
    "load_pipeline",
    "skip_reason",
]
