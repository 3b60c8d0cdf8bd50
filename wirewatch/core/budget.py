"""Calls under a time budget that cannot stall the caller: the work runs in a worker process that is killed
and replaced when it overruns.

A :class:`BudgetPool` keeps a few long-lived worker processes (forkserver by default, with the modules named in
``preload`` imported once in the server, so a replacement starts in milliseconds with everything loaded and
its memory shared). :meth:`BudgetPool.call` sends one request to an idle worker and waits ``seconds`` for the
answer; past that, the worker is killed and replaced, and the caller gets the exception its ``overrun``
factory makes (each stage has its own, not retriable: the same input would overrun again). An exception the
target raises comes back as itself; a worker that dies (OOM killer, segfault) gives the ``died`` factory's.
With ``nice``, the workers run at a lower CPU priority (work that must yield the cores to other work, such as
a backfill lane). With ``warm_up``, each new worker runs that request first (loading what the forkserver did
not), and a call's budget starts only once its worker is warm, so a replacement's start-up never counts against
the next input.

A thread could not be stopped this way (a runaway regex holds it), a process can. The parser runs each page
through one (``services/parser/budget.py``), the extractor each batch of articles
(``services/extractor/budget.py``). A call costs one round trip over a pipe: the pickled request in, the
pickled result out.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import queue
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Generic, TypeVar

Q = TypeVar("Q")
R = TypeVar("R")


class _Worker:
    """One child process serving requests over a pipe."""

    def __init__(
        self, context: BaseContext, target: Callable[[object], object], warm_up: object | None, nice: int = 0
    ) -> None:
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(child, target, nice), daemon=True)  # type: ignore[attr-defined]
        self.process.start()
        child.close()
        self.warming = warm_up is not None
        if warm_up is not None:
            self.conn.send(warm_up)

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


_Reply = tuple[str, object]  # ("ok", result) or ("error", exception)


class BudgetPool(Generic[Q, R]):
    """Worker processes running ``target(request)``; every call is cut off after its budget.

    ``target`` must be a module-level function (it is pickled to the workers). ``overrun(request, seconds)``
    and ``died(request, error)`` make the exceptions raised for a call that overran or whose worker died.
    """

    def __init__(
        self,
        target: Callable[[Q], R],
        *,
        overrun: Callable[[Q, float], BaseException],
        died: Callable[[Q, BaseException], BaseException],
        preload: Sequence[str] = (),
        workers: int = 1,
        start_method: str = "forkserver",
        warm_up: Q | None = None,
        warm_up_s: float = 300.0,
        nice: int = 0,
    ) -> None:
        self.target = target
        self.nice = nice
        self.overrun = overrun
        self.died = died
        self.warm_up = warm_up
        self.warm_up_s = warm_up_s
        self._context = multiprocessing.get_context(start_method)
        if start_method == "forkserver" and preload:
            # one forkserver per process: the first pool to start it decides what it preloads, and a worker
            # loads anything else it needs itself on first use
            self._context.set_forkserver_preload(list(preload))
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        for _ in range(workers):
            self._idle.put(self._spawn())

    def call(self, request: Q, seconds: float) -> R:
        """``target(request)`` in a worker; the ``overrun`` exception after ``seconds``."""
        worker = self._idle.get()
        try:
            reply = self._ask(worker, request, seconds)
        except (EOFError, OSError) as error:  # the worker died (OOM killer, a segfault in a C extension …)
            self._replace(worker)
            raise self.died(request, error) from error
        except BaseException:
            self._idle.put(worker)
            raise
        if reply is None:
            self._replace(worker)
            raise self.overrun(request, seconds)
        self._idle.put(worker)
        status, payload = reply
        if status == "ok":
            return payload  # type: ignore[return-value]
        raise payload  # type: ignore[misc]

    async def call_async(self, request: Q, seconds: float) -> R:
        """:meth:`call` without blocking the event loop."""
        return await asyncio.to_thread(self.call, request, seconds)

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, set()
        for worker in workers:
            worker.kill()

    def __enter__(self) -> BudgetPool[Q, R]:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _ask(self, worker: _Worker, request: Q, seconds: float) -> _Reply | None:
        """The worker's reply, or ``None`` if it did not come within ``seconds``."""
        if worker.warming:  # its answer to the warm-up request first, within the warm-up's own deadline
            worker.warming = False
            warmed = _reply(worker, self.warm_up_s)
            if warmed is None or warmed[0] != "ok":
                return warmed
        worker.conn.send(request)
        return _reply(worker, seconds)

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self.target, self.warm_up, self.nice)  # type: ignore[arg-type]
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()
        self._idle.put(self._spawn())


def _reply(worker: _Worker, seconds: float) -> _Reply | None:
    if not worker.conn.poll(seconds):
        return None
    reply: _Reply = worker.conn.recv()
    return reply


def _serve(conn: Connection, target: Callable[[object], object], nice: int = 0) -> None:
    """The worker loop: run each request, answer with the result or the exception it raised. With ``nice``,
    the worker first lowers its own CPU priority by that much (no privilege needed to lower one's own)."""
    if nice > 0:
        os.nice(nice)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, object] = ("ok", target(request))
        except Exception as error:  # noqa: BLE001 - the caller decides what an error means: hand it back
            reply = ("error", error)
        try:
            conn.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError) as error:  # an answer that cannot travel
            conn.send(("error", RuntimeError(f"unpicklable reply ({type(error).__name__}): {reply[1]!r:.500}")))
