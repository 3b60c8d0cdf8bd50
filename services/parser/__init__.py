"""Parser: reads fetched pages from ``pages`` (and ``pages.backfill``), writes clean articles to
``articles.parsed`` (and ``articles.parsed.backfill``); a page it cannot read goes to ``deadletters``.

The faust app is in ``app.py`` (``wirewatch worker parser``) and the batch logic in ``handler.py``; ``pipeline``
is the numbered chain of plain functions that turns one page into one article, ``budget`` runs it under a
time limit, ``errors`` is the parser's part of the error tree.

This facade is what the CLI and ops may use, importable for free (each name loads its module on first use):

- :class:`ParserSettings`;
- :func:`parse_page` (one page to one :class:`~wirewatch.schemas.ParsedArticle`), :data:`EXTRACTOR`,
  :data:`EXTRACTOR_VERSION`;
- :class:`BudgetedParser`, :func:`parse_with_budget`, :func:`parse_sync_with_budget`: the same under a
  per-page time budget in worker processes;
- :func:`hamming`: the distance between two SimHashes;
- :class:`ParseError` and its subclasses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wirewatch.core.facade import lazy_exports

if TYPE_CHECKING:
    from wirewatch.services.parser.budget import BudgetedParser, parse_sync_with_budget, parse_with_budget
    from wirewatch.services.parser.errors import (
        EmptyPage,
        NotHtml,
        PageTooLarge,
        ParseError,
        ParseTimeout,
        Pathological,
    )
    from wirewatch.services.parser.fingerprints import hamming
    from wirewatch.services.parser.pipeline import EXTRACTOR, EXTRACTOR_VERSION, parse_page
    from wirewatch.services.parser.settings import ParserSettings

__all__ = [
    "EXTRACTOR",
    "EXTRACTOR_VERSION",
    "BudgetedParser",
    "EmptyPage",
    "NotHtml",
    "PageTooLarge",
    "ParseError",
    "ParseTimeout",
    "ParserSettings",
    "Pathological",
    "hamming",
    "parse_page",
    "parse_sync_with_budget",
    "parse_with_budget",
]

_WHERE = {
    "budget": ["BudgetedParser", "parse_sync_with_budget", "parse_with_budget"],
    "fingerprints": ["hamming"],
    "errors": ["EmptyPage", "NotHtml", "PageTooLarge", "ParseError", "ParseTimeout", "Pathological"],
    "pipeline": ["EXTRACTOR", "EXTRACTOR_VERSION", "parse_page"],
    "settings": ["ParserSettings"],
}
_load = lazy_exports(__name__, _WHERE)


def __getattr__(name: str) -> Any:
    return _load(name)
