"""Parsing under a per-document time budget that cannot stall the caller.

Each document runs in a small pool of long-lived worker processes (forkserver, with the parser
preloaded, so a replacement starts in milliseconds). A document that overruns its budget gets its
worker killed and replaced, and the caller gets :class:`ParseTimeout` (not retriable: the worker
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
import multiprocessing
import queue
import threading
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

from wirewatch.schemas.articles import ParsedArticle
from wirewatch.services.parser.errors import ParseError, ParseTimeout
from wirewatch.services.parser.pipeline import parse_page

DEFAULT_SECONDS = 10.0
_PRELOAD = ["wirewatch.services.parser.warmup"]


class _Worker:
    """One child process serving parse requests over a pipe."""

    def __init__(self, context: BaseContext) -> None:
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(child,), daemon=True)  # type: ignore[attr-defined]
        self.process.start()
        child.close()

    def call(self, body: bytes, kwargs: dict[str, Any], seconds: float) -> ParsedArticle:
        self.conn.send((body, kwargs))
        if not self.conn.poll(seconds):
            raise ParseTimeout(f"parsing took longer than {seconds:g} s", url=kwargs.get("url"))
        status, payload = self.conn.recv()
        if status == "ok":
            return payload  # type: ignore[no-any-return]
        raise payload

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class BudgetedParser:
    """A pool of parser processes; every call is cut off after ``seconds``."""

    def __init__(self, *, seconds: float = DEFAULT_SECONDS, workers: int = 1, start_method: str = "forkserver") -> None:
        self.seconds = seconds
        self._context = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self._context.set_forkserver_preload(_PRELOAD)
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        for _ in range(workers):
            self._release(self._spawn())

    def parse(self, body: bytes, *, seconds: float | None = None, **kwargs: Any) -> ParsedArticle:
        """``parse_page(body, **kwargs)`` in a worker; :class:`ParseTimeout` after the budget."""
        worker = self._idle.get()
        try:
            article = worker.call(body, kwargs, self.seconds if seconds is None else seconds)
        except ParseTimeout:
            self._replace(worker)
            raise
        except (EOFError, OSError) as error:  # the worker died (OOM killer, segfault in libxml2 …)
            self._replace(worker)
            raise ParseError(f"the parser process died: {error!r}", url=kwargs.get("url")) from error
        except BaseException:
            self._release(worker)
            raise
        self._release(worker)
        return article

    async def parse_async(self, body: bytes, *, seconds: float | None = None, **kwargs: Any) -> ParsedArticle:
        """:meth:`parse` without blocking the event loop."""
        return await asyncio.to_thread(self.parse, body, seconds=seconds, **kwargs)

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, set()
        for worker in workers:
            worker.kill()

    def __enter__(self) -> BudgetedParser:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context)
        with self._lock:
            self._all.add(worker)
        return worker

    def _release(self, worker: _Worker) -> None:
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()
        self._release(self._spawn())


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


def _serve(conn: Connection) -> None:
    """The worker loop: parse each request, answer with the article or the error."""
    while True:
        try:
            body, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, object] = ("ok", parse_page(body, **kwargs))
        except ParseError as error:
            reply = ("error", error)
        except Exception as error:  # noqa: BLE001 - a parser bug must not kill the worker: report it, keep serving
            reply = (
                "error",
                ParseError(f"parser bug: {type(error).__name__}: {error}", url=kwargs.get("url")),
            )
        conn.send(reply)
