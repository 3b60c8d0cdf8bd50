"""The lane gate: backfill batches wait for an idle live lane; live batches never wait for backfill."""

from __future__ import annotations

import asyncio

from wirewatch.core.lanes import LaneGate


async def test_backfill_waits_while_live_is_busy_and_live_never_waits() -> None:
    gate = LaneGate(quiet_s=0.05)
    order: list[str] = []

    async def live(tag: str, hold: float) -> None:
        async with gate.live():
            order.append(f"live {tag} start")
            await asyncio.sleep(hold)
            order.append(f"live {tag} end")

    async def backfill() -> None:
        async with gate.backfill():
            order.append("backfill")

    live_task = asyncio.create_task(live("a", 0.1))
    await asyncio.sleep(0.01)
    backfill_task = asyncio.create_task(backfill())
    await asyncio.sleep(0.03)
    assert "backfill" not in order  # live lane busy
    await live_task
    await asyncio.sleep(0.01)
    assert "backfill" not in order  # live lane not yet quiet for quiet_s
    await asyncio.wait_for(backfill_task, 1)
    assert order == ["live a start", "live a end", "backfill"]


async def test_live_enters_while_a_backfill_batch_runs() -> None:
    gate = LaneGate(quiet_s=0.0)
    async with gate.backfill():
        async with asyncio.timeout(0.5):
            async with gate.live():
                pass
