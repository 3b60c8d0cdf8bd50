"""Errors of the extractor's faust-free logic: the ``ExtractorError`` branch of the one tree drawn in
``wirewatch/core/errors.py`` (labels, retriable flags and context are listed there).

None is retriable: a missing model or a bad gazetteer is a configuration problem that stops the worker
from starting, and an article that broke the extractor is dead-lettered with ``reason``.
"""

from __future__ import annotations

from pathlib import Path

from wirewatch.core.errors import WirewatchError


class ExtractorError(WirewatchError):
    """Root of every error raised by ``wirewatch.services.extractor``."""

    error_class = "extractor_error"


class ModelNotAvailable(ExtractorError):
    """The NER model named in the settings is unknown or its package is not installed.

    A configuration problem: retrying will not help, and the worker should not start.
    """

    error_class = "model_not_available"

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"NER model {name!r} is not available: {reason}")
        self.name = name
        self.reason = reason


class GazetteerError(ExtractorError):
    """A gazetteer or watchlist file is unreadable or does not match the entry format."""

    error_class = "gazetteer_error"

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"gazetteer {path}: {reason}")
        self.path = path
        self.reason = reason


class ExtractionFailed(ExtractorError):
    """Entity extraction failed for one article (a bug or a pathological text): dead-letter it."""

    error_class = "extraction_failed"

    def __init__(self, article_id: str, reason: str) -> None:
        super().__init__(f"entity extraction failed for article {article_id}: {reason}")
        self.article_id = article_id
        self.reason = reason
