"""The budget pool's workers: calls run in parallel on several workers, and a pool can run at a lower priority."""

from __future__ import annotations

import asyncio
import os
import time

from wirewatch.core.budget import BudgetPool


def _slow_pid(seconds: float) -> tuple[int, int]:
    """In a worker: sleep, then say which process ran and at what niceness."""
    time.sleep(seconds)
    return os.getpid(), os.nice(0)


def _overrun(_request: float, seconds: float) -> TimeoutError:
    return TimeoutError(f"over {seconds}")


def _died(_request: float, error: BaseException) -> RuntimeError:
    return RuntimeError(str(error))


def _pool(workers: int, nice: int = 0) -> BudgetPool[float, tuple[int, int]]:
    return BudgetPool(_slow_pid, overrun=_overrun, died=_died, workers=workers, start_method="spawn", nice=nice)


async def test_two_workers_serve_two_calls_at_once() -> None:
    with _pool(2) as pool:
        await asyncio.gather(pool.call_async(0.0, 60), pool.call_async(0.0, 60))  # both started and warm
        started = time.perf_counter()
        answers = await asyncio.gather(pool.call_async(1.0, 60), pool.call_async(1.0, 60))
        elapsed = time.perf_counter() - started
    assert len({pid for pid, _ in answers}) == 2
    assert elapsed < 1.9, f"two 1 s calls on two workers took {elapsed:.2f} s: they ran one after the other"


def test_a_nice_pool_runs_its_workers_at_lower_priority() -> None:
    own = os.nice(0)
    with _pool(1) as plain, _pool(1, nice=5) as lowered:
        assert plain.call(0.0, 60)[1] == own
        assert lowered.call(0.0, 60)[1] == min(19, own + 5)
