"""Wirewatch parser: fetched pages (``pages`` topic) in, clean articles (``articles`` topic) out.

The faust app and agents live in ``app.py``/``agents.py``; everything here is faust-free:

- :func:`parse_page` — one page to one :class:`~schemas.articles.ParsedArticle` (``pipeline.py``);
- :class:`BudgetedParser`, :func:`parse_with_budget`, :func:`parse_sync_with_budget` — the same under a
  per-document time budget in worker processes (``budget.py``);
- :class:`NearDuplicateIndex`, :func:`hamming` — SimHash near-duplicate lookup (``duplicates.py``);
- the :class:`ParseError` tree (``errors.py``).
"""

from __future__ import annotations

from wirewatch.services.parser.budget import BudgetedParser, parse_sync_with_budget, parse_with_budget
from wirewatch.services.parser.duplicates import NearDuplicateIndex, hamming
from wirewatch.services.parser.errors import EmptyPage, NotHtml, PageTooLarge, ParseError, ParseTimeout, Pathological
from wirewatch.services.parser.pipeline import EXTRACTOR, EXTRACTOR_VERSION, parse_page

__all__ = [
    "EXTRACTOR",
    "EXTRACTOR_VERSION",
    "BudgetedParser",
    "EmptyPage",
    "NearDuplicateIndex",
    "NotHtml",
    "PageTooLarge",
    "ParseError",
    "ParseTimeout",
    "Pathological",
    "hamming",
    "parse_page",
    "parse_sync_with_budget",
    "parse_with_budget",
]
