"""Hostile articles for the extractor (issue 13, findings 1 and 2): spans that made the span cleaner's regex
backtrack exponentially, thousands of distinct names that made merging super-quadratic, texts and batches
that would run past any budget. Each case asserts the bounded outcome; time bounds are generous ceilings
that the old code blew through by orders of magnitude (minutes), never tight wall-clock asserts."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bench.broker import produce, read_all
from bench.extractor import as_model_span, dashes, names_page, roll_call
from bench.workers import Workers
from tests.support.articles import parsed_article
from tests.support.polling import eventually
from wirewatch.core.kafka import Outgoing
from wirewatch.core.runner import BatchRunner, Record
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES, DeadLetter, EnrichedArticle, ParsedArticle
from wirewatch.services.extractor.budget import BudgetedExtractor, Recipe
from wirewatch.services.extractor.entities import ExtractorOptions
from wirewatch.services.extractor.handler import ExtractHandler
from wirewatch.services.extractor.merging import build_entities
from wirewatch.services.extractor.spans import model_candidates


@pytest.mark.timeout(60)
@pytest.mark.parametrize("pairs", [31, 200, 5_000])
def test_a_name_trailed_by_dashes_is_cleaned_in_linear_time(pairs: int) -> None:
    """71 characters (31 pairs) took the old trailing-numbers regex 247 s, ×4 per extra pair."""
    text = dashes(pairs)
    started = time.perf_counter()
    found = model_candidates(as_model_span(text), text, {})
    seconds = time.perf_counter() - started
    assert seconds < 1.0, f"{len(text)} characters cleaned in {seconds:.1f} s"
    assert all(text[c.start : c.end].strip() for c in found)  # whatever is kept is a real piece of the span


@pytest.mark.timeout(60)
def test_the_other_span_patterns_stay_linear_on_long_runs() -> None:
    """Long runs of whitespace, dashes, junk and "and"s: every pattern of the span cleaner on them at once."""
    texts = [
        "Ali" + " " * 50_000 + "x",
        "Ali" + " \n " * 20_000 + "Omar",
        "Ali" + " and" * 20_000 + " Omar",
        "the " * 20_000 + "Omar's",
        "Omar" + "." * 50_000,
        "Omar" + " 1-" * 20_000 + " x",
    ]
    started = time.perf_counter()
    for text in texts:
        model_candidates(as_model_span(text), text, {})
    assert time.perf_counter() - started < 5.0


@pytest.mark.timeout(120)
def test_thousands_of_distinct_names_merge_in_near_linear_time() -> None:
    """8k names took the old merging 160 s (24 s at 4k): all-pairs short-form joining and propagation."""
    text, candidates = roll_call(8_000)
    started = time.perf_counter()
    entities = build_entities(text, candidates)
    seconds = time.perf_counter() - started
    assert seconds < 20, f"8,000 names merged in {seconds:.1f} s"
    assert len(entities) == 8_000 and {e.type for e in entities} == {"PERSON"}
    # the bare surname joined the one full name it ends: two mentions, one alias each
    assert all(e.count == 2 and len(e.aliases) == 1 and e.name.startswith("Ahmed ") for e in entities)


def _article(article_id: str, text: str, title: str | None = None) -> ParsedArticle:
    return parsed_article(article_id, text, title=title)


STORY = "Prime Minister Mohammed Shia al-Sudani met coalition commanders in Baghdad on Monday, officials said."


@pytest.mark.timeout(300)
def test_a_megabyte_of_names_is_capped_and_says_so() -> None:
    """The input side: ``articles.parsed`` accepts 4 MiB, the parser passes a page of 1 MB of names in a second.
    The extractor reads at most ``max_text_chars`` of it, keeps at most ``max_entities``, and says so."""
    from wirewatch.services.extractor.budget import extractor_for
    from wirewatch.services.extractor.enrichment import enrich

    options = ExtractorOptions(batch_size=8, max_text_chars=50_000, max_entities=300)
    extractor = extractor_for(Recipe("en_core_web_sm", options=options, geotag=False))
    started = time.perf_counter()
    [article] = enrich([_article("names", names_page(1_000_000), title="Ahmed " * 100_000)], extractor=extractor)
    seconds = time.perf_counter() - started
    assert seconds < 60, f"a 1 MB page of names took {seconds:.0f} s"
    # the title of one repeated name is also one model span far longer than any name: dropped
    assert article.ner_skipped_reason == "capped:entities,span_chars,text_chars,title_chars"
    assert len(article.entities) == 300 and len(article.persons) <= 300
    assert max(m.end for e in article.entities for m in e.mentions) <= 50_000


@pytest.fixture(scope="module")
def budgeted() -> Iterator[BudgetedExtractor]:
    """A pool whose budget is one second per article, text cap lifted so that a big page overruns it."""
    options = ExtractorOptions(batch_size=8, max_text_chars=2_000_000)
    with BudgetedExtractor(
        Recipe("en_core_web_sm", options=options, geotag=False), seconds_per_article=1.0, preload=False
    ) as extractor:
        extractor.warm_up()
        yield extractor


@pytest.mark.timeout(300)
async def test_an_article_over_its_budget_is_dead_lettered_and_the_rest_of_its_batch_enriched(
    budgeted: BudgetedExtractor,
) -> None:
    """The real runner and handler, a fake broker: [good, hostile, good] overruns the batch's budget, the runner
    retries article by article, only the hostile one is dead-lettered with ``extract_timeout``."""
    sent: list[Outgoing] = []

    async def send(messages: Sequence[Outgoing]) -> None:
        sent.extend(messages)

    runner: BatchRunner[ParsedArticle] = BatchRunner(
        stage="extractor",
        model=ParsedArticle,
        handler=ExtractHandler(budgeted, enriched_topic="enriched"),
        send=send,
        deadletter_topic="deadletters",
    )
    batch = [_article("good-1", STORY), _article("hostile", names_page(1_500_000)), _article("good-2", STORY)]
    records = [
        Record(value=a.to_bytes(), key=a.id.encode(), topic="parsed", partition=0, offset=i)
        for i, a in enumerate(batch)
    ]
    started = time.perf_counter()
    await runner.run(records)
    assert time.perf_counter() - started < 120  # 3 s for the batch, 1 s for the hostile one alone, warm-ups
    enriched = [EnrichedArticle.from_bytes(m.value) for m in sent if m.topic == "enriched"]
    assert [a.id for a in enriched] == ["good-1", "good-2"]
    assert all("Mohammed Shia al-Sudani" in a.persons for a in enriched)
    [letter] = [DeadLetter.from_bytes(m.value) for m in sent if m.topic == "deadletters"]
    assert (letter.stage, letter.error_class, letter.item_id) == ("extractor", "extract_timeout", "hostile")
    assert "longer than 1 s" in letter.reason
    # and the pool goes on with a fresh worker
    assert budgeted.enrich([_article("after", STORY)])[0].persons == ["Mohammed Shia al-Sudani"]


@pytest.mark.integration
@pytest.mark.timeout(600)
async def test_on_the_real_stack_a_hostile_article_is_dead_lettered_and_the_next_one_enriched(
    initialised: CommonSettings, tmp_path: Path
) -> None:
    """The real extractor worker on the real broker: a page of names far over the per-article budget (text cap
    lifted) is dead-lettered ``extract_timeout`` and the good article behind it reaches ``articles.enriched``."""
    settings = initialised
    stage = STAGES["extractor"]
    await produce(settings, stage.input, [_article("hostile", names_page(1_500_000)), _article("good", STORY)])
    workers = Workers(
        settings,
        tmp_path / "logs",
        extra_env={
            "WIREWATCH_NER_MODEL": "en_core_web_sm",
            "WIREWATCH_EXTRACTOR_BUDGET_S": "2",
            "WIREWATCH_EXTRACTOR_MAX_TEXT_CHARS": "2000000",
        },
    )
    workers.start("extractor")
    try:
        enriched = await eventually(
            lambda: read_all(settings, stage.output), timeout=300, what="the good article to be enriched"
        )
        letters = await eventually(
            lambda: read_all(settings, stage.deadletters), timeout=60, what="the hostile article's dead letter"
        )
    except AssertionError:
        print(f"--- extractor log ---\n{workers.log_tail('extractor', 60)}")
        raise
    finally:
        workers.stop()
    assert [EnrichedArticle.from_bytes(v).id for v in enriched] == ["good"]
    [letter] = [DeadLetter.from_bytes(v) for v in letters]
    assert (letter.stage, letter.error_class, letter.item_id) == ("extractor", "extract_timeout", "hostile")
    assert ParsedArticle.from_bytes(base64.b64decode(letter.payload_b64)).id == "hostile"  # replayable
