"""The local stack: a real Kafka (KRaft) and Elasticsearch on this machine, without Docker, then initialised
from the registry (topics) and the index templates and proven to work with a Kafka round trip.

Modules, in the order ``up`` uses them: :mod:`.settings` (``StackSettings``), :mod:`.prereqs` (JDKs, Maven),
:mod:`.layout` (every path; where Elasticsearch's files go as root), :mod:`.fetch` (Maven downloads into the
cache), :mod:`.kafka` and :mod:`.elasticsearch` (configure, launch through ``deploy/*/start.sh``, wait),
:mod:`.security` (keystore, TLS, the node's HTTP client), :mod:`.processes` (pids, ports, stop, lock),
:mod:`.cluster` (a local cluster's nodes, their status, and kill/restart hooks for drills) and
:mod:`.control` (the commands). Errors: :class:`StackError` (in the tree of ``wirewatch.core.errors``, and a
``RuntimeError``), with the reason.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from wirewatch.core.settings import CommonSettings
from wirewatch.ops.stack.processes import StackError
from wirewatch.ops.stack.settings import StackSettings

__all__ = ["InitReport", "StackError", "StackSettings", "down", "drop_namespace", "init", "status", "up"]


@dataclass
class InitReport:
    topics_created: list[str]
    indices_created: list[str]
    kafka_roundtrip_s: float


async def init(settings: CommonSettings) -> InitReport:
    """Create topics and apply templates (both idempotent), then prove Kafka with a round trip."""
    from wirewatch.core.es import apply_templates, make_es
    from wirewatch.core.kafka import ensure_topics, roundtrip

    topics = await ensure_topics(settings)
    es = make_es(settings)
    try:
        indices = await apply_templates(es, settings)
    finally:
        await es.close()
    started = time.monotonic()
    await roundtrip(settings, settings.topic_name("probe"))
    return InitReport(topics, indices, time.monotonic() - started)


def up(settings: StackSettings) -> InitReport:
    """Start what is not running, wait until both are healthy, then :func:`init` as the stack's client.
    Without ``WIREWATCH_SECRET_KEY``, the state directory gets a key file (once) sealing stored secrets."""
    from wirewatch.core.secretbox import ensure_key_file
    from wirewatch.ops.stack import control
    from wirewatch.ops.stack.cluster import client_settings, unless_given
    from wirewatch.ops.stack.layout import Layout

    settings = unless_given(Layout.of(settings), settings)
    layout = control.up(settings)
    if settings.secret_key is None:
        ensure_key_file(settings.state_dir)
    client = settings.client(layout.tls_ca)
    if settings.stack_brokers > 1 or settings.stack_es_nodes > 1:
        client = client_settings(settings, layout)  # init sees (and replicates across) every node
    return asyncio.run(init(client))


def down(settings: StackSettings, *, purge: bool = False) -> None:
    from wirewatch.ops.stack import control

    control.down(settings, purge=purge)


def status(settings: StackSettings) -> int:
    from wirewatch.ops.stack import control

    return control.status(settings)


async def drop_namespace(settings: CommonSettings) -> None:
    """Delete one installation's (or test's, or benchmark's) indices, templates and topics: everything
    named with ``settings.index_prefix`` and ``settings.topic_prefix``."""
    from wirewatch.core.es import make_es
    from wirewatch.core.kafka import delete_topics
    from wirewatch.schemas import TOPICS

    es = make_es(settings)
    try:
        found = await es.indices.get(index=f"{settings.index_prefix}-*", allow_no_indices=True)
        if found.body:
            await es.indices.delete(index=",".join(found.body))
        await es.options(ignore_status=404).indices.delete_index_template(name=f"{settings.index_prefix}-*")
    finally:
        await es.close()
    await delete_topics(settings, [spec.full_name(settings.topic_prefix) for spec in TOPICS.values()])
