"""Worker subprocesses for the benchmark: start (several replicas of one worker if asked), scrape their
``/metrics``, sample memory and CPU with psutil, stop with SIGTERM.

Peak RSS of the worker process is the kernel's high-water mark (``VmHWM`` in ``/proc/<pid>/status``,
exact), maxed with psutil's periodic RSS samples. Some workers have helper processes (the parser's
forkserver pool that enforces its time budget): the *tree* peak is the largest sampled sum of RSS over the
process and all its descendants (an upper bound: pages shared after fork count once per process). CPU is
psutil's user + system time of the process and of every live descendant.
"""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psutil

from bench import workers
from bench.loadgen import free_port
from wirewatch.core.settings import CommonSettings

_SAMPLE = re.compile(r"^(wirewatch_[a-z_]+)\{([^}]*)\} ([0-9.eE+-]+)$")


def worker_env(settings: CommonSettings, extra: dict[str, str]) -> dict[str, str]:
    """:func:`bench.workers.worker_env`, logging warnings only (the benchmark reads metrics, not logs)."""
    return workers.worker_env(settings, **({"WIREWATCH_LOG_LEVEL": "warning"} | extra))


@dataclass
class Worker:
    """One running worker process."""

    name: str
    key: str
    proc: subprocess.Popen[bytes]
    port: int
    peak_rss: int = 0
    peak_tree_rss: int = 0
    cpu_at_mark: float = 0.0

    def _tree(self) -> list[psutil.Process]:
        main = psutil.Process(self.proc.pid)
        return [main, *main.children(recursive=True)]

    def cpu_seconds(self) -> float:
        total = 0.0
        try:
            for process in self._tree():
                try:
                    times = process.cpu_times()
                    total += times.user + times.system
                except psutil.Error:
                    continue
        except psutil.Error:
            return self.cpu_at_mark
        return total

    def sample_rss(self) -> None:
        try:
            tree = self._tree()
            rss = [p.memory_info().rss for p in tree]
        except psutil.Error:
            return
        # the largest single process of the tree (the extractor's model processes are its children)
        self.peak_rss = max(self.peak_rss, *rss, *(_vm_hwm(p.pid) for p in tree))
        self.peak_tree_rss = max(self.peak_tree_rss, sum(rss))


def _vm_hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


@dataclass
class WorkerPool:
    settings: CommonSettings
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    workers: dict[str, Worker] = field(default_factory=dict)
    retired: list[Worker] = field(default_factory=list)

    def start(self, name: str, *, replica: int = 0, env: dict[str, str] | None = None) -> Worker:
        key = name if replica == 0 else f"{name}#{replica + 1}"
        port = free_port()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{key.replace('#', '-')}.log").open("ab")
        extra = self.extra_env | (env or {}) | {"WIREWATCH_METRICS_PORT": str(port)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "wirewatch", "worker", name],
            env=worker_env(self.settings, extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        worker = self.workers[key] = Worker(name, key, proc, port)
        return worker

    def replicas(self, name: str) -> list[Worker]:
        return [w for w in self.workers.values() if w.name == name]

    def stop(self, key: str, timeout: float = 30.0) -> int:
        worker = self.workers.pop(key)
        worker.sample_rss()
        worker.cpu_at_mark = worker.cpu_seconds()
        worker.proc.send_signal(signal.SIGTERM)
        try:
            code = worker.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            worker.proc.kill()
            code = worker.proc.wait()
        self.retired.append(worker)
        return code

    def stop_all(self) -> dict[str, int]:
        return {key: self.stop(key) for key in list(self.workers)}

    def sample(self) -> None:
        for worker in self.workers.values():
            worker.sample_rss()

    def dead(self) -> list[str]:
        return [key for key, w in self.workers.items() if w.proc.poll() is not None]

    def peak_rss_mb(self, *, tree: bool = False) -> dict[str, float]:
        """Peak RSS per worker key over the run (running and stopped processes) of its largest process (the
        worker or one of its helper processes); ``tree``: of all its processes together."""
        peaks: dict[str, float] = {}
        for worker in [*self.retired, *self.workers.values()]:
            worker.sample_rss()
            value = worker.peak_tree_rss if tree else worker.peak_rss
            peaks[worker.key] = max(peaks.get(worker.key, 0.0), value / 2**20)
        return peaks

    def cpu_total(self) -> float:
        """CPU seconds of every worker process so far, stopped ones included."""
        return sum(w.cpu_at_mark for w in self.retired) + sum(w.cpu_seconds() for w in self.workers.values())

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of each running worker, by worker name (replicas summed)."""
        totals: dict[str, float] = {}
        for worker in self.workers.values():
            totals[worker.name] = totals.get(worker.name, 0.0) + worker.cpu_seconds()
        return totals

    async def ready(self, limit_s: float = 180.0) -> None:
        """Wait until every worker answers ``/readyz`` with 200 (its stage started)."""
        deadline = time.monotonic() + limit_s
        async with aiohttp.ClientSession() as session:
            pending = set(self.workers)
            while pending:
                if dead := self.dead():
                    raise RuntimeError(f"worker(s) exited: {dead}; see {self.log_dir}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"workers not ready after {limit_s:.0f}s: {sorted(pending)}")
                for key in list(pending):
                    if await _get_ok(session, f"http://127.0.0.1:{self.workers[key].port}/readyz"):
                        pending.discard(key)
                self.sample()
                await asyncio.sleep(0.5)

    async def counters(
        self, metric: str = "wirewatch_messages_in_total", *, only: str | None = None, by_key: bool = False
    ) -> dict[str, float]:
        """A counter summed by ``stage`` label over every running worker's ``/metrics`` (``only``: of
        that worker's replicas; ``by_key``: per replica instead of per stage)."""
        totals: dict[str, float] = {}
        for key, samples in (await self.scrape(only=only)).items():
            for (name, stage), value in samples.items():
                if name == metric:
                    target = key if by_key else stage
                    totals[target] = totals.get(target, 0.0) + value
        return totals

    async def scrape(self, *, only: str | None = None) -> dict[str, dict[tuple[str, str], float]]:
        """Every ``wirewatch_*`` sample with a ``stage`` label, per running worker key, as
        ``{(metric, stage): value}`` (summed over other labels). A worker that does not answer within
        5 s is left out (its key is missing)."""
        found: dict[str, dict[tuple[str, str], float]] = {}
        async with aiohttp.ClientSession() as session:
            for worker in list(self.workers.values()):
                if only is not None and worker.name != only:
                    continue
                try:
                    async with session.get(
                        f"http://127.0.0.1:{worker.port}/metrics", timeout=aiohttp.ClientTimeout(total=5)
                    ) as response:
                        text = await response.text()
                except (aiohttp.ClientError, TimeoutError):
                    continue
                samples: dict[tuple[str, str], float] = {}
                for name, labels, value in _samples(text):
                    if stage := labels.get("stage"):
                        samples[(name, stage)] = samples.get((name, stage), 0.0) + value
                found[worker.key] = samples
        return found


def _samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    found = []
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2)))
            found.append((match.group(1), labels, float(match.group(3))))
    return found


async def _get_ok(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False
