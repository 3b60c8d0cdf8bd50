"""Stories on the real server (issue 16, item 1): the indexer's handler clusters copies of one story from three
sources into one story with one story document, keeps a different event apart, changes nothing on a replay,
and a new handler instance (a restart, or another replica) still puts a later copy in the same story."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from elasticsearch import AsyncElasticsearch

from bench.messages import enriched
from bench.workers import worker_env
from tests.unit.core.test_stories import COPY, OTHER_EVENT, STORY
from wirewatch.cli import cli
from wirewatch.core.es import apply_templates, make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import EnrichedArticle
from wirewatch.services.indexer.handler import IndexHandler

pytestmark = [pytest.mark.integration]
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def article(n: int, text: str, source: str, minutes: int) -> EnrichedArticle:
    return enriched(n, text=text, source=source, fetched_at=AT + timedelta(minutes=minutes))


def handler(es: AsyncElasticsearch, settings: CommonSettings) -> IndexHandler:
    return IndexHandler(
        es,
        alias=settings.index_name("articles"),
        indexed_topic="unused",
        max_bytes=10_000_000,
        stories_index=settings.index_name("stories"),
    )


async def stories_of(es: AsyncElasticsearch, settings: CommonSettings) -> dict[str, str]:
    hits = await es.search(index=settings.index_name("articles"), size=100, source=["id", "story_id", "cluster_id"])
    found = {h["_source"]["id"]: h["_source"]["story_id"] for h in hits.body["hits"]["hits"]}
    assert all(h["_source"]["cluster_id"] == h["_source"]["story_id"] for h in hits.body["hits"]["hits"])
    return found


async def story_docs(es: AsyncElasticsearch, settings: CommonSettings) -> dict[str, dict[str, Any]]:
    await es.indices.refresh(index=settings.index_name("stories"))
    hits = await es.search(index=settings.index_name("stories"), size=100)
    return {h["_id"]: h["_source"] for h in hits.body["hits"]["hits"]}


async def test_copies_from_three_sources_make_one_story_replays_and_restarts_change_nothing(
    initialised: CommonSettings,
) -> None:
    settings = initialised
    es = make_es(settings)
    try:
        first = [
            article(1, STORY, "Northwire", 0),
            article(2, COPY, "Levant Ledger", 1),
            article(3, OTHER_EVENT, "Northwire", 2),
        ]
        await handler(es, settings)(first)
        await handler(es, settings)([article(4, COPY.replace("Wire", "Post"), "Tigris Post", 30)])
        expected = {"doc00001": "doc00001", "doc00002": "doc00001", "doc00003": "doc00003", "doc00004": "doc00001"}
        assert await stories_of(es, settings) == expected
        docs = await story_docs(es, settings)
        assert set(docs) == {"doc00001", "doc00003"}
        story = docs["doc00001"]
        assert sorted(story["sources"]) == ["Levant Ledger", "Northwire", "Tigris Post"] and story["source_count"] == 3
        assert story["article_ids"] == ["doc00001", "doc00002", "doc00004"] and story["article_count"] == 3
        assert story["headline"] == "Story number 1" and story["persons"] == ["Mohammed Shia al-Sudani"]
        assert story["first_seen"].startswith("2026-12-01T09:00") and story["last_seen"].startswith("2026-12-01T09:30")
        assert docs["doc00003"]["article_count"] == 1

        # a replay of the first batch, and the same copies in another order: nothing changes
        replay = handler(es, settings)
        await replay(first)
        await replay(list(reversed(first)))
        assert await stories_of(es, settings) == expected
        assert await story_docs(es, settings) == docs

        # a restart (a fresh handler, nothing in memory): a later copy from a fourth source still joins
        await handler(es, settings)([article(5, "Updated at 10:40\n\n" + STORY, "Gulf Times", 100)])
        assert (await stories_of(es, settings))["doc00005"] == "doc00001"
        grown = (await story_docs(es, settings))["doc00001"]
        assert grown["source_count"] == 4 and grown["article_count"] == 4
    finally:
        await es.close()


async def test_a_copy_outside_the_window_starts_a_new_story(initialised: CommonSettings) -> None:
    settings = initialised
    es = make_es(settings)
    try:
        await handler(es, settings)([article(1, STORY, "Northwire", 0)])
        await handler(es, settings)([article(2, COPY, "Levant Ledger", 60 * 24 * 5)])
        assert await stories_of(es, settings) == {"doc00001": "doc00001", "doc00002": "doc00002"}
    finally:
        await es.close()


async def test_two_replicas_indexing_copies_at_once_then_a_third_copy(initialised: CommonSettings) -> None:
    """Two handlers (replicas) write two copies at the same instant: one story, or two when neither saw the
    other's copy (see services/indexer/stories.py); either way a later copy joins the one it resembles most,
    and neither early copy moves."""
    settings = initialised
    es = make_es(settings)
    try:
        one, two = handler(es, settings), handler(es, settings)
        await asyncio.gather(one([article(1, STORY, "Northwire", 0)]), two([article(2, COPY, "Levant Ledger", 0)]))
        early = await stories_of(es, settings)
        assert set(early.values()) <= {"doc00001", "doc00002"}
        await handler(es, settings)([article(3, STORY, "Gulf Times", 5)])
        later = await stories_of(es, settings)
        assert later == early | {"doc00003": early["doc00001"]}  # its exact copy's story
    finally:
        await es.close()


async def test_stories_list_and_show(initialised: CommonSettings) -> None:
    settings = initialised
    es = make_es(settings)
    try:
        await handler(es, settings)(
            [article(1, STORY, "Northwire", 0), article(2, COPY, "Levant Ledger", 1), article(3, OTHER_EVENT, "X", 2)]
        )
        await es.indices.refresh(index=settings.index_name("stories"))  # written without a refresh of its own
    finally:
        await es.close()
    environment = {k: v for k, v in worker_env(settings).items() if k.startswith("WIREWATCH_")}

    def run(*args: str) -> Any:
        result = CliRunner().invoke(cli, ["stories", *args], env=environment)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    listed = await asyncio.to_thread(run, "list", "--min-sources", "2", "--json")
    assert [story["story_id"] for story in listed] == ["doc00001"]
    shown = await asyncio.to_thread(run, "show", "doc00001", "--json")
    assert [a["source"] for a in shown["articles"]] == ["Northwire", "Levant Ledger"]
    missing = await asyncio.to_thread(CliRunner().invoke, cli, ["stories", "show", "nope"], env=environment)
    assert missing.exit_code == 1 and "no story 'nope'" in missing.output


async def test_an_older_live_article_index_gains_the_story_fields_at_stack_init(initialised: CommonSettings) -> None:
    """An installation whose articles index predates stories (strict mapping, no story_id): ``stack init``
    (``apply_templates``) maps the new fields on its write index, so the new indexer's documents are accepted
    without waiting for a migration."""
    settings = initialised
    alias = settings.index_name("articles")
    es = make_es(settings)
    try:
        template = (await es.indices.get_index_template(name=alias)).body["index_templates"][0]["index_template"]
        for field in ("story_id", "story_keys"):
            del template["template"]["mappings"]["properties"][field]
        kept = {key: template[key] for key in ("index_patterns", "template", "priority") if key in template}
        await es.indices.put_index_template(name=alias, **kept)
        [current] = (await es.indices.get_alias(name=alias)).body
        await es.indices.delete(index=current)
        await es.indices.create(index=current, aliases={alias: {"is_write_index": True}})
        assert "story_id" not in (await es.indices.get_mapping(index=current)).body[current]["mappings"]["properties"]

        assert await apply_templates(es, settings) == []
        properties = (await es.indices.get_mapping(index=current)).body[current]["mappings"]["properties"]
        assert properties["story_id"] == {"type": "keyword"} and properties["story_keys"]["type"] == "keyword"
        results = await handler(es, settings)([article(1, STORY, "Northwire", 0), article(2, COPY, "Gazette", 1)])
        assert all(isinstance(result, list) for result in results)  # written, none refused
        assert await stories_of(es, settings) == {"doc00001": "doc00001", "doc00002": "doc00001"}
    finally:
        await es.close()
