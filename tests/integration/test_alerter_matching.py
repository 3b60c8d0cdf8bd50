"""The alerter's matching on the real Elasticsearch (issue 13, findings 6 and 13).

- A batch of more than 10,000 searchable ids (``max_result_window``) alerts every article, with one rule and
  with enough rules to go through the prefilter; the old code searched with ``size = len(ids)``, the search
  failed, the rule was skipped and the offsets committed.
- An Elasticsearch failure mid-batch (the articles index closed under a running alerter worker) is retried:
  the offsets stay uncommitted, and once the index is back every alert arrives.
- A broken stored rule is searched at most once per version of the rule, not on every batch, while the
  other rules keep alerting.

The handler is the real one with a stub ledger, dispatcher and producer where the test is about matching;
searches are counted by wrapping the client's ``msearch``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch

from bench.workers import Workers
from tests.integration.test_alerter import FAST, alerter_lag_zero, announcement, index_articles, ledger, put_rules
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.rules import new_rule
from wirewatch.schemas import Alert, IndexedBatch, IndexedDoc, Rule
from wirewatch.services.alerter.handler import AlertHandler

pytestmark = [pytest.mark.integration]

FLOOD = 10_050  # over Elasticsearch's max_result_window of 10,000


@dataclass
class StubLedger:
    recorded: list[Alert] = field(default_factory=list)

    async def record(self, alerts: Sequence[Alert], destinations: dict[str, list[str]]) -> Any:
        from wirewatch.services.alerter.ledger import Recorded

        self.recorded += alerts
        return Recorded(new=list(alerts))

    async def unpublished(self, alerts: Sequence[Alert]) -> list[Alert]:
        return []

    async def published(self, alerts: Sequence[Alert]) -> None:
        return None


class StubDispatcher:
    def submit(self, alert: Alert, rule: Rule) -> None:
        return None


@dataclass
class StubRules:
    rules: list[Rule]

    async def enabled(self) -> list[Rule]:
        return self.rules


@dataclass
class Searches:
    """Wraps ``es.msearch`` and keeps every search body it sent."""

    es: AsyncElasticsearch
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def install(self) -> Searches:
        real = self.es.msearch

        async def spy(*, searches: list[dict[str, Any]], **kwargs: Any) -> Any:
            self.bodies += searches[1::2]
            return await real(searches=searches, **kwargs)

        self.es.msearch = spy  # type: ignore[method-assign]
        return self

    def naming(self, text: str) -> int:
        return sum(text in json.dumps(body) for body in self.bodies)


def handler_for(es: AsyncElasticsearch, settings: CommonSettings, rules: list[Rule], ledger: StubLedger) -> Any:
    async def publish(outgoing: Any) -> None:
        return None

    return AlertHandler(
        es,
        articles=settings.index_name("articles"),
        rules=StubRules(rules),  # type: ignore[arg-type]
        ledger=ledger,  # type: ignore[arg-type]
        dispatcher=StubDispatcher(),  # type: ignore[arg-type]
        alerts_topic=settings.topic_name("alerts"),
        publish=publish,
    )


async def flood(es: AsyncElasticsearch, settings: CommonSettings, count: int) -> list[str]:
    """``count`` tiny searchable articles, bulk-indexed (the smallest documents the strict mapping takes)."""
    ids = [f"flood{n:06d}" for n in range(count)]
    for start in range(0, count, 2500):
        ops: list[dict[str, Any]] = []
        for article_id in ids[start : start + 2500]:
            ops += [
                {"index": {"_index": settings.index_name("articles"), "_id": article_id}},
                {"id": article_id, "url": f"https://flood.example/{article_id}", "title": "River flood warning"},
            ]
        response = await es.bulk(operations=ops)
        assert not response.body["errors"], response.body["items"][:1]
    await es.indices.refresh(index=settings.index_name("articles"))
    return ids


def batches(ids: Sequence[str], per_batch: int = 500) -> list[IndexedBatch]:
    """The announcements the indexer would have written for ``ids`` (one batch of the alerter's input)."""
    now = datetime.now(UTC)
    return [
        IndexedBatch(
            index="articles",
            docs=[IndexedDoc(id=i, version=1, fetched_at=now) for i in ids[start : start + per_batch]],
            searchable_at=now,
        )
        for start in range(0, len(ids), per_batch)
    ]


@pytest.mark.parametrize("decoys", [0, 24], ids=["one-rule", "prefiltered"])
async def test_a_batch_over_ten_thousand_ids_alerts_every_article(initialised: CommonSettings, decoys: int) -> None:
    settings = initialised
    es = make_es(settings)
    try:
        ids = await flood(es, settings, FLOOD)
        rules = [new_rule("flood", "title:flood", webhooks=["https://hooks.example/f"])]
        rules += [
            new_rule(f"decoy{n}", f"title:nothing{n}", webhooks=["https://hooks.example/d"]) for n in range(decoys)
        ]
        ledger = StubLedger()
        await handler_for(es, settings, rules, ledger)(batches(ids))
    finally:
        await es.close()
    assert len(ledger.recorded) == FLOOD
    assert {a.article_id for a in ledger.recorded} == set(ids)
    assert {a.rule_name for a in ledger.recorded} == {"flood"}


async def test_a_broken_rule_is_searched_once_per_version_not_per_batch(
    initialised: CommonSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = initialised
    good = new_rule("good", "title:flood", webhooks=["https://hooks.example/g"])
    refused = new_rule("refused", "title:*lood", webhooks=["https://hooks.example/r"])  # the validator refuses it
    # one that passes the validator but not Elasticsearch's parser (here: with the validator switched off)
    unparsable = new_rule("unparsable", "title:(flood", webhooks=["https://hooks.example/u"])
    es = make_es(settings)
    try:
        ids = await flood(es, settings, 30)
        searches = Searches(es).install()
        ledger = StubLedger()
        handler = handler_for(es, settings, [good, refused], ledger)
        for n in range(3):
            await handler(batches(ids[n * 10 : n * 10 + 10]))
        assert searches.naming("*lood") == 0, "a rule the validator refuses must never be searched"
        assert len(ledger.recorded) == 30 and {a.rule_name for a in ledger.recorded} == {"good"}

        import wirewatch.services.alerter.matching as matching

        monkeypatch.setattr(matching, "validate_query", lambda query: query, raising=False)
        for rules in ([good, unparsable], [good, unparsable, *_decoys(24)]):
            searches.bodies.clear()
            ledger = StubLedger()
            handler = handler_for(es, settings, rules, ledger)
            for n in range(3):
                await handler(batches(ids[n * 10 : n * 10 + 10]))
            # first batch: its own search (plus, with many rules, the combined prefilter that found it); then none
            alone = [b for b in searches.bodies if "title:(flood" in json.dumps(b) and "_name" not in json.dumps(b)]
            assert len(alone) == 1, searches.bodies
            assert searches.naming("title:(flood") <= 2
            assert len(ledger.recorded) == 30 and {a.rule_name for a in ledger.recorded} == {"good"}
            # a new version of the rule is tried again
            fixed = unparsable.model_copy(update={"query": "title:(flood)"})
            handler.rules.rules = [good, fixed]
            searches.bodies.clear()
            await handler(batches(ids[:10]))
            assert searches.naming("title:(flood)") == 1
    finally:
        await es.close()


def _decoys(count: int) -> list[Rule]:
    return [new_rule(f"decoy{n}", f"title:nothing{n}", webhooks=["https://hooks.example/d"]) for n in range(count)]


async def test_an_elasticsearch_failure_mid_batch_is_retried_and_loses_nothing(
    initialised: CommonSettings, tmp_path: Path
) -> None:
    """The alerter worker on the real broker: the articles index is closed under it (every search fails),
    a batch arrives, nothing is committed; once the index is open again, every alert arrives."""
    from bench.broker import produce
    from wirewatch.schemas import STAGES

    settings = initialised
    rule = new_rule("outage", "title:outage", webhooks=["https://hooks.example/o"])
    await put_rules(settings, rule)
    await index_articles(settings, [1, 2, 3, 4], title="outage story")
    workers = Workers(settings, tmp_path / "logs", extra_env=FAST)
    workers.start("alerter")
    es = make_es(settings)
    try:
        alias = settings.index_name("articles")
        await produce(settings, STAGES["alerter"].input, [announcement(settings, [1])], key=alias)
        await eventually(lambda: _alerted(settings, rule, 1), timeout=90, what="the first alert (worker warmed up)")
        await eventually(lambda: alerter_lag_zero(settings), timeout=30, what="the first batch committed")

        [concrete] = (await es.indices.get_alias(name=alias)).body
        await es.indices.close(index=concrete)
        try:
            await produce(settings, STAGES["alerter"].input, [announcement(settings, [2, 3, 4])], key=alias)
            await asyncio.sleep(12)  # several retries, and well past the commit interval
            assert not await alerter_lag_zero(settings), "the offsets were committed while every search failed"
            assert await _alerted(settings, rule, 1)  # nothing more
        finally:
            await es.indices.open(index=concrete, wait_for_active_shards="1")
        await eventually(lambda: _alerted(settings, rule, 4), timeout=60, what="every alert once the index is back")
        await eventually(lambda: alerter_lag_zero(settings), timeout=30, what="the batch committed after the retry")
        assert "retriable failure" in workers.log_tail("alerter", 400)
    finally:
        await es.close()
        workers.stop()


async def _alerted(settings: CommonSettings, rule: Rule, count: int) -> bool:
    return len(await ledger(settings, rule)) == count
