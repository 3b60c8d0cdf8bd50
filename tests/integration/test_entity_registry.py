"""The entity registry on the real server: written by the indexer's own handler with the articles, read by
``wirewatch.core.entities``; replays count nothing twice, a re-fetch with other entities leaves no stale
counts, and a late replay of the older fetch cannot bring them back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch

from bench.messages import enriched
from wirewatch.core import entities
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import EnrichedArticle
from wirewatch.schemas.articles import Entity
from wirewatch.services.indexer.handler import IndexHandler

pytestmark = [pytest.mark.integration]
T0 = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def article(n: int, entities_: list[Entity], *, hours: int = 0, day: int = 18, **fields: Any) -> EnrichedArticle:
    published = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
    return enriched(
        n, fetched_at=T0 + timedelta(hours=hours, seconds=n), published_at=published, entities=entities_, **fields
    )


def org(name: str, why: str = "shape", count: int = 2, **fields: Any) -> Entity:
    return Entity.model_validate({"name": name, "type": "ORG", "why": why, "count": count, **fields})


def person(name: str, why: str = "model", count: int = 1) -> Entity:
    return Entity.model_validate({"name": name, "type": "PERSON", "why": why, "count": count})


def place(name: str, key: str) -> Entity:
    return Entity.model_validate(
        {"name": name, "type": "LOC", "why": "gazetteer", "key": key, "count": 1, "geo": {"lat": 33.3, "lon": 44.4}}
    )


@pytest.fixture
async def es(initialised: CommonSettings) -> AsyncIterator[AsyncElasticsearch]:
    client = make_es(initialised)
    try:
        yield client
    finally:
        await client.close()


def handler_for(settings: CommonSettings, es: AsyncElasticsearch) -> IndexHandler:
    return IndexHandler(
        es,
        alias=settings.index_name("articles"),
        indexed_topic="unused",
        max_bytes=4 * 1024 * 1024,
        mentions_index=settings.index_name(entities.FAMILY),
    )


def corpus() -> list[EnrichedArticle]:
    baghdad = place("Baghdad", "geonames:98182")
    return [
        article(1, [org("Kataib Hezbollah", count=3), baghdad, person("Abu Fadak")], day=17),
        article(2, [org("Kata'ib Hezbollah", why="context"), baghdad]),
        article(3, [org("Kataib Hezbollah", why="model"), person("Abu Fadak")]),
        # the registry retyped it: its vote never counts towards the registry's own type
        article(4, [Entity(name="Kataib Hezbollah", type="PERSON", why="registry", count=1)]),
        article(5, [person("Kataib Hezbollah", why="registry")]),
    ]


async def test_replays_count_nothing_twice(initialised: CommonSettings, es: AsyncElasticsearch) -> None:
    index = initialised.index_name(entities.FAMILY)
    handler = handler_for(initialised, es)
    await handler(corpus())
    first = await entities.lookup(es, "kataib hezbollah", index=index)
    assert first is not None
    await handler(corpus())  # the same messages again (a replay after a crash)
    await handler([a.model_copy(update={"lane": "backfill"}) for a in corpus()])  # and a backfill rerun
    entry = await entities.lookup(es, "KATA'IB HEZBOLLAH", index=index)
    assert entry is not None
    assert entry.to_json() == first.to_json()
    assert (entry.articles, entry.mentions) == (5, 3 + 2 + 2 + 1 + 1)
    assert entry.name == "Kataib Hezbollah" and "Kata'ib Hezbollah" in entry.aliases
    assert entry.type == "ORG" and entry.votes == {"ORG": 3} and entry.registry_votes == {"PERSON": 2}
    assert entry.reasons == {"registry": 2, "shape": 1, "context": 1, "model": 1}
    assert [(d.day, d.articles) for d in entry.per_day] == [("2026-11-17", 1), ("2026-11-18", 4)]
    assert entry.first_seen is not None and entry.first_seen.startswith("2026-11-17")
    neighbours = {n.name: (n.type, n.articles) for n in entry.co_occurring}
    assert neighbours == {"Baghdad": ("LOC", 2), "Abu Fadak": ("PERSON", 2)}
    assert {a.id for a in entry.latest} == {f"doc0000{i}" for i in range(1, 6)}
    baghdad = await entities.lookup(es, "Baghdad", index=index)
    assert baghdad is not None and baghdad.key == "geonames:98182" and baghdad.geo == {"lat": 33.3, "lon": 44.4}
    assert await entities.lookup(es, "Nobody at all", index=index) is None


async def test_a_refetch_with_other_entities_leaves_no_stale_counts(
    initialised: CommonSettings, es: AsyncElasticsearch
) -> None:
    index = initialised.index_name(entities.FAMILY)
    handler = handler_for(initialised, es)
    old = corpus()
    await handler(old)
    # article 3 fetched again an hour later: the extractor now finds Saraya al-Salam instead
    newer = article(3, [org("Saraya al-Salam", why="shape")], hours=1)
    await handler([newer])
    entry = await entities.lookup(es, "Kataib Hezbollah", index=index)
    assert entry is not None and entry.articles == 4 and entry.votes == {"ORG": 2}
    fadak = await entities.lookup(es, "Abu Fadak", index=index)
    assert fadak is not None and fadak.articles == 1
    # the older fetch replayed late (after the server forgot any delete): still not counted
    await handler([old[2]])
    await handler([old[2].model_copy(update={"lane": "backfill"})])
    again = await entities.lookup(es, "Kataib Hezbollah", index=index)
    assert again is not None and again.articles == 4
    saraya = await entities.lookup(es, "saraya al salam", index=index)
    assert saraya is not None and saraya.articles == 1 and saraya.latest[0].id == "doc00003"
    # the newer and the older copy in one batch: the newer wins whatever the order
    await handler([article(6, [org("Jaish al-Mahdi")], hours=2), article(6, [org("Liwa Abu al-Fadl")], hours=1)])
    assert await entities.lookup(es, "Liwa Abu al-Fadl", index=index) is None
    assert (await entities.lookup(es, "Jaish al-Mahdi", index=index)) is not None
    # an older fetch arriving after the newer one (another partition's replay): its own keys are not counted
    await handler([article(7, [org("Asa'ib Ahl al-Haq")], hours=2)])
    await handler([article(7, [org("Harakat Hezbollah al-Nujaba")], hours=1)])
    assert await entities.lookup(es, "Harakat Hezbollah al-Nujaba", index=index) is None


async def test_search_and_confident_types(initialised: CommonSettings, es: AsyncElasticsearch) -> None:
    index = initialised.index_name(entities.FAMILY)
    await handler_for(initialised, es)(corpus())
    found = await entities.search(es, "kata", index=index)
    assert [(s.name, s.type, s.articles) for s in found] == [("Kataib Hezbollah", "ORG", 5)]
    assert [s.name for s in await entities.search(es, "hezb", index=index)] == ["Kataib Hezbollah"]
    assert [s.name for s in await entities.search(es, None, "LOC", index=index)] == ["Baghdad"]
    assert await entities.search(es, "kata", "PERSON", index=index) == []
    everything = await entities.search(es, "", index=index)
    assert [s.name for s in everything] == ["Kataib Hezbollah", "Abu Fadak", "Baghdad"]
    confident = await entities.confident_types(es, min_articles=2, min_share=0.8, index=index)
    assert confident == {"kataib hezbollah": "ORG", "geonames:98182": "LOC", "abu fadak": "PERSON"}
    assert await entities.confident_types(es, min_articles=3, min_share=0.8, index=index) == {"kataib hezbollah": "ORG"}


async def test_no_registry_yet_is_no_entity(namespace: CommonSettings) -> None:
    client = make_es(namespace)
    try:
        index = namespace.index_name(entities.FAMILY)  # never created: nothing was initialised
        assert await entities.lookup(client, "Kataib Hezbollah", index=index) is None
        assert await entities.search(client, "kata", index=index) == []
    finally:
        await client.close()
