"""Errors of the extractor's faust-free logic, one root and a ``retriable`` flag on each.

The agent's handler reads ``retriable``: ``True`` → retry with backoff, ``False`` → dead-letter
the article with ``str(error)`` as the reason. Context lives on attributes, not only in the text.

    ExtractorError                  (root; retriable = False)
    ├── ModelNotAvailable           the configured NER model is unknown or not installed
    ├── GazetteerError              a gazetteer/watchlist file cannot be read or is malformed
    └── ExtractionFailed            one article could not be processed (carries article_id)
"""

from __future__ import annotations

from pathlib import Path


class ExtractorError(Exception):
    """Root of every error raised by ``services.extractor``."""

    retriable: bool = False


class ModelNotAvailable(ExtractorError):
    """The NER model named in the settings is unknown or its package is not installed.

    A configuration problem: retrying will not help, and the worker should not start.
    """

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"NER model {name!r} is not available: {reason}")
        self.name = name
        self.reason = reason


class GazetteerError(ExtractorError):
    """A gazetteer or watchlist file is unreadable or does not match the entry format."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"gazetteer {path}: {reason}")
        self.path = path
        self.reason = reason


class ExtractionFailed(ExtractorError):
    """Entity extraction failed for one article (a bug or a pathological text): dead-letter it."""

    def __init__(self, article_id: str, reason: str) -> None:
        super().__init__(f"entity extraction failed for article {article_id}: {reason}")
        self.article_id = article_id
        self.reason = reason
