"""The time budget: an overrunning page raises ParseTimeout, its worker is replaced, the next page parses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.unit.parser.conftest import FETCHED_AT, page_bytes
from wirewatch.services.parser.budget import BudgetedParser
from wirewatch.services.parser.errors import NotHtml, ParseTimeout

# a large page with thousands of paragraphs: far more than 0.2 s of work
SLOW_PAGE = (
    b"<html><body>"
    + b"".join(
        b'<div class="c%d"><p>Paragraph %d on the coalition, with commas, words, and more words.</p></div>' % (i % 7, i)
        for i in range(60_000)
    )
    + b"</body></html>"
)


@pytest.fixture(scope="module")
def budget() -> Iterator[BudgetedParser]:
    with BudgetedParser(seconds=5.0, workers=1) as parser:
        yield parser


def _kwargs(page_id: str) -> dict[str, object]:
    return {"url": "https://news.example/a", "page_id": page_id, "fetched_at": FETCHED_AT}


def test_parses_in_a_worker(budget: BudgetedParser) -> None:
    article = budget.parse(page_bytes("iraq_coalition.html"), **_kwargs("a"))
    assert article.id == "a" and "al-Sudani" in article.text


def test_parse_errors_come_back_as_themselves(budget: BudgetedParser) -> None:
    with pytest.raises(NotHtml, match="PDF") as caught:
        budget.parse(b"%PDF-1.4\n...", **_kwargs("pdf"))
    assert caught.value.url == "https://news.example/a"


def test_overrun_raises_parse_timeout_and_the_next_page_parses(budget: BudgetedParser) -> None:
    started = time.perf_counter()
    with pytest.raises(ParseTimeout) as caught:
        budget.parse(SLOW_PAGE, seconds=0.2, **_kwargs("slow"))
    assert caught.value.retriable is False
    assert time.perf_counter() - started < 3  # the caller got control back promptly
    article = budget.parse(page_bytes("militia_meta_tags.html"), **_kwargs("next"))
    assert article.id == "next" and "Kataib Hezbollah" in article.text


async def test_async_api_does_not_block_the_loop(budget: BudgetedParser) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    with pytest.raises(ParseTimeout):
        await budget.parse_async(SLOW_PAGE, seconds=0.3, **_kwargs("slow-async"))
    article = await budget.parse_async(page_bytes("time_element.html"), **_kwargs("async"))
    task.cancel()
    assert article.id == "async"
    assert ticks >= 10  # the loop kept running while the worker was busy


def test_overhead_per_call_is_small(budget: BudgetedParser) -> None:
    body = page_bytes("undated_brief.html")
    budget.parse(body, **_kwargs("warm"))
    from wirewatch.services.parser.pipeline import parse_page

    parse_page(body, **_kwargs("warm"))  # type: ignore[arg-type]
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        parse_page(body, url="https://news.example/a", page_id="d", fetched_at=datetime.now(UTC))
    direct = (time.perf_counter() - started) / rounds
    started = time.perf_counter()
    for _ in range(rounds):
        budget.parse(body, **_kwargs("b"))
    pooled = (time.perf_counter() - started) / rounds
    assert pooled - direct < 0.02, f"pool overhead {1000 * (pooled - direct):.1f} ms per call"
