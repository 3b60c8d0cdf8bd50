"""The faults of a chaos drill on a local cluster (``wirewatch stack up --brokers 3 --es-nodes 3``), and what
they cost: how long each node was away and how long until every partition and shard had all its replicas again.

- ``kill-broker``: kill -9 of the broker leading the most partitions of ``articles.enriched``, started again
  after a pause;
- ``kill-es-node``: kill -9 of the Elasticsearch node holding the most primaries of the article index, started
  again after a pause;
- ``stop-broker``: SIGSTOP of the broker leading the most partitions of ``articles.parsed``, for longer than
  the broker's session with the controllers (9 s) and the consumers' with their coordinator (10 s): to the
  others it is gone, then it comes back with a stale view, as after a network partition heals.

Nodes are found and checked as ``wirewatch stack`` finds them (:mod:`wirewatch.ops.stack.cluster`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.stack import cluster, kafka
from wirewatch.ops.stack.layout import Layout
from wirewatch.ops.stack.processes import StackError
from wirewatch.ops.stack.settings import StackSettings

CLUSTER_FAULTS = ("kill-broker", "kill-es-node", "stop-broker")


@dataclass(frozen=True)
class Recovery:
    """One node fault and how the cluster came back from it."""

    fault: str
    node: str  # e.g. ``kafka-2``, ``elasticsearch-1``
    away_s: float  # the fault → the node serving again
    replicated_s: float | None  # the fault → every partition and shard fully replicated again; None: not in time

    def line(self) -> str:
        replicated = f"{self.replicated_s:.1f} s after" if self.replicated_s is not None else "NOT in time after"
        return f"{self.fault} {self.node}: away {self.away_s:.1f} s, fully replicated again {replicated} the fault"


async def under_replicated(settings: CommonSettings) -> list[str]:
    """Partitions of this namespace's topics whose in-sync replicas are fewer than their replicas."""
    return [
        f"{t['topic']}/{p['partition']}"
        for t in await cluster.describe_topics(settings)
        for p in t.get("partitions", [])
        if len(p.get("isr", ())) < len(p.get("replicas", ())) or p.get("leader", -1) < 0
    ]


async def es_health(settings: CommonSettings) -> str:
    """The health (green, yellow, red) of this namespace's indices: green once every replica is assigned."""
    es = make_es(settings)
    try:
        health = await es.cluster.health(index=f"{settings.index_prefix}*", timeout="5s")
    finally:
        await es.close()
    return str(health.body["status"])


async def fully_replicated(settings: CommonSettings) -> bool | None:
    """Whether every partition and shard of this namespace has all its replicas; None when the cluster does not
    say (a node just lost, an election under way)."""
    try:
        return not await under_replicated(settings) and await es_health(settings) == "green"
    except Exception:
        return None


async def primaries_by_node(settings: CommonSettings, index: str) -> Counter[int]:
    """Node number → primaries of ``index`` it holds."""
    es = make_es(settings)
    try:
        rows: list[dict[str, Any]] = (await es.cat.shards(index=index, format="json")).body  # type: ignore[assignment]
    finally:
        await es.close()
    return Counter(
        cluster.node_number(str(row["node"])) for row in rows if row.get("prirep") == "p" and row.get("node")
    )


@dataclass
class ClusterFaults:
    """The nodes of one local cluster and the faults done to them, with their recoveries."""

    settings: CommonSettings  # the drill's client settings (its topic and index prefixes)
    stack: StackSettings
    layout: Layout
    replication_timeout_s: float = 300.0
    poll_s: float = 1.0

    def __post_init__(self) -> None:
        self.recoveries: list[Recovery] = []

    @classmethod
    def of(cls, settings: CommonSettings, stack: StackSettings, layout: Layout) -> ClusterFaults:
        """Refuses (StackError) a stack that is not a cluster of at least 3 brokers and 3 Elasticsearch nodes."""
        shape = cluster.read_shape(layout)
        if shape is None or shape[0] < 3 or shape[1] < 3:
            raise StackError(
                f"{layout.state} holds {shape or 'no'} (brokers, Elasticsearch nodes); a cluster drill needs "
                "`wirewatch stack up --brokers 3 --es-nodes 3`"
            )
        shaped = stack.model_copy(update={"stack_brokers": shape[0], "stack_es_nodes": shape[1]})
        missing = [name for name, pid in cluster.node_pids(layout, shaped).items() if pid is None]
        if missing:
            raise StackError(f"nodes not running: {missing}")
        return cls(settings, shaped, layout)

    async def inflict(self, fault: str, down_s: float, stop_s: float) -> Recovery:
        """``fault`` (one of :data:`CLUSTER_FAULTS`); a killed node is started again after ``down_s``, a stopped
        broker continued after ``stop_s``. Returns once the cluster is fully replicated again (or the timeout)."""
        which, node = await self._victim(fault)
        started = time.monotonic()
        back = asyncio.Event()
        watch = asyncio.create_task(self._replicated(started, back))
        try:
            if fault == "stop-broker":
                await self._stop(node, stop_s)
            else:
                await self._kill_and_restart(which, node, down_s)
        except BaseException:
            watch.cancel()
            raise
        away = time.monotonic() - started
        back.set()
        recovery = Recovery(fault, f"{which}-{node}", away, await watch)
        self.recoveries.append(recovery)
        return recovery

    async def _victim(self, fault: str) -> tuple[str, int]:
        """(kafka or elasticsearch, node number) the fault hits: the node whose loss hurts most."""
        if fault == "kill-broker":
            return "kafka", await cluster.busiest_leader(self.settings, self.settings.topic_name("articles.enriched"))
        if fault == "stop-broker":
            return "kafka", await cluster.busiest_leader(self.settings, self.settings.topic_name("articles.parsed"))
        if fault == "kill-es-node":
            primaries = await primaries_by_node(self.settings, self.settings.index_name("articles"))
            if not primaries:
                raise StackError("no primary of the article index is assigned")
            return "elasticsearch", primaries.most_common(1)[0][0]
        raise ValueError(f"unknown cluster fault {fault!r}")

    async def _kill_and_restart(self, which: str, node: int, down_s: float) -> None:
        cluster.kill(self.layout, which, node)
        await asyncio.sleep(down_s)
        await asyncio.to_thread(cluster.restart, self.stack, which, node)

    async def _stop(self, node: int, stop_s: float) -> None:
        """SIGSTOP, then SIGCONT whatever happens meanwhile."""
        pid = kafka.pid(self.layout.for_node(node))
        if pid is None:
            raise StackError(f"broker {node} is not running")
        os.kill(pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(stop_s)
        finally:
            os.kill(pid, signal.SIGCONT)

    async def _replicated(self, started: float, back: asyncio.Event) -> float | None:
        """Seconds from the fault until every partition and shard has all its replicas again: once the node is
        back, or before if the cluster was seen short of replicas and then whole without it (Elasticsearch
        re-creates a lost node's replicas on the others after a minute). None: not within the timeout."""
        short_seen = False
        while time.monotonic() < started + self.replication_timeout_s:
            whole = await fully_replicated(self.settings)
            if whole and (back.is_set() or short_seen):
                return time.monotonic() - started
            short_seen = short_seen or whole is False
            await asyncio.sleep(self.poll_s)
        return None
