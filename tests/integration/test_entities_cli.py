"""``wirewatch entities list`` and ``entities show`` on the real server, over articles written by the
indexer's own handler; ``show`` names the watchlist that types an entity, before the shipped places."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bench.workers import worker_env
from tests.integration.test_entity_registry import corpus, handler_for, org
from wirewatch.cli import cli
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import EnrichedArticle

pytestmark = [pytest.mark.integration]


@pytest.fixture
async def indexed(initialised: CommonSettings) -> AsyncIterator[CommonSettings]:
    es = make_es(initialised)
    try:
        hostile = corpus()[0].model_copy(
            update={"id": "doc00009", "title": "[link=https://evil.example]click[/link]\x1b]8;;x\x07"}
        )
        hostile = EnrichedArticle.model_validate(
            {**hostile.model_dump(), "entities": [org("Northwire[/] [bold]Media\x1b[31m").model_dump()]}
        )
        await handler_for(initialised, es)([*corpus(), hostile])
    finally:
        await es.close()
    yield initialised


async def run(settings: CommonSettings, *args: str, **env: str) -> Result:
    environment = {k: v for k, v in worker_env(settings, **env).items() if k.startswith("WIREWATCH_")}
    return await asyncio.to_thread(CliRunner().invoke, cli, ["entities", *args], env=environment)


async def test_show_json_gives_the_type_why_and_counts(indexed: CommonSettings) -> None:
    done = await run(indexed, "show", "kata'ib HEZBOLLAH", "--json", "--no-lists")
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    entry = shown["registry"]
    assert shown["listed"] is None
    assert (entry["name"], entry["type"], entry["articles"]) == ("Kataib Hezbollah", "ORG", 5)
    assert entry["votes"] == {"ORG": 3} and entry["registry_votes"] == {"PERSON": 2}
    assert entry["reasons"]["registry"] == 2
    assert [d["day"] for d in entry["per_day"]] == ["2026-11-17", "2026-11-18"]
    assert {n["name"] for n in entry["co_occurring"]} == {"Baghdad", "Abu Fadak"}


async def test_show_table_and_list(indexed: CommonSettings) -> None:
    done = await run(indexed, "show", "Kataib Hezbollah", "--no-lists")
    assert done.exit_code == 0, done.output
    for text in ("type: org", "votes: org 3", "the registry's own, not counted: person 2", "mentions per day"):
        assert text in done.output
    assert "2026-11-17" in done.output and "Abu Fadak" in done.output and "Story number 1" in done.output
    listed = await run(indexed, "list", "--type", "org")
    assert listed.exit_code == 0, listed.output
    assert "Kataib Hezbollah" in listed.output and "Baghdad" not in listed.output
    as_json = await run(indexed, "list", "--query", "abu", "--json")
    assert [e["name"] for e in json.loads(as_json.stdout)] == ["Abu Fadak"]
    missing = await run(indexed, "show", "Nobody Anywhere", "--no-lists")
    assert missing.exit_code == 1 and "no entity named 'Nobody Anywhere'" in missing.output


async def test_names_from_articles_are_shown_as_written(indexed: CommonSettings) -> None:
    listed = await run(indexed, "list", "--query", "northwire", "--json")
    [found] = json.loads(listed.stdout)
    done = await run(indexed, "show", found["key"], "--no-lists")
    assert done.exit_code == 0, done.output
    assert "Northwire[/] [bold]Media" in done.output, "markup in a name is text, not markup"
    assert "\x1b" not in done.output and "[link=https://evil.example]click[/link]" in done.output


async def test_show_says_a_watchlist_types_it_before_the_places(indexed: CommonSettings, tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("- {name: Baghdad, type: LOC, id: Q1530, aliases: [Bagdad]}\n")
    done = await run(indexed, "show", "Baghdad", "--json", WIREWATCH_GAZETTEER_DIR=str(tmp_path))
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert shown["listed"] == {
        "list": "watchlist",
        "name": "Baghdad",
        "type": "LOC",
        "id": "Q1530",
        "aliases": ["Bagdad"],
    }
    assert shown["registry"]["key"] == "geonames:98182" and shown["registry"]["articles"] == 2
    places = await run(indexed, "show", "Baghdad", WIREWATCH_GAZETTEER_DIR=str(tmp_path / "none"))
    assert places.exit_code == 0, places.output
    assert "is in the places gazetteer as place (geonames:98182)" in places.output
