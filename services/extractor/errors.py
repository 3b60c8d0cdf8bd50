"""Errors of the extractor's faust-free logic: the ``ExtractorError`` branch of the one tree drawn in
``wirewatch/core/errors.py`` (labels, retriable flags and context are listed there).

None is retriable: a missing model or a bad gazetteer is a configuration problem that stops the worker
from starting, and an article that broke the extractor, or overran its time budget, is dead-lettered with
``reason``. Each error pickles with its context (``__reduce__``): the extractor raises them in its budget's
worker process and the worker hands them back as themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
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

    def __reduce__(self) -> tuple[type[ModelNotAvailable], tuple[str, str]]:
        return (type(self), (self.name, self.reason))


class GazetteerError(ExtractorError):
    """A gazetteer or watchlist file is unreadable or does not match the entry format."""

    error_class = "gazetteer_error"

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"gazetteer {path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[type[GazetteerError], tuple[Path, str]]:
        return (type(self), (self.path, self.reason))


class ExtractionFailed(ExtractorError):
    """Entity extraction failed for one article (a bug or a pathological text): dead-letter it."""

    error_class = "extraction_failed"

    def __init__(self, article_id: str, reason: str) -> None:
        super().__init__(f"entity extraction failed for article {article_id}: {reason}")
        self.article_id = article_id
        self.reason = reason

    def __reduce__(self) -> tuple[type[ExtractionFailed], tuple[str, str]]:
        return (type(self), (self.article_id, self.reason))


class ExtractTimeout(ExtractorError):
    """Enrichment overran its time budget; the process that ran it was killed and replaced.

    Not retriable: an article that overran once would stall the stream again on every retry. A batch that
    overruns is retried article by article (each with its own budget), so only the article that overruns
    alone is dead-lettered; ``wirewatch dlq replay`` can run it again with a larger budget.
    """

    error_class = "extract_timeout"

    def __init__(self, seconds: float, article_ids: Sequence[str]) -> None:
        which = article_ids[0] if len(article_ids) == 1 else f"a batch of {len(article_ids)} articles"
        super().__init__(f"enrichment of {which} took longer than {seconds:g} s")
        self.seconds = seconds
        self.article_id = article_ids[0] if len(article_ids) == 1 else None
        self.article_ids = list(article_ids)

    def __reduce__(self) -> tuple[type[ExtractTimeout], tuple[float, list[str]]]:
        return (type(self), (self.seconds, self.article_ids))
