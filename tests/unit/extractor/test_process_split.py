"""The extractor's batch split over its live processes, and the backfill lane's processes of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.articles import parsed_article
from wirewatch.services.extractor.budget import BudgetedExtractor, Recipe, split_by_length
from wirewatch.services.extractor.settings import ExtractorSettings

STORY = "Prime Minister Mohammed Shia al-Sudani met the Kataib Hezbollah leadership in Baghdad."


def test_split_balances_text_length_and_keeps_every_article_once() -> None:
    lengths = [900, 100, 100, 100, 400, 300, 50, 50]
    articles = [parsed_article(str(i), "x" * n) for i, n in enumerate(lengths)]
    parts = split_by_length(articles, 2)
    assert sorted(i for part in parts for i in part) == list(range(len(articles)))
    assert all(part == sorted(part) for part in parts)
    loads = [sum(lengths[i] for i in part) for part in parts]
    assert max(loads) - min(loads) <= max(lengths[1:])  # no part waits on the other for more than one article


def test_split_never_makes_empty_parts() -> None:
    articles = [parsed_article("a", "text")]
    assert split_by_length(articles, 4) == [[0]]
    assert split_by_length([], 2) == []


def test_live_processes_default_to_the_cores_at_most_four(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIREWATCH_EXTRACTOR_PROCESSES", raising=False)
    cores = len(__import__("os").sched_getaffinity(0))
    assert ExtractorSettings().live_processes() == max(1, min(4, cores))
    monkeypatch.setenv("WIREWATCH_EXTRACTOR_PROCESSES", "3")
    assert ExtractorSettings().live_processes() == 3


@pytest.fixture(scope="module")
def two_and_one() -> Iterator[BudgetedExtractor]:
    recipe = Recipe("en_core_web_sm", geotag=False)
    with BudgetedExtractor(recipe, seconds_per_article=60.0, workers=2, backfill_workers=1, preload=False) as pool:
        yield pool


@pytest.mark.timeout(300)
async def test_a_batch_split_over_two_processes_comes_back_whole_and_in_order(two_and_one: BudgetedExtractor) -> None:
    batch = [parsed_article(f"a{i}", STORY + " Talks went on." * i) for i in range(5)]
    enriched = await two_and_one.enrich_async(batch)
    assert [a.id for a in enriched] == [a.id for a in batch]
    assert all("Mohammed Shia al-Sudani" in a.persons for a in enriched)


@pytest.mark.timeout(300)
async def test_the_backfill_lane_is_served_by_its_own_process(two_and_one: BudgetedExtractor) -> None:
    enriched = await two_and_one.enrich_async([parsed_article("b1", STORY), parsed_article("b2", STORY)], "backfill")
    assert [a.id for a in enriched] == ["b1", "b2"]
    assert all("Kataib Hezbollah" in a.organizations for a in enriched)


def test_the_backfill_processes_start_only_with_the_first_backfill_batch() -> None:
    recipe = Recipe("en_core_web_sm", geotag=False)
    with BudgetedExtractor(recipe, seconds_per_article=60.0, workers=1, backfill_workers=1, preload=False) as pool:
        assert pool._backfill_pool is None  # no backfill yet: no model process held for it
