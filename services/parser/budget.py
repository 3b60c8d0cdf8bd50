"""Parsing under a per-document time budget that cannot stall the caller.

Each document runs in a small pool of long-lived worker processes (:class:`~wirewatch.core.budget.BudgetPool`:
forkserver, with the parser preloaded, so a replacement starts in milliseconds). A document that overruns its
budget gets its worker killed and replaced, and the caller gets :class:`ParseTimeout` (not retriable: the worker
dead-letters the page, to be replayed with a larger budget); the next document parses as usual.
``ParseError`` raised in a worker comes back as itself.

- sync, for the CLI: ``BudgetedParser().parse(body, url=…, …)`` or ``parse_sync_with_budget(…)``;
- async, for the worker: ``await parser.parse_async(…)`` or ``await parse_with_budget(…)``, which waits
  in a thread so the event loop keeps running.

A call costs one round trip over a pipe (the body in, the pickled article out): well under a
millisecond for a typical page, next to the tens of milliseconds of the parse itself.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
from typing import Any

from wirewatch.core.budget import BudgetPool
from wirewatch.schemas.articles import ParsedArticle
from wirewatch.services.parser.errors import ParseError, ParseTimeout
from wirewatch.services.parser.pipeline import parse_page

DEFAULT_SECONDS = 10.0
_PRELOAD = ["wirewatch.services.parser.warmup"]
_Request = tuple[bytes, dict[str, Any]]


class BudgetedParser:
    """A pool of parser processes; every call is cut off after ``seconds``."""

    def __init__(self, *, seconds: float = DEFAULT_SECONDS, workers: int = 1, start_method: str = "forkserver") -> None:
        self.seconds = seconds
        self._pool: BudgetPool[_Request, ParsedArticle] = BudgetPool(
            _parse,
            overrun=_overrun,
            died=_died,
            preload=_PRELOAD,
            workers=workers,
            start_method=start_method,
        )

    def parse(self, body: bytes, *, seconds: float | None = None, **kwargs: Any) -> ParsedArticle:
        """``parse_page(body, **kwargs)`` in a worker; :class:`ParseTimeout` after the budget."""
        return self._pool.call((body, kwargs), self.seconds if seconds is None else seconds)

    async def parse_async(self, body: bytes, *, seconds: float | None = None, **kwargs: Any) -> ParsedArticle:
        """:meth:`parse` without blocking the event loop."""
        return await asyncio.to_thread(self.parse, body, seconds=seconds, **kwargs)

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> BudgetedParser:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _overrun(request: _Request, seconds: float) -> ParseTimeout:
    return ParseTimeout(f"parsing took longer than {seconds:g} s", url=request[1].get("url"))


def _died(request: _Request, error: BaseException) -> ParseError:
    return ParseError(f"the parser process died: {error!r}", url=request[1].get("url"))


_default: BudgetedParser | None = None
_default_lock = threading.Lock()


def default_parser() -> BudgetedParser:
    """A process-wide parser pool, started on first use and stopped at exit."""
    global _default
    with _default_lock:
        if _default is None:
            _default = BudgetedParser()
            atexit.register(_default.close)
        return _default


def parse_sync_with_budget(body: bytes, *, seconds: float | None = None, **kwargs: Any) -> ParsedArticle:
    """Parse with the default pool, blocking (for the CLI)."""
    return default_parser().parse(body, seconds=seconds, **kwargs)


async def parse_with_budget(body: bytes, *, seconds: float | None = None, **kwargs: Any) -> ParsedArticle:
    """Parse with the default pool, awaiting (for the asyncio worker)."""
    return await default_parser().parse_async(body, seconds=seconds, **kwargs)


def _parse(request: _Request) -> ParsedArticle:
    """In a worker: one page. A parser bug comes back as a ``ParseError`` naming it, not as itself."""
    body, kwargs = request
    try:
        return parse_page(body, **kwargs)
    except ParseError:
        raise
    except Exception as error:
        raise ParseError(f"parser bug: {type(error).__name__}: {error}", url=kwargs.get("url")) from error
