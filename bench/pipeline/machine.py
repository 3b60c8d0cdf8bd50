"""The machine while the pipeline bench runs: a snapshot of its conditions at a phase's end (cores, load, the
busiest processes, how much of the CPU something other than this run uses) and CPU use sampled every second."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable

import psutil


class MachineSampler:
    """Once a second: (time, CPU busy %, our CPU seconds so far), ours being ``ours()`` (the workers') plus
    this process's."""

    def __init__(self, ours: Callable[[], float]) -> None:
        self.ours = ours
        self.samples: list[tuple[float, float, float]] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._sample())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _sample(self) -> None:
        me = psutil.Process()
        psutil.cpu_percent(None)
        while True:
            await asyncio.sleep(1.0)
            mine = me.cpu_times()
            ours = self.ours() + mine.user + mine.system
            self.samples.append((time.time(), psutil.cpu_percent(None), ours))

    def during(self, start: float, end: float) -> dict[str, float]:
        """Average CPU use in a window, in cores: all processes, ours (workers + this process), others."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return {}
        cores = float(os.cpu_count() or 1)
        busy = sum(s[1] for s in inside[1:]) / (len(inside) - 1) / 100 * cores
        ours = (inside[-1][2] - inside[0][2]) / (inside[-1][0] - inside[0][0])
        return {"busy_cores": busy, "our_cores": ours, "other_cores": max(0.0, busy - ours), "cores": cores}


def conditions(phase: str, state_dir: str | None = None) -> dict[str, object]:
    """Machine conditions: cores, load average, CPU busy share and the busiest processes (0.5 s sample).

    ``other_busy_percent`` is the share of the machine busy with something other than this run: the CPU of
    this process and its children (the workers), and of the stack's Kafka and Elasticsearch (their command
    lines name ``state_dir``), is taken out, so an idle pipeline polling its feeds does not count as busy."""
    me = psutil.Process()
    mine = {me.pid, *(child.pid for child in me.children(recursive=True))}
    procs = list(psutil.process_iter(["name"]))
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.cpu_percent(None)
    busy = psutil.cpu_percent(interval=0.5)
    cores = os.cpu_count() or 1
    busiest: list[tuple[float, str]] = []
    others: list[tuple[float, str]] = []
    ours = 0.0
    for proc in procs:
        try:
            cpu, command = proc.cpu_percent(None), proc.cmdline()
        except psutil.Error:
            continue
        name = " ".join(command[:4])[:90] or proc.info["name"]
        busiest.append((cpu, name))
        if proc.pid in mine or (state_dir and any(state_dir in part for part in command)):
            ours += cpu / cores
        else:
            others.append((cpu, name))
    busiest.sort(reverse=True)
    others.sort(reverse=True)
    return {
        "phase": phase,
        "at": time.time(),
        "cores": cores,
        "loadavg": os.getloadavg(),
        "cpu_busy_percent": busy,
        "our_busy_percent": min(busy, ours),
        "other_busy_percent": max(0.0, busy - ours),
        "memory_available_mb": psutil.virtual_memory().available // 2**20,
        "busiest": [f"{cpu:.0f}% {name}" for cpu, name in busiest[:6]],
        "busiest_others": [f"{cpu:.0f}% {name}" for cpu, name in others[:6]],
    }
