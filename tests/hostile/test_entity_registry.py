"""Hostile names in the entity registry (issue 14, item 4): what an article's entities can hold (any text a
page or a watchlist gave) is stored without refusing the article, and what an analyst types into
``wirewatch entities`` is a name, never a pattern."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import pytest
from elasticsearch import AsyncElasticsearch

from bench.messages import enriched
from wirewatch.core import entities
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas.articles import Entity
from wirewatch.services.indexer.handler import IndexHandler

pytestmark = [pytest.mark.integration]
HUGE = "Liwa (.*)+[ \\d{1,99999} " + "x" * 40_000 + " Front"


@pytest.fixture
async def es(initialised: CommonSettings) -> AsyncIterator[AsyncElasticsearch]:
    client = make_es(initialised, timeout=120)
    try:
        yield client
    finally:
        await client.close()


def handler(settings: CommonSettings, es: AsyncElasticsearch) -> IndexHandler:
    return IndexHandler(
        es,
        alias=settings.index_name("articles"),
        indexed_topic="unused",
        max_bytes=8 * 1024 * 1024,
        mentions_index=settings.index_name(entities.FAMILY),
    )


async def test_huge_and_metacharacter_names_and_thousands_of_entities_are_stored(
    initialised: CommonSettings, es: AsyncElasticsearch, caplog: pytest.LogCaptureFixture
) -> None:
    many = [Entity(name=f"Brigade {i}", type="ORG", count=1, aliases=["x" * 300] * 3) for i in range(2000)]
    odd = [
        Entity(name=HUGE, type="ORG", count=2, aliases=[HUGE + "s"], key=HUGE),
        Entity(name="*", type="PERSON", count=1),
        Entity(name="\x00\u202e\ufeff", type="LOC", count=1),
        Entity(name="Saraya al-Salam", type="ORG", count=3),
    ]
    # a watchlist id and a label of 40,000 characters (whatever the article index makes of them)
    ids = [Entity(name="Jaish al-Adl", type="ORG", count=1, label="x" * 40_000, external_id="Q" * 40_000)]
    started = time.monotonic()
    with caplog.at_level(logging.ERROR):
        results = await handler(initialised, es)([enriched(1, entities=[*odd, *many]), enriched(2, entities=ids)])
    assert time.monotonic() - started < 60
    assert results[0] != [] and not isinstance(results[0], Exception), "the article is written and announced"
    assert not [r for r in caplog.records if "entity registry" in r.getMessage()], "no registry document refused"
    index = initialised.index_name(entities.FAMILY)
    saraya = await entities.lookup(es, "Saraya al-Salam", index=index)
    assert saraya is not None and saraya.articles == 1 and len(saraya.co_occurring) == 10
    brigade = await entities.lookup(es, "brigade 1999", index=index)
    assert brigade is not None and brigade.name == "Brigade 1999"
    total = await es.count(index=index)
    assert total.body["count"] == 2005, "one document per key, the huge ones too"


async def test_what_an_analyst_types_is_a_name_never_a_pattern(
    initialised: CommonSettings, es: AsyncElasticsearch
) -> None:
    index = initialised.index_name(entities.FAMILY)
    await handler(initialised, es)([enriched(1, entities=[Entity(name="Kataib Hezbollah", type="ORG", count=1)])])
    for typed in (".*", "Kata*", "/kat.*/", "kataib~2", "(", "\\", "x" * 100_000, "Kataib Hezbollah OR *"):
        assert await entities.lookup(es, typed, index=index) is None, typed
    for typed in (".*", "(", "\\", "*", "x" * 100_000, "kataib~2", "Kataib Hezbollah OR *"):
        assert await entities.search(es, typed, index=index) == [], typed
    # metacharacters fold away like any punctuation: "Kata*" is the prefix "kata", never a wildcard
    for typed in ("Kata*", "/kat.*/", "KATA'IB"):
        assert [s.name for s in await entities.search(es, typed, index=index)] == ["Kataib Hezbollah"], typed
    assert [s.name for s in await entities.search(es, "KATAIB", "ORG", index=index)] == ["Kataib Hezbollah"]
