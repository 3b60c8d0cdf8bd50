"""The real extractor worker on the real broker obeys an edited watchlist without a restart, and the extractor's
registry memory reads the real entity registry (issue 14, items 4-5)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from elasticsearch import AsyncElasticsearch

from bench.broker import produce, read_all
from bench.messages import enriched
from bench.workers import Workers
from tests.support.articles import parsed_article
from tests.support.polling import eventually
from wirewatch.core import entities
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES, EnrichedArticle, ParsedArticle
from wirewatch.schemas.articles import Entity
from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.gazetteer import Gazetteer
from wirewatch.services.extractor.memory import RegistryMemory, registry_fetch
from wirewatch.services.extractor.models import load_pipeline
from wirewatch.services.indexer.handler import IndexHandler

STORY = "Residents said Dario Velez arrived in the capital on Tuesday with his family."


def _article(article_id: str) -> ParsedArticle:
    return parsed_article(article_id, STORY)


def _watchlist(type_: str) -> str:
    return f"precedence: always\nentries:\n  - name: Dario Velez\n    type: {type_}\n    id: test:velez\n"


async def _dario(settings: CommonSettings, topic: str, article_id: str) -> tuple[str, str, str | None]:
    async def enriched() -> EnrichedArticle | None:
        found = [EnrichedArticle.from_bytes(v) for v in await read_all(settings, topic)]
        return next((a for a in found if a.id == article_id), None)

    article = await eventually(enriched, timeout=300, what=f"{article_id} to be enriched")
    [entity] = [e for e in article.entities if e.name == "Dario Velez"]
    return entity.type, entity.why, entity.key


@pytest.mark.integration
@pytest.mark.timeout(600)
async def test_the_worker_reloads_an_edited_watchlist(initialised: CommonSettings, tmp_path: Path) -> None:
    settings = initialised
    stage = STAGES["extractor"]
    lists = tmp_path / "gazetteers"
    lists.mkdir()
    (lists / "people.yaml").write_text(_watchlist("ORG"), encoding="utf-8")
    workers = Workers(
        settings,
        tmp_path / "logs",
        extra_env={
            "WIREWATCH_NER_MODEL": "en_core_web_sm",
            "WIREWATCH_GAZETTEER_DIR": str(lists),
            "WIREWATCH_EXTRACTOR_WATCHLIST_POLL_S": "0.5",
            "WIREWATCH_EXTRACTOR_REGISTRY_REFRESH_S": "0",
        },
    )
    workers.start("extractor")
    try:
        await produce(settings, stage.input, [_article("before-edit")])
        assert await _dario(settings, stage.output, "before-edit") == ("ORG", "watchlist", "test:velez")
        (lists / "people.yaml").write_text(_watchlist("LOCATION"), encoding="utf-8")  # broken: no such type
        await asyncio.sleep(1.5)
        await produce(settings, stage.input, [_article("broken-edit")])
        assert await _dario(settings, stage.output, "broken-edit") == ("ORG", "watchlist", "test:velez")
        (lists / "people.yaml").write_text(_watchlist("LOC"), encoding="utf-8")
        await asyncio.sleep(1.5)
        await produce(settings, stage.input, [_article("after-edit")])
        assert await _dario(settings, stage.output, "after-edit") == ("LOC", "watchlist", "test:velez")
        assert workers.alive() == {"extractor": True}
    except AssertionError:
        print(f"--- extractor log ---\n{workers.log_tail('extractor', 60)}")
        raise
    finally:
        workers.stop()
    log = (tmp_path / "logs" / "extractor.log").read_text(errors="replace")
    assert "watchlists not reloaded, the previous lists stay in force" in log
    assert "people.yaml" in log


@pytest.fixture
async def es(initialised: CommonSettings) -> AsyncIterator[AsyncElasticsearch]:
    client = make_es(initialised)
    try:
        yield client
    finally:
        await client.close()


@pytest.mark.integration
@pytest.mark.timeout(300)
async def test_registry_memory_reads_the_real_registry(initialised: CommonSettings, es: AsyncElasticsearch) -> None:
    """Three articles typed a name one way; the next article where the model alone types it otherwise takes the
    registry's type, fetched with the synchronous client the worker uses; with Elasticsearch gone, it is kept."""
    extractor = EntityExtractor(load_pipeline("en_core_web_sm"), Gazetteer([]))
    sentence = "Witnesses said Orsolya Vantaggio addressed the crowd on Friday."
    [guess] = [e for e in extractor.extract_entities(sentence) if "Vantaggio" in e.name]
    assert guess.why == "model" and guess.key
    other = "ORG" if guess.type != "ORG" else "PERSON"
    typed = Entity.model_validate({"name": guess.name, "type": other, "why": "context", "key": guess.key, "count": 1})
    index = initialised.index_name(entities.FAMILY)
    handler = IndexHandler(
        es,
        alias=initialised.index_name("articles"),
        indexed_topic="unused",
        max_bytes=4 * 1024 * 1024,
        mentions_index=index,
    )
    await handler([enriched(n, entities=[typed]) for n in range(1, 4)])
    await es.indices.refresh(index=index)

    fetch = registry_fetch(initialised, min_articles=3, min_share=0.8, limit=100)
    memory = RegistryMemory(fetch, refresh_s=60)
    assert await asyncio.to_thread(memory.refresh)
    assert memory.snapshot == {guess.key: other}
    extractor.memory = memory
    [found] = [e for e in extractor.extract_entities(sentence) if "Vantaggio" in e.name]
    assert (found.type, found.why, found.key) == (other, "registry", guess.key)

    gone = RegistryMemory(
        registry_fetch(
            initialised.model_copy(update={"es_url": "http://127.0.0.1:9"}), min_articles=3, min_share=0.8, limit=100
        ),
        refresh_s=60,
        snapshot=memory.snapshot,
    )
    assert not await asyncio.to_thread(gone.refresh)
    assert gone.snapshot == {guess.key: other}
