"""The local stack: real Kafka (KRaft) and Elasticsearch started by ``deploy/stack.sh``, then initialised
from the registry (topics) and the index templates, and proven to work with a Kafka round trip."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from dataclasses import dataclass

from wirewatch.es import apply_templates, make_es
from wirewatch.kafka import ensure_topics, roundtrip
from wirewatch.settings import CommonSettings


class StackError(RuntimeError):
    """Kafka or Elasticsearch could not be started or initialised."""


def _script(*args: str, settings: CommonSettings) -> int:
    env = os.environ | {
        "WIREWATCH_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "WIREWATCH_ES_URL": settings.es_url,
        "WIREWATCH_STATE_DIR": str(settings.state_dir),
    }
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
