"""The local stack: real Kafka (KRaft) and Elasticsearch started by ``deploy/stack.sh``, then initialised
from the registry (topics) and the index templates, and proven to work with a Kafka round trip."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from dataclasses import dataclass

from wirewatch.core.es import apply_templates, make_es
from wirewatch.core.kafka import ensure_topics, roundtrip
from wirewatch.core.settings import CommonSettings


class StackError(RuntimeError):
    """Kafka or Elasticsearch could not be started or initialised."""


def _script(*args: str, settings: CommonSettings) -> int:
    env = os.environ | settings.location_env()
    # our own script with fixed arguments; bash from PATH as the Makefile uses it
    return subprocess.call(["bash", str(settings.deploy_dir / "stack.sh"), *args], env=env)  # noqa: S603, S607


@dataclass
class InitReport:
    topics_created: list[str]
    indices_created: list[str]
    kafka_roundtrip_s: float


async def init(settings: CommonSettings) -> InitReport:
    """Create topics and apply templates (both idempotent), then prove Kafka with a round trip."""
    topics = await ensure_topics(settings)
    es = make_es(settings)
    try:
        indices = await apply_templates(es, settings)
    finally:
        await es.close()
    started = time.monotonic()
    await roundtrip(settings, settings.topic_name("probe"))
    return InitReport(topics, indices, time.monotonic() - started)


def up(settings: CommonSettings) -> InitReport:
    if _script("up", settings=settings) != 0:
        raise StackError("the stack did not start (see the log tail above)")
    return asyncio.run(init(settings))


def down(settings: CommonSettings, *, purge: bool = False) -> None:
    if _script("down", *(["--purge"] if purge else []), settings=settings) != 0:
        raise StackError("the stack did not stop cleanly")


def status(settings: CommonSettings) -> int:
    return _script("status", settings=settings)


async def drop_namespace(settings: CommonSettings) -> None:
    """Delete one installation's (or test's, or benchmark's) indices, templates and topics: everything
    named with ``settings.index_prefix`` and ``settings.topic_prefix``."""
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
