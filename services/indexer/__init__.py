"""Indexer: reads enriched articles from ``articles.enriched`` (and ``articles.enriched.backfill``), writes them
to Elasticsearch through the ``<prefix>-articles`` alias, and reports the searchable ids on ``articles.indexed``;
a document Elasticsearch refuses goes to ``deadletters``.

The faust app is in ``app.py`` (``wirewatch worker indexer``), the batch logic in ``handler.py``, the bulk
requests in ``bulk.py`` and the document bodies in ``documents.py``.

This facade is what the CLI and ops may use, importable for free (each name loads its module on first use):

- :class:`IndexerSettings`;
- :class:`DocumentRejected`, its part of the error tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wirewatch.core.facade import lazy_exports

if TYPE_CHECKING:
    from wirewatch.services.indexer.errors import DocumentRejected
    from wirewatch.services.indexer.settings import IndexerSettings

__all__ = ["DocumentRejected", "IndexerSettings"]

_WHERE = {"errors": ["DocumentRejected"], "settings": ["IndexerSettings"]}
_load = lazy_exports(__name__, _WHERE)


def __getattr__(name: str) -> Any:
    return _load(name)
