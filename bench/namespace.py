"""The benchmark's own corner of the shared stack: a unique topic/index prefix, initialised with
:func:`wirewatch.ops.stack.init`, its feeds and alert rule registered directly in Elasticsearch, and
everything dropped again at the end (indices, templates, topics, faust state). The workers' consumer
groups stay until the broker expires them (aiokafka's admin client cannot delete groups)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

from elasticsearch import AsyncElasticsearch

import bench.workers  # noqa: F401 — the run's key sealing the rules stored here (set on import)
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.feeds import FeedStore, new_feed
from wirewatch.core.stores.rules import RuleStore, new_rule
from wirewatch.ops.stack import drop_namespace


def bench_settings(state_root: Path) -> CommonSettings:
    """The environment's settings (Kafka, Elasticsearch) with a fresh ``wwbench<hex>`` prefix."""
    tag = uuid.uuid4().hex[:8]
    return CommonSettings().model_copy(
        update={
            "topic_prefix": f"wwbench{tag}.",
            "index_prefix": f"wwbench{tag}",
            "state_dir": state_root / f"state-{tag}",
            "poll_interval": 1.0,
        }
    )


async def register_feeds(
    es: AsyncElasticsearch, settings: CommonSettings, urls: Sequence[str], interval_s: float
) -> None:
    store = FeedStore(es, settings.index_name("feeds"))
    for number, url in enumerate(urls):
        await store.add(new_feed(url, name=f"bench feed {number}", interval_s=interval_s))


async def register_rule(es: AsyncElasticsearch, settings: CommonSettings, query: str, webhook: str) -> None:
    rules = RuleStore(es, settings.index_name("rules"))
    await rules.put(new_rule("bench-watch", query, webhooks=[webhook], secret="bench-secret"))


async def cleanup(settings: CommonSettings) -> None:
    """Drop the namespace (indices and templates, topics: :func:`wirewatch.ops.stack.drop_namespace`) and
    its faust state."""
    await drop_namespace(settings)
    shutil.rmtree(settings.state_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.namespace wwbench1234abcd …``: drop namespaces left by ``--keep`` or a crash."""
    import asyncio
    import sys

    out = Path(__file__).resolve().parent / "out"

    async def drop(prefix: str) -> None:
        settings = CommonSettings().model_copy(
            update={
                "topic_prefix": f"{prefix}.",
                "index_prefix": prefix,
                "state_dir": out / f"state-{prefix.removeprefix('wwbench')}",
            }
        )
        await cleanup(settings)

    prefixes = argv if argv is not None else sys.argv[1:]
    for prefix in prefixes:
        if not prefix.startswith("wwbench"):
            raise SystemExit(f"refusing to drop {prefix!r}: not a benchmark namespace (wwbench…)")
        asyncio.run(drop(prefix))
        print(f"dropped {prefix}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
