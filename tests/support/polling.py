"""Waiting for an effect with a deadline: an end-to-end test publishes, then polls until it appears."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


async def eventually(
    check: Callable[[], Any], *, timeout: float = 60.0, every: float = 0.5, what: str = "condition"
) -> Any:
    """Poll an (async or sync) check until it returns something truthy, or fail with a deadline."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")
