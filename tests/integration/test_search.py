"""``wirewatch search`` on the real server: each facet filter, date windows, sorting, highlights, the JSON
fields, and a query Elasticsearch cannot parse giving one clear line instead of a traceback."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bench.messages import enriched
from bench.workers import worker_env
from wirewatch.cli import cli
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.services.indexer.bulk import write

pytestmark = [pytest.mark.integration]

WITHDRAWAL = (
    "The coalition agreed a withdrawal timetable on Monday. The withdrawal of the remaining troops "
    "from Baghdad will be complete by September, officials said, and the withdrawal was welcomed."
)


def _articles() -> list[Any]:
    def at(day: int, hour: int = 12) -> datetime:
        return datetime(2026, 11, day, hour, 0, tzinfo=UTC)

    return [
        enriched(
            1,
            title="Coalition withdrawal timetable agreed",
            text=WITHDRAWAL,
            source="Northwire",
            language="en",
            published_at=at(16),
            persons=["Mohammed Shia al-Sudani"],
            organizations=["Kataib Hezbollah"],
            locations=["Baghdad"],
            authors=["Jane Roe"],
            entities=[
                {"name": "Mohammed Shia al-Sudani", "type": "PERSON", "count": 2},
                {"name": "Baghdad", "type": "LOC", "count": 1, "geo": {"lat": 33.3, "lon": 44.4}},
            ],
        ),
        enriched(
            2,
            title="Basra oil exports rise",
            text="Oil exports from Basra rose to a record in November.",
            source="Levant Ledger",
            language="en",
            published_at=at(18),
            persons=["Hayan Abdul Ghani"],
            organizations=["Basra Oil Company"],
            locations=["Basra"],
        ),
        enriched(
            3,
            title="Retrait de la coalition",
            text="La coalition prépare son retrait d'Erbil; « withdrawal » disent les Américains.",
            source="Gulf Times",
            language="fr",
            published_at=at(19),
            persons=[],
            organizations=["Kataib Hezbollah"],
            locations=["Erbil"],
        ),
        enriched(
            4,
            title="Sudani meets envoys",
            text="The prime minister spoke about the withdrawal briefly.",
            source="Northwire",
            language="en",
            published_at=at(20),
            persons=["Mohammed Shia al-Sudani"],
            organizations=[],
            locations=["Baghdad"],
        ),
    ]


@pytest.fixture
async def indexed(initialised: CommonSettings) -> AsyncIterator[CommonSettings]:
    es = make_es(initialised)
    try:
        outcome = await write(es, initialised.index_name("articles"), _articles(), max_bytes=10**6)
        assert len(outcome.written) == 4 and not outcome.rejected
    finally:
        await es.close()
    yield initialised


async def run(settings: CommonSettings, *args: str) -> Result:
    env = {k: v for k, v in worker_env(settings).items() if k.startswith("WIREWATCH_")}
    return await asyncio.to_thread(CliRunner().invoke, cli, ["search", *args], env=env)


async def ids(settings: CommonSettings, *args: str) -> list[str]:
    result = await run(settings, *args, "--json", "--limit", "50")
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)]


async def test_each_facet_filter_selects_exactly_its_articles(indexed: CommonSettings) -> None:
    s = indexed
    assert sorted(await ids(s, "--person", "mohammed shia al-sudani")) == ["doc00001", "doc00004"]  # any case
    assert sorted(await ids(s, "--org", "Kataib Hezbollah")) == ["doc00001", "doc00003"]
    assert await ids(s, "--place", "Basra") == ["doc00002"]
    assert sorted(await ids(s, "--source", "Northwire")) == ["doc00001", "doc00004"]
    assert await ids(s, "--lang", "fr") == ["doc00003"]
    # filters stack: every one must match
    assert await ids(s, "--org", "Kataib Hezbollah", "--place", "Baghdad") == ["doc00001"]
    assert await ids(s, "--person", "Nobody At All") == []


async def test_date_window_includes_the_whole_until_day(indexed: CommonSettings) -> None:
    s = indexed
    later = await ids(s, "--since", "2026-11-18T00:00:00+00:00")
    assert sorted(later) == ["doc00002", "doc00003", "doc00004"]
    assert sorted(await ids(s, "--until", "2026-11-18T00:00:00+00:00")) == ["doc00001"]
    window = await ids(s, "--since", "2026-11-18T00:00:00+00:00", "--until", "2026-11-19T23:59:59+00:00")
    assert sorted(window) == ["doc00002", "doc00003"]
    # a bare --until date means the end of that (local) day, so one date is a whole day (noon UTC on the 20th)
    assert await ids(s, "--since", "2026-11-20", "--until", "2026-11-20") == ["doc00004"]
    bad = await run(s, "--since", "2026-11-20", "--until", "2026-11-18")
    assert bad.exit_code != 0 and "is after --until" in bad.output


async def test_lucene_syntax_sorting_by_relevance_and_by_date(indexed: CommonSettings) -> None:
    s = indexed
    by_relevance = await ids(s, "withdrawal")
    assert set(by_relevance) == {"doc00001", "doc00003", "doc00004"}
    assert by_relevance[0] == "doc00001"  # in the title and three times in the text
    assert await ids(s, "withdrawal", "--sort", "date") == ["doc00004", "doc00003", "doc00001"]
    assert await ids(s, "--sort", "date") == ["doc00004", "doc00003", "doc00002", "doc00001"]
    assert await ids(s, 'organizations:"Kataib Hezbollah" AND NOT language:fr') == ["doc00001"]
    assert await ids(s, "title:(oil OR retrait)", "--sort", "date") == ["doc00003", "doc00002"]


async def test_json_rows_carry_the_fields_and_highlights(indexed: CommonSettings) -> None:
    result = await run(indexed, "withdrawal", "--json", "--limit", "1")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    wanted = {
        "id",
        "url",
        "title",
        "authors",
        "published_at",
        "source",
        "language",
        "text",
        "persons",
        "organizations",
        "locations",
        "entities",
        "highlights",
    }
    assert wanted <= set(row)
    assert row["id"] == "doc00001" and row["url"] == "https://news.example/1"
    assert row["authors"] == ["Jane Roe"] and row["source"] == "Northwire" and row["language"] == "en"
    assert row["published_at"].startswith("2026-11-16T12:00")
    assert row["persons"] == ["Mohammed Shia al-Sudani"] and row["locations"] == ["Baghdad"]
    assert {e["name"] for e in row["entities"]} == {"Mohammed Shia al-Sudani", "Baghdad"}
    assert row["text"] == WITHDRAWAL
    assert row["highlights"] and all("«withdrawal»" in fragment for fragment in row["highlights"])
    assert row["title_highlight"] == ["Coalition «withdrawal» timetable agreed"]


async def test_table_is_the_default_output(indexed: CommonSettings) -> None:
    result = await run(indexed, "oil", "--limit", "5")
    assert result.exit_code == 0, result.output
    assert "1 of 1 articles" in result.stdout and "Levant Ledger" in result.stdout
    assert "«oil»" in result.stdout


async def test_a_query_that_cannot_parse_is_one_clear_error(indexed: CommonSettings) -> None:
    """Refused before Elasticsearch sees it (wirewatch.core.query.validate_query), naming where it breaks."""
    result = await run(indexed, "title:(oil OR")
    assert result.exit_code == 2
    assert "'OR' needs a term after it (at column 12)" in result.output
    # and in a real process: a message on stderr, no traceback
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "wirewatch", "search", "text:[2026 TO"],
        env=worker_env(indexed),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "unbalanced range: this [ is never closed (at column 6)" in proc.stderr
