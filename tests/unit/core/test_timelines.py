"""Every stage copies the article's timeline forward and adds its own stamp (issue 19, item 1); the hops that
end at a stage are observed in ``wirewatch_hop_seconds`` there. The handlers run for real, with stand-ins for
the network, the model's process and Elasticsearch."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from prometheus_client import REGISTRY

from bench.messages import enriched
from wirewatch.core import metrics
from wirewatch.core.kafka import Outgoing
from wirewatch.schemas import (
    Alert,
    EnrichedArticle,
    FeedItem,
    FetchedPage,
    IndexedBatch,
    IndexedDoc,
    ParsedArticle,
    Timeline,
)
from wirewatch.services.alerter.handler import observe_alerted
from wirewatch.services.extractor.budget import BudgetedExtractor
from wirewatch.services.extractor.handler import ExtractHandler
from wirewatch.services.fetcher.errors import HTTPStatusError
from wirewatch.services.fetcher.http import FetchResult, SafeFetcher
from wirewatch.services.fetcher.ingest import PageIngest, Source
from wirewatch.services.fetcher.politeness import Politeness
from wirewatch.services.fetcher.store import KnownUrls
from wirewatch.services.indexer.handler import IndexHandler
from wirewatch.services.parser.handler import ParseHandler

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PAGE = b"""<html><head><title>Flood closes the river road</title></head><body><article><h1>Flood closes the
river road</h1><p>The river rose overnight and the council closed the road along it until the water falls.</p>
<p>Residents were told to avoid the area and to follow the council's advice on the radio and online.</p>
</article></body></html>"""


def hop_count(hop: str) -> float:
    return REGISTRY.get_sample_value("wirewatch_hop_seconds_count", {"hop": hop}) or 0.0


def hop_sum(hop: str) -> float:
    return REGISTRY.get_sample_value("wirewatch_hop_seconds_sum", {"hop": hop}) or 0.0


# --- the model -------------------------------------------------------------------------------------------------


def test_a_message_without_a_timeline_still_validates_and_gets_an_empty_one() -> None:
    raw = enriched(1).model_dump(mode="json")
    del raw["timeline"]
    article = EnrichedArticle.model_validate(raw)
    assert article.timeline == Timeline()
    assert IndexedDoc.model_validate({"id": "a", "version": 1, "fetched_at": T0.isoformat()}).timeline == Timeline()


def test_hops_ending_at_a_stamp_need_both_ends() -> None:
    timeline = Timeline(appeared=T0, fetched=T0 + timedelta(seconds=0.5), searchable=T0 + timedelta(seconds=2))
    assert timeline.hops_ending("fetched") == {"appeared_fetched": 0.5}
    # indexed is missing: only the end-to-end hop ends at searchable here
    assert timeline.hops_ending("searchable") == {"appeared_searchable": 2.0}


def test_an_observed_hop_lands_in_its_histogram_and_the_backfill_lane_does_not() -> None:
    before, total = hop_count("parsed_extracted"), hop_sum("parsed_extracted")
    timeline = Timeline(parsed=T0, extracted=T0 + timedelta(seconds=0.25))
    metrics.observe_hops(timeline, "extracted")
    assert hop_count("parsed_extracted") == before + 1
    assert abs(hop_sum("parsed_extracted") - total - 0.25) < 1e-9
    metrics.observe_hops(timeline, "extracted", "backfill")
    assert hop_count("parsed_extracted") == before + 1


# --- the fetcher: appeared (first seen, kept over a retry) and fetched ----------------------------------------


class FlakyNetwork:
    """Fails the first page fetch with a retriable 503, then answers."""

    def __init__(self) -> None:
        self.calls = 0

    async def fetch(self, url: str, **_: Any) -> FetchResult:
        self.calls += 1
        if self.calls == 1:
            raise HTTPStatusError("HTTP 503", url=url, status=503)
        return FetchResult(
            status=200,
            url=url,
            final_url=url,
            headers={},
            body=PAGE,
            charset="utf-8",
            content_type="text/html",
            permanent_redirect=None,
            not_modified=False,
            elapsed_s=0.01,
            retry_after_s=None,
        )


class Gate:
    @asynccontextmanager
    async def slot(self, _url: str, *, check_robots: bool = True) -> AsyncIterator[None]:
        yield

    def observe(self, *_: Any) -> None: ...


class Unknown:
    async def unknown(self, ids: list[str]) -> set[str]:
        return set(ids)

    async def remember(self, _entries: Sequence[Any]) -> None: ...


async def test_the_fetcher_stamps_when_it_first_saw_the_item_and_when_it_fetched_the_page() -> None:
    sent: list[Outgoing] = []

    async def send(messages: Sequence[Outgoing]) -> None:
        sent.extend(messages)

    ingest = PageIngest(
        fetcher=cast(SafeFetcher, FlakyNetwork()),
        politeness=cast(Politeness, Gate()),
        known=cast(KnownUrls, Unknown()),
        send=send,
        pages_topic="t.pages",
        deadletter_topic="t.dlq",
        max_bytes=1 << 20,
        attempts=3,
    )
    item = FeedItem(link="https://news.example.org/flood", published_at=T0 - timedelta(days=3))
    first_poll = datetime.now(UTC)
    assert (await ingest.ingest(Source("f1", "https://news.example.org/feed"), [item])).pending == 1
    before = hop_count("appeared_fetched")
    await ingest.ingest(Source("f1", "https://news.example.org/feed"), [item])  # the next poll retries it
    [page] = [FetchedPage.from_bytes(m.value) for m in sent if m.topic == "t.pages"]
    appeared, fetched = page.timeline.appeared, page.timeline.fetched
    assert appeared is not None and fetched is not None
    # the first poll that listed it, not the retry's, and never the feed's own date for the item
    assert first_poll <= appeared < first_poll + timedelta(seconds=5)
    assert appeared <= fetched and fetched == page.fetched_at
    assert hop_count("appeared_fetched") == before + 1


# --- parser, extractor, indexer, alerter -----------------------------------------------------------------------


def fetched_page() -> FetchedPage:
    return FetchedPage(
        id="p1",
        url="https://news.example.org/flood",
        final_url="https://news.example.org/flood",
        item=FeedItem(link="https://news.example.org/flood"),
        status=200,
        content_type="text/html",
        charset="utf-8",
        body_gz_b64=FetchedPage.pack_body(PAGE),
        fetched_at=T0,
        timeline=Timeline(appeared=T0 - timedelta(seconds=1), fetched=T0),
    )


async def test_the_parser_copies_the_timeline_forward_and_stamps_parsed() -> None:
    before = hop_count("fetched_parsed")
    [[out]] = await ParseHandler(parsed_topic="t.parsed", budget_s=10.0, max_bytes=1 << 20)([fetched_page()])
    article = ParsedArticle.from_bytes(cast(Outgoing, out).value)
    assert article.timeline.appeared == T0 - timedelta(seconds=1) and article.timeline.fetched == T0
    assert article.timeline.parsed == article.parsed_at
    assert hop_count("fetched_parsed") == before + 1


class Model:
    """The model's process: returns each article enriched with its timeline unchanged."""

    async def enrich_async(self, articles: Sequence[ParsedArticle], lane: str = "live") -> list[EnrichedArticle]:
        return [EnrichedArticle.model_validate({**a.model_dump(), "enriched_at": T0}) for a in articles]


async def test_the_extractor_stamps_extracted_after_the_model_returned() -> None:
    parsed = enriched(1).model_copy(
        update={"timeline": Timeline(appeared=T0, fetched=T0, parsed=T0 + timedelta(seconds=0.1))}
    )
    before = hop_count("parsed_extracted")
    started = datetime.now(UTC)
    handler = ExtractHandler(cast(BudgetedExtractor, Model()), enriched_topic="t.enriched")
    [[out]] = await handler([parsed])
    article = EnrichedArticle.from_bytes(cast(Outgoing, out).value)
    assert article.timeline.parsed == T0 + timedelta(seconds=0.1) and article.timeline.appeared == T0
    assert article.timeline.extracted is not None and article.timeline.extracted >= started
    assert hop_count("parsed_extracted") == before + 1


def test_the_indexer_announces_each_article_with_its_timeline_up_to_searchable() -> None:
    stamps = Timeline(appeared=T0, fetched=T0, parsed=T0, extracted=T0 + timedelta(seconds=1))
    article = enriched(1).model_copy(update={"timeline": stamps})
    handler = IndexHandler(cast(Any, None), alias="a", indexed_topic="t.indexed", max_bytes=1 << 20)
    before = {hop: hop_count(hop) for hop in ("extracted_indexed", "indexed_searchable", "appeared_searchable")}
    indexed = T0 + timedelta(seconds=1.5)
    out = handler._announce([article], indexed)
    assert out is not None
    [doc] = IndexedBatch.from_bytes(out.value).docs
    assert doc.timeline.extracted == stamps.extracted and doc.timeline.indexed == indexed
    assert doc.timeline.searchable == IndexedBatch.from_bytes(out.value).searchable_at
    assert all(hop_count(hop) == n + 1 for hop, n in before.items())


def test_the_alerter_observes_the_hops_to_alerted_once_per_article() -> None:
    timeline = Timeline(appeared=T0, searchable=T0 + timedelta(seconds=1))
    batch = IndexedBatch(
        index="a", docs=[IndexedDoc(id="d1", version=1, fetched_at=T0, timeline=timeline)], searchable_at=T0
    )
    alerts = [Alert(alert_id=f"x{n}", rule_id=f"r{n}", rule_name="r", matched_at=T0, article_id="d1") for n in range(2)]
    before = hop_count("searchable_alerted"), hop_count("appeared_alerted")
    observe_alerted([batch], alerts, T0 + timedelta(seconds=1.2))
    assert (hop_count("searchable_alerted"), hop_count("appeared_alerted")) == (before[0] + 1, before[1] + 1)
