"""Live traffic first: a worker serves its backfill lane only while the live lane is idle.

A live batch never waits for the backfill lane beyond the one backfill batch already running; a
backfill batch starts only after the live lane has been quiet for ``quiet_s``. Keep backfill batches
small so that the batch a live article may wait behind is short.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class LaneGate:
    def __init__(self, *, quiet_s: float = 0.1) -> None:
        self.quiet_s = quiet_s
        self._live_busy = 0
        self._live_last = 0.0
        self._backfill = asyncio.Lock()

    @asynccontextmanager
    async def live(self) -> AsyncIterator[None]:
        self._live_busy += 1
        try:
            yield
        finally:
            self._live_busy -= 1
            self._live_last = time.monotonic()

    @asynccontextmanager
    async def backfill(self) -> AsyncIterator[None]:
        async with self._backfill:
            # a deadline ("quiet for quiet_s"), not an event: polling a few times per quiet_s is enough
            while self._live_busy or time.monotonic() - self._live_last < self.quiet_s:  # noqa: ASYNC110
                await asyncio.sleep(self.quiet_s / 3)
            yield
