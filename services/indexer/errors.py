"""The indexer's errors: its leaves of the one tree drawn in ``wirewatch/core/errors.py``.

A whole request Elasticsearch cannot answer now raises the core ``ServiceUnavailable`` (retried); one
document it refuses is a ``DocumentRejected`` (dead-lettered).
"""

from __future__ import annotations

from wirewatch.core.errors import StageFailure


class DocumentRejected(StageFailure):
    """Elasticsearch refused one document (a mapping or value error); retrying cannot help."""

    error_class = "document_rejected"

    def __init__(self, reason: str, *, article_id: str, status: int) -> None:
        super().__init__(reason)
        self.article_id = article_id
        self.status = status
