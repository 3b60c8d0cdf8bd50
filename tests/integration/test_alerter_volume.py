"""Volume rules on the real stack (issue 16, item 3), with the alerter running as a subprocess:

- a surge of 20 matching articles in 5 minutes after a quiet baseline → one spike alert (the baseline's
  articles are written with fetch times days old), and its replay → none;
- a new organisation → one first-seen alert, a second article naming it → none, a replay → none, an
  organisation the registry knew before → none;
- a flatline fires once for a silent feed and once for a query once its items stop, never while they arrive.

Articles (and their entity-registry documents, as the indexer writes them in the same bulk request) are
written straight into the test's indices and announced on ``articles.indexed``, so only the alerter runs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.broker import produce
from bench.messages import enriched
from bench.workers import Workers
from tests.integration.test_alerter import ALERTER, FAST, Hook, dump_logs, ledger, put_rules
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.rules import new_rule
from wirewatch.schemas import EnrichedArticle, FlatlineSpec, IndexedBatch, IndexedDoc, Rule, SpikeSpec
from wirewatch.schemas.articles import Entity
from wirewatch.services.indexer.documents import external_version, to_document
from wirewatch.services.indexer.mentions import mention_lines

pytestmark = [pytest.mark.integration]


async def write(settings: CommonSettings, articles: Sequence[EnrichedArticle]) -> None:
    """Articles and their registry documents, searchable, as the indexer leaves them."""
    ops: list[dict[str, Any]] = []
    for article in articles:
        ops += [{"index": {"_index": settings.index_name("articles"), "_id": article.id}}, to_document(article)]
    now = datetime.now(UTC)
    mentions = b"".join(
        line for a in articles for line in mention_lines(settings.index_name("entity-mentions"), a, [], now)
    )
    es = make_es(settings)
    try:
        response = await es.bulk(operations=ops, refresh="wait_for")
        assert not response.body["errors"], response.body["items"][:2]
        if mentions:
            response = await es.bulk(body=mentions, refresh="wait_for")  # type: ignore[arg-type]
            assert not response.body["errors"], response.body["items"][:2]
    finally:
        await es.close()


async def announce(settings: CommonSettings, articles: Sequence[EnrichedArticle], lane: str = "live") -> None:
    docs = [IndexedDoc(id=a.id, version=external_version(a), fetched_at=a.fetched_at) for a in articles]
    batch = IndexedBatch(index=settings.index_name("articles"), docs=docs, searchable_at=datetime.now(UTC), lane=lane)  # type: ignore[arg-type]
    await produce(settings, ALERTER.input, [batch], key=settings.index_name("articles"))


async def publish(settings: CommonSettings, articles: Sequence[EnrichedArticle]) -> None:
    await write(settings, articles)
    await announce(settings, articles)


async def kinds(settings: CommonSettings, rule: Rule) -> list[str]:
    return [entry["kind"] for entry in await ledger(settings, rule)]


async def settled(settings: CommonSettings, rule: Rule, count: int) -> list[dict[str, Any]] | None:
    entries = await ledger(settings, rule)
    return entries if len(entries) == count else None


def org(name: str) -> Entity:
    return Entity(name=name, type="ORG", count=1)


async def test_a_surge_after_a_quiet_baseline_fires_one_spike(initialised: CommonSettings, tmp_path: Path) -> None:
    settings = initialised
    hook = await Hook().start()
    spec = SpikeSpec(window_s=300, baseline_s=7 * 86400, factor=3, min_count=5)
    spike = new_rule("surge", "title:ceasefire", webhooks=[hook.url], kind="spike", spike=spec)
    await put_rules(settings, spike)
    now = datetime.now(UTC)
    # a quiet baseline: three matches over the last days
    quiet = [enriched(n, title="ceasefire talk", fetched_at=now - timedelta(days=n)) for n in (1, 2, 3)]
    await write(settings, quiet)
    workers = Workers(settings, tmp_path / "logs", extra_env=FAST)
    workers.start("alerter")
    try:
        surge = [enriched(100 + i, title="ceasefire broken", fetched_at=now + timedelta(seconds=i)) for i in range(20)]
        for start in range(0, 20, 5):  # four batches over the surge's seconds
            await publish(settings, surge[start : start + 5])
        [alert] = await eventually(lambda: settled(settings, spike, 1), timeout=30, what="the spike alert")
        assert alert["kind"] == "spike" and alert["count"] >= 5 and alert["baseline"] < 0.01
        await eventually(lambda: len(hook.delivered) == 1, timeout=30, what="the spike delivered")
        body = hook.payloads()[0]
        assert body["kind"] == "spike" and body["window_end"] and body["window_start"]
        # the rest of the surge and a replay of it: nothing more, and no article alerts for a spike rule
        await announce(settings, surge[:5])
        await announce(settings, surge)
        await asyncio.sleep(3)
        assert await kinds(settings, spike) == ["spike"]
        assert len(hook.delivered) == 1
    except BaseException:
        dump_logs(workers)
        raise
    finally:
        workers.stop()
        await hook.stop()


async def test_a_new_organisation_fires_once(initialised: CommonSettings, tmp_path: Path) -> None:
    settings = initialised
    hook = await Hook().start()
    firsts = new_rule("new orgs", "*", webhooks=[hook.url], kind="first_seen", entity_type="org")
    await put_rules(settings, firsts)
    now = datetime.now(UTC)
    # the registry knew Old Corp before (an article of last week, written but not announced now)
    await write(settings, [enriched(1, entities=[org("Old Corp")], fetched_at=now - timedelta(days=7))])
    workers = Workers(settings, tmp_path / "logs", extra_env=FAST)
    workers.start("alerter")
    try:
        first = enriched(2, entities=[org("Zephyr Holdings"), org("Old Corp")], fetched_at=now)
        await publish(settings, [first])
        [alert] = await eventually(lambda: settled(settings, firsts, 1), timeout=30, what="the first-seen alert")
        assert alert["kind"] == "first_seen" and alert["entity_name"] == "Zephyr Holdings"
        assert alert["entity_type"] == "org" and alert["article_id"] == first.id
        await eventually(lambda: len(hook.delivered) == 1, timeout=30, what="the first-seen delivered")
        # a second article naming it, and a replay of the first: nothing
        await publish(settings, [enriched(3, entities=[org("Zephyr Holdings")], fetched_at=now + timedelta(seconds=5))])
        await announce(settings, [first])
        await asyncio.sleep(3)
        assert len(await ledger(settings, firsts)) == 1
        assert len(hook.delivered) == 1
    except BaseException:
        dump_logs(workers)
        raise
    finally:
        workers.stop()
        await hook.stop()


async def test_a_flatline_fires_once_per_silence(initialised: CommonSettings, tmp_path: Path) -> None:
    settings = initialised
    hook = await Hook().start()
    window = 4.0
    by_query = new_rule(
        "heartbeat", "title:heartbeat", webhooks=[hook.url], kind="flatline", flatline=FlatlineSpec(window_s=window)
    )
    by_feed = new_rule(
        "silent feed", "*", webhooks=[hook.url], kind="flatline", flatline=FlatlineSpec(feed_id="f0", window_s=window)
    )
    await put_rules(settings, by_query, by_feed)
    workers = Workers(settings, tmp_path / "logs", extra_env=FAST)
    workers.start("alerter")
    try:
        # items every second for twice the window: the query rule stays quiet, the silent feed fires once
        for n in range(10):
            await publish(settings, [enriched(200 + n, title="heartbeat", fetched_at=datetime.now(UTC))])
            await asyncio.sleep(1)
        assert await ledger(settings, by_query) == []
        [feed_alert] = await eventually(lambda: settled(settings, by_feed, 1), timeout=10, what="the feed's flatline")
        assert feed_alert["kind"] == "flatline" and feed_alert["count"] == 0
        # the items stop: one flatline for the query, however long the silence lasts
        [alert] = await eventually(lambda: settled(settings, by_query, 1), timeout=30, what="the query's flatline")
        assert alert["kind"] == "flatline"
        await asyncio.sleep(2 * window)
        assert len(await ledger(settings, by_query)) == 1
        assert len(await ledger(settings, by_feed)) == 1
        await eventually(lambda: len(hook.delivered) == 2, timeout=30, what="both delivered")
    except BaseException:
        dump_logs(workers)
        raise
    finally:
        workers.stop()
        await hook.stop()
