"""Alerts per story on the real broker and server (issue 16, item 2).

- Three copies of one story from three outlets: a per-story rule posts one ``story`` alert (the first copy),
  the later copies join its ledger entry, and at three sources one ``story_grew`` follow-up; a per-article rule
  with the same query posts three. Copies announced one by one, and copies announced in one batch.
- The whole topic replayed to a restarted alerter (group rewound): nothing posted twice, nothing new in the
  ledger, the story entry unchanged.
- The ledger's join under contention: concurrent joins of one story (replicas) and delivery updates of its
  entry (the dispatcher) all land; a join of copies already there writes nothing.

The articles go through the real indexer handler (``IndexHandler``): it clusters the copies into one story
(``story_id``, the STORIES part of issue 16) and announces them on ``articles.indexed``. Only the alerter runs
as a subprocess."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bench.broker import produce
from bench.messages import enriched
from bench.workers import Workers
from tests.integration.test_alerter import (
    FAST,
    SECRET,
    Hook,
    alerter_lag_zero,
    alerts_on_topic,
    dump_logs,
    ledger,
    put_rules,
    rewind_alerter_group,
)
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.rules import new_rule
from wirewatch.schemas import STAGES, Alert, IndexedBatch, keyed_alert_id
from wirewatch.services.alerter.ledger import Ledger
from wirewatch.services.alerter.stories import Members
from wirewatch.services.indexer.handler import IndexHandler

pytestmark = [pytest.mark.integration]
ALERTER = STAGES["alerter"]
OUTLETS = ["Herald", "Wire Service", "Gazette"]
#: two different events (each copy is the wire text under an outlet's own opening line)
TEXTS = {
    "talks": (
        "Negotiators from both delegations met in Geneva on Tuesday to resume the ceasefire talks that collapsed "
        "in the spring, according to officials familiar with the schedule.\n\n"
        "The mediators said the first session would focus on the exchange of prisoners and on opening two "
        "crossings for aid convoys, with a second round planned before the end of the month.\n\n"
        "Diplomats cautioned that the sides remain far apart on the withdrawal of heavy weapons from the "
        "frontline towns, which wrecked the previous round after three weeks of meetings."
    ),
    "harbour": (
        "A fire broke out overnight at the container terminal of the northern harbour, halting the loading of "
        "grain ships and forcing the evacuation of nearby warehouses, the port authority said.\n\n"
        "Firefighters brought the blaze under control by morning; the cause is being investigated and no one "
        "was hurt, although two cranes and a fuel depot were badly damaged by the flames.\n\n"
        "Shipping agents expect delays of at least a week for vessels waiting offshore, as the damaged berths "
        "handle most of the region's ceasefire relief cargo and its grain exports."
    ),
}


async def index_copies(settings: CommonSettings, numbers: Sequence[int], event: str) -> IndexedBatch:
    """Index copies of one event (article ``n`` from outlet ``n % 3``) with the real indexer handler, which
    gives them their story, and return its announcement."""
    alias = settings.index_name("articles")
    articles = [
        enriched(
            n,
            title=f"Ceasefire news from {OUTLETS[n % 3]}, {event}",
            text=f"{OUTLETS[n % 3]} correspondent reporting, story {n}.\n\n{TEXTS[event]}",
            source=OUTLETS[n % 3],
            url=f"https://o{n % 3}.example/{n}",
        )
        for n in numbers
    ]
    es = make_es(settings)
    try:
        handler = IndexHandler(
            es,
            alias=alias,
            indexed_topic=settings.topic_name(ALERTER.input),
            max_bytes=10_000_000,
            stories_index=settings.index_name("stories"),
        )
        results = await handler(articles)
        await es.indices.refresh(index=alias)
    finally:
        await es.close()
    [announcement] = [out for result in results for out in result]
    return IndexedBatch.from_bytes(announcement.value)


async def story_ids(settings: CommonSettings, numbers: Sequence[int]) -> set[str]:
    es = make_es(settings)
    try:
        found = await es.mget(
            index=settings.index_name("articles"), ids=[enriched(n).id for n in numbers], source_includes=["story_id"]
        )
    finally:
        await es.close()
    return {d["_source"]["story_id"] for d in found.body["docs"]}


async def announce(settings: CommonSettings, batch: IndexedBatch) -> None:
    await produce(settings, ALERTER.input, [batch], key=batch.batch_id)


def alerts(hook: Hook) -> list[dict[str, Any]]:
    """The distinct alerts a receiver got: a delivery retried after a slow answer (at least once, same
    ``webhook-id``) counts once, as a receiver deduplicating on that id counts it."""
    seen: dict[str, dict[str, Any]] = {}
    for attempt in hook.delivered:
        headers = {name.lower(): value for name, value in attempt.headers.items()}
        seen.setdefault(headers.get("webhook-id", ""), json.loads(attempt.body))
    return list(seen.values())


def kinds(hook: Hook) -> list[tuple[str, str | None]]:
    return sorted((p["kind"], p.get("story_id")) for p in alerts(hook))


async def test_three_copies_one_story_alert_one_follow_up_and_a_replay_repeats_nothing(
    initialised: CommonSettings, tmp_path: Path
) -> None:
    settings = initialised
    by_story, by_article = await Hook().start(), await Hook().start()
    story_rule = new_rule(
        "ceasefire", "title:ceasefire", webhooks=[by_story.url], secret=SECRET, per="story", grew_at_sources=3
    )
    article_rule = new_rule("ceasefire-each", "title:ceasefire", webhooks=[by_article.url], per="article")
    await put_rules(settings, story_rule, article_rule)
    workers = Workers(settings, tmp_path / "logs", extra_env=FAST)
    workers.start("alerter")
    batches: list[IndexedBatch] = []
    try:
        # the talks: copies arrive one by one, from three outlets
        for n in (1, 2, 3):
            batches.append(await index_copies(settings, [n], "talks"))
            await announce(settings, batches[-1])
            await eventually(lambda n=n: len(alerts(by_article)) >= n, timeout=30, every=0.1, what=f"copy {n}")
            await eventually(lambda: alerter_lag_zero(settings), timeout=30, what="the copy to be consumed")
        # the harbour fire: three copies announced in one batch
        batches.append(await index_copies(settings, [4, 5, 6], "harbour"))
        await announce(settings, batches[-1])
        await eventually(lambda: len(alerts(by_article)) >= 6, timeout=30, every=0.1, what="six article alerts")
        await eventually(lambda: len(alerts(by_story)) >= 4, timeout=30, every=0.1, what="the story alerts")
        await eventually(lambda: alerter_lag_zero(settings), timeout=30, what="the offsets to be committed")
        await asyncio.sleep(1.5)  # anything posted twice would have arrived by now
        # the indexer put each event's copies in one story of its own (the first copy's id)
        [s1], [s2] = await story_ids(settings, [1, 2, 3]), await story_ids(settings, [4, 5, 6])
        assert (s1, s2) == ("doc00001", "doc00004")
        assert kinds(by_story) == sorted([("story", s1), ("story", s2), ("story_grew", s1), ("story_grew", s2)])
        assert len(alerts(by_article)) == 6
        first = next(p for p in alerts(by_story) if p["kind"] == "story" and p["story_id"] == s1)
        assert first["alert_id"] == keyed_alert_id(story_rule.id, "story", s1)
        assert first["article_id"] == "doc00001" and first["sources"] == [OUTLETS[1]]
        grew = next(p for p in alerts(by_story) if p["kind"] == "story_grew" and p["story_id"] == s1)
        assert grew["alert_id"] == keyed_alert_id(story_rule.id, "story_grew", s1, "3")
        assert sorted(grew["sources"]) == sorted(OUTLETS)
        before = await ledger(settings, story_rule)
        entries = {(e["kind"], e["story_id"]): e for e in before}
        assert len(before) == 4
        assert entries[("story", s1)]["article_ids"] == ["doc00001", "doc00002", "doc00003"]
        assert entries[("story", s2)]["article_ids"] == ["doc00004", "doc00005", "doc00006"]

        # replay: the same announcements again, and the group rewound, to a restarted alerter
        assert workers.stop() == {"alerter": 0}
        for batch in batches:
            await announce(settings, batch)
        await rewind_alerter_group(settings)
        workers.start("alerter")
        await eventually(lambda: alerter_lag_zero(settings), timeout=30, what="the replay to be consumed")
        await asyncio.sleep(1.5)
        assert len(alerts(by_story)) == 4 and len(alerts(by_article)) == 6
        after = await ledger(settings, story_rule)
        strip = {"claimed_until", "published", "status", "attempts", "delivered_at", "last_error"}
        assert sorted(({k: v for k, v in e.items() if k not in strip} for e in after), key=str) == sorted(
            ({k: v for k, v in e.items() if k not in strip} for e in before), key=str
        )
        on_topic = [a for a in await alerts_on_topic(settings) if a.rule_id == story_rule.id]
        assert sorted(a.alert_id for a in on_topic) == sorted(e["alert_id"] for e in before)
    except BaseException:
        dump_logs(workers)
        raise
    finally:
        workers.stop()
        await by_story.stop()
        await by_article.stop()


def story(rule_id: str) -> Alert:
    from datetime import UTC, datetime

    return Alert(
        alert_id=keyed_alert_id(rule_id, "story", "race"),
        rule_id=rule_id,
        rule_name="race",
        kind="story",
        matched_at=datetime.now(UTC),
        article_id="c0",
        url="https://news.example/c0",
        story_id="race",
        article_ids=["c0"],
        sources=["outlet0"],
    )


async def test_concurrent_joins_and_delivery_updates_all_land(initialised: CommonSettings) -> None:
    es = make_es(initialised)
    try:
        ledger_ = Ledger(es, initialised.index_name("alerts"), claim_s=60)
        alert = story("r1")
        assert len((await ledger_.record([alert], {})).new) == 1

        async def replica(first: int) -> None:
            """One alerter's batches, one after another, each joining a copy of the story."""
            for n in range(first, 25, 4):
                await ledger_.join({alert.alert_id: Members([f"c{n}"], [f"outlet{n % 5}"])})

        updates = [ledger_.published([alert]), ledger_.finish([alert.alert_id], status="delivered", attempts=1)]
        await asyncio.gather(*(replica(first) for first in range(1, 5)), *updates)
        doc = (await es.get(index=initialised.index_name("alerts"), id=alert.alert_id)).body
        assert sorted(doc["_source"]["article_ids"]) == sorted(f"c{n}" for n in range(25))
        assert sorted(doc["_source"]["sources"]) == [f"outlet{n}" for n in range(5)]
        assert doc["_source"]["published"] and doc["_source"]["status"] == "delivered"
        # joining copies already there writes nothing (a replay)
        stored = await ledger_.join({alert.alert_id: Members(["c3", "c7"], ["outlet2"])})
        again = (await es.get(index=initialised.index_name("alerts"), id=alert.alert_id)).body
        assert again["_seq_no"] == doc["_seq_no"]
        assert len(stored[alert.alert_id].article_ids) == 25
    finally:
        await es.close()
