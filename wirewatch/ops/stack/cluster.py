"""A local cluster's nodes: the shape ``up`` recorded (how many brokers and Elasticsearch nodes), each node's
pid, RSS and role for ``status``, and the hooks a drill uses: which broker leads a topic's partitions, kill -9
one node, start it again.

Node i of ``WIREWATCH_STACK_BROKERS`` brokers serves on Kafka's port + i - 1 and its controller on the
controller port + i - 1; node i of ``WIREWATCH_STACK_ES_NODES`` on the HTTP and transport ports + i - 1.
Node 1 keeps the single node's files; node i's are ``kafka-i``, ``elasticsearch-i``, ``kafka-i.pid`` and so on
(:meth:`wirewatch.ops.stack.layout.Layout.for_node`).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

from aiokafka.errors import KafkaError

from wirewatch.core.settings import CommonSettings
from wirewatch.ops.stack import elasticsearch, kafka, security
from wirewatch.ops.stack.layout import Layout
from wirewatch.ops.stack.processes import StackError, log
from wirewatch.ops.stack.settings import StackSettings

PROC = Path("/proc")


# The shape ----------------------------------------------------------------------------------------------


def read_shape(layout: Layout) -> tuple[int, int] | None:
    """(brokers, Elasticsearch nodes) ``up`` started here; (1, 1) for a single node's older state dir."""
    try:
        shape = json.loads(layout.shape_file.read_text())
        return int(shape["brokers"]), int(shape["es_nodes"])
    except (OSError, ValueError, KeyError, TypeError):
        return (1, 1) if (layout.kafka_data / "meta.properties").is_file() else None


def claim_shape(layout: Layout, settings: StackSettings) -> None:
    """Record the shape, refusing another one on existing data: a broker formatted for a quorum of one
    does not join a quorum of three, and a node of one cluster does not join another."""
    wanted = (settings.stack_brokers, settings.stack_es_nodes)
    found = read_shape(layout)
    if found is not None and found != wanted:
        raise StackError(
            f"{layout.state} holds a stack of {found[0]} broker(s) and {found[1]} Elasticsearch node(s), not "
            f"{wanted[0]} and {wanted[1]}: `wirewatch stack down --purge` first, or use another WIREWATCH_STATE_DIR"
        )
    layout.shape_file.write_text(json.dumps({"brokers": wanted[0], "es_nodes": wanted[1]}) + "\n")


def recorded(layout: Layout, settings: StackSettings) -> StackSettings:
    """The settings with the recorded shape, so ``status`` and ``down`` see every node ``up`` started."""
    found = read_shape(layout)
    if found is None or found == (settings.stack_brokers, settings.stack_es_nodes):
        return settings
    return settings.model_copy(update={"stack_brokers": found[0], "stack_es_nodes": found[1]})


def unless_given(layout: Layout, settings: StackSettings) -> StackSettings:
    """For ``up``: the recorded shape when neither count was given (option or environment), so a plain
    ``wirewatch stack up`` restarts the cluster that is there; the given counts otherwise."""
    if {"stack_brokers", "stack_es_nodes"} & settings.model_fields_set:
        return settings
    return recorded(layout, settings)


def all_nodes(layout: Layout, settings: StackSettings) -> list[Layout]:
    return [layout.for_node(i) for i in range(1, max(settings.stack_brokers, settings.stack_es_nodes) + 1)]


def node_pids(layout: Layout, settings: StackSettings) -> dict[str, int | None]:
    """``kafka``, ``kafka-2``, …, ``elasticsearch``, ``elasticsearch-2``, … and their pids (None: not running)."""
    pids: dict[str, int | None] = {}
    for i in range(1, settings.stack_brokers + 1):
        pids[kafka.name(layout.for_node(i))] = kafka.pid(layout.for_node(i))
    for i in range(1, settings.stack_es_nodes + 1):
        pids[elasticsearch.name(layout.for_node(i))] = elasticsearch.pid(layout.for_node(i))
    return pids


# What status shows --------------------------------------------------------------------------------------


def rss(pid: int | None, proc: Path = PROC) -> str:
    """The resident set of a process, e.g. ``612M``; ``-`` when unknown."""
    if pid is None:
        return "-"
    try:
        for line in (proc / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return f"{int(line.split()[1]) // 1024}M"
    except (OSError, ValueError, IndexError):
        pass
    return "-"


def client_settings(settings: StackSettings, layout: Layout) -> CommonSettings:
    """A client of every local node."""
    client = settings.client(layout.tls_ca)
    return client.model_copy(update={"kafka_bootstrap": settings.kafka_servers, "es_url": settings.es_cluster_urls})


def leaders_by_node(settings: StackSettings, layout: Layout, timeout: float = 5.0) -> dict[int, int]:
    """Partitions of this installation's topics each broker leads; empty for one broker or when Kafka does
    not answer within ``timeout``."""
    if settings.stack_brokers == 1:
        return {}
    client = client_settings(settings, layout)
    try:
        leaders = asyncio.run(asyncio.wait_for(partition_leaders(client), timeout))
    except (KafkaError, TimeoutError, OSError):  # status shows what it can: a down broker is shown as such
        return {}
    return dict(Counter(leaders.values()))


def es_roles(settings: StackSettings, layout: Layout) -> dict[int, str]:
    """Node i → ``master`` (the elected one) or ``master-eligible``; every local node holds data too."""
    for i in range(settings.stack_es_nodes):
        _, body = security.NodeClient(settings, layout.tls_ca, node=i).get("/_cluster/state/master_node,nodes")
        nodes = body.get("nodes")
        if isinstance(nodes, dict):
            roles = {}
            for node_id, node in nodes.items():
                number = node_number(str(node.get("name", "")))
                elected = node_id == body.get("master_node")
                roles[number] = ("master" if elected else "master-eligible") + "+data"
            return roles
    return {}


def node_number(name: str) -> int:
    tail = name.rpartition("-")[2]
    return int(tail) if tail.isdigit() else 1


# Hooks for drills -------------------------------------------------------------------------------------


async def describe_topics(settings: CommonSettings, topic: str | None = None) -> list[dict[str, Any]]:
    """The metadata Kafka gives of one topic (full name) or of every topic of ``settings.topic_prefix``: each
    with its ``partitions`` (``leader``, ``replicas``, ``isr``)."""
    from aiokafka.admin import AIOKafkaAdminClient

    from wirewatch.core.kafka import client_options

    admin = AIOKafkaAdminClient(request_timeout_ms=10000, **client_options(settings))
    await admin.start()
    try:
        names = [topic] if topic else [t for t in await admin.list_topics() if t.startswith(settings.topic_prefix)]
        return list(await admin.describe_topics(names)) if names else []
    finally:
        await admin.close()


async def partition_leaders(settings: CommonSettings, topic: str | None = None) -> dict[tuple[str, int], int]:
    """(topic, partition) → the broker (node id) leading it, for one topic (full name) or every topic of
    ``settings.topic_prefix``."""
    return {
        (t["topic"], p["partition"]): p["leader"]
        for t in await describe_topics(settings, topic)
        if not t.get("error_code")
        for p in t.get("partitions", [])
        if p.get("leader", -1) >= 0
    }


async def busiest_leader(settings: CommonSettings, topic: str) -> int:
    """The broker leading the most partitions of ``topic`` (full name): the one whose loss hurts most."""
    counts = Counter((await partition_leaders(settings, topic)).values())
    if not counts:
        raise StackError(f"no partition of {topic} has a leader")
    return counts.most_common(1)[0][0]


def kill(layout: Layout, which: str, node: int) -> int:
    """kill -9 node ``node`` of ``kafka`` or ``elasticsearch``; returns its pid."""
    at = layout.for_node(node)
    pid = kafka.pid(at) if which == "kafka" else elasticsearch.pid(at)
    if pid is None:
        raise StackError(f"{which} node {node} is not running")
    log(f"kill -9 {which} node {node} (pid {pid})")
    os.kill(pid, signal.SIGKILL)
    return pid


def restart(settings: StackSettings, which: str, node: int) -> None:
    """Start node ``node`` of ``kafka`` or ``elasticsearch`` again and wait until it serves (and, for
    Elasticsearch, until the cluster has every node again)."""
    from wirewatch.ops.stack.control import child_env, javas

    found = javas(settings)
    at = Layout.of(settings).for_node(node)
    if which == "kafka":
        kafka.wait(at, settings, kafka.start(at, settings, found.kafka_java, child_env()))
    else:
        elasticsearch.wait(at, settings, elasticsearch.start(at, settings, found.es_java_home, child_env()))
