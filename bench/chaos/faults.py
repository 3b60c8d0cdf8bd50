"""The faults a chaos drill inflicts: kill -9 of a worker, SIGSTOP of Elasticsearch, a Kafka restart; on a
local cluster, the node faults of :mod:`bench.chaos.cluster`.

Never point this at a stack other people use. The servers are found only through the pid files
``wirewatch stack up`` writes for ``WIREWATCH_STATE_DIR``, where its :class:`~wirewatch.ops.stack.layout.Layout`
puts them (Elasticsearch's may live under ``/var/lib/wirewatch/<hash>`` as root), each pid checked against the
command line ``wirewatch stack`` expects; the checkout's default state dir is refused (:class:`NotOwnStack`).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.chaos.cluster import CLUSTER_FAULTS, ClusterFaults
from bench.chaos.plan import ChaosParams
from bench.workers import Workers
from wirewatch.core.settings import REPO_ROOT, CommonSettings
from wirewatch.ops.stack import cluster, elasticsearch, kafka
from wirewatch.ops.stack.layout import Layout
from wirewatch.ops.stack.processes import StackError, alive, pid_matches, read_pid
from wirewatch.ops.stack.settings import StackSettings


class NotOwnStack(RuntimeError):
    """The stack cannot be identified as one this drill may freeze and restart."""


@dataclass
class OwnStack:
    """The Kafka and Elasticsearch ``wirewatch stack up`` runs for one state dir, found by its pid files; it
    adds up how long each was away."""

    settings: CommonSettings
    #: where ``wirewatch stack up`` put this state dir's files (pid files, Elasticsearch's temp dir)
    layout: Layout = field(repr=False)
    kafka_outage_s: float = 0.0
    es_frozen_s: float = 0.0
    #: the node faults of a stack of several brokers and Elasticsearch nodes; None for a single node
    cluster: ClusterFaults | None = field(default=None, repr=False)

    @property
    def state(self) -> Path:
        return Path(self.settings.state_dir).resolve()

    @classmethod
    def of(cls, settings: CommonSettings, layout: Layout | None = None) -> OwnStack:
        # the stack's own settings, as `wirewatch stack up` reads them, for the same state dir and servers
        common = {name: getattr(settings, name) for name in CommonSettings.model_fields}
        stack_settings = StackSettings(**common)
        layout = layout or Layout.of(stack_settings)
        stack = cls(settings, layout)
        if stack.state == (REPO_ROOT / ".wirewatch").resolve():
            raise NotOwnStack(
                f"{stack.state} is the checkout's shared stack; start your own with "
                "`wirewatch stack up` and another WIREWATCH_STATE_DIR and ports"
            )
        stack.kafka_pid()
        stack.es_pid()
        if cluster.read_shape(layout) not in (None, (1, 1)):
            try:
                stack.cluster = ClusterFaults.of(settings, stack_settings, layout)
            except StackError as exc:
                raise NotOwnStack(str(exc)) from exc
        return stack

    def _pid(self, pidfile: Path, needles: tuple[str, ...]) -> int:
        """The pid in ``pidfile``, checked as ``wirewatch stack`` checks it; never a process found otherwise."""
        pid = read_pid(pidfile)
        if pid is None or not alive(pid):
            raise NotOwnStack(f"no running server for {pidfile} (pid {pid})")
        if not pid_matches(pid, needles):
            raise NotOwnStack(f"pid {pid} in {pidfile} is not the server of {self.state}")
        return pid

    def kafka_pid(self) -> int:
        return self._pid(self.layout.kafka_pid_file, (kafka.needle(self.layout),))

    def es_pid(self) -> int:
        return self._pid(self.layout.es_pid_file, elasticsearch.needles(self.layout))

    async def freeze_es(self, seconds: float) -> None:
        """SIGSTOP Elasticsearch for ``seconds``; SIGCONT always follows, whatever happens meanwhile."""
        pid = self.es_pid()
        started = time.monotonic()
        os.kill(pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(seconds)
        finally:
            os.kill(pid, signal.SIGCONT)
            self.es_frozen_s += time.monotonic() - started

    async def restart_kafka(self, stop_timeout_s: float = 90.0) -> float:
        """SIGTERM the broker (a controlled shutdown), then ``wirewatch stack up``, which starts what is not
        running and waits until Kafka logs that it serves; returns the seconds Kafka was away."""
        pid = self.kafka_pid()
        started = time.monotonic()
        os.kill(pid, signal.SIGTERM)
        while os.path.exists(f"/proc/{pid}"):  # noqa: ASYNC240 — a cheap /proc stat
            if time.monotonic() - started > stop_timeout_s:
                os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(0.2)
        env = os.environ | {
            "WIREWATCH_KAFKA_BOOTSTRAP": self.settings.kafka_bootstrap,
            "WIREWATCH_ES_URL": self.settings.es_url,
            "WIREWATCH_STATE_DIR": str(self.layout.state),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "wirewatch",
            "stack",
            "up",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"wirewatch stack up failed after stopping Kafka:\n{out.decode()[-3000:]}")
        outage = time.monotonic() - started
        self.kafka_outage_s += outage
        return outage


async def inflict(fault: str, stack: OwnStack, workers: Workers, params: ChaosParams, rng: random.Random) -> None:
    """One fault of the plan (:func:`bench.chaos.plan.fault_plan`); a killed worker is started again after
    a seeded pause, as a supervisor would."""
    if fault.startswith("kill:"):
        name = fault.split(":", 1)[1]
        workers.kill(name)
        await asyncio.sleep(rng.uniform(*params.restart_after_s))
        workers.start(name)
    elif fault == "freeze-es":
        await stack.freeze_es(params.es_freeze_s)
    elif fault == "restart-kafka":
        await stack.restart_kafka()
    elif fault in CLUSTER_FAULTS:
        if stack.cluster is None:
            raise ValueError(f"{fault} needs a local cluster (`wirewatch stack up --brokers 3 --es-nodes 3`)")
        await stack.cluster.inflict(fault, down_s=params.node_down_s, stop_s=params.broker_stop_s)
    else:
        raise ValueError(f"unknown fault {fault!r}")
