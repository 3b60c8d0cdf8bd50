"""Standalone throughput of each stage's core, on the same generated articles the pipeline gets.

* ``parser``: :func:`wirewatch.services.parser.pipeline.parse_page` on the raw page bytes;
* ``trafilatura``: ``trafilatura.extract`` on the same bytes (a reference for the parser);
* ``ner (raw nlp.pipe)``: ``nlp.pipe`` over the parsed texts with the extractor's own pipeline
  (:func:`wirewatch.services.extractor.models.load_pipeline`: the configured model, tokenizer + ``ner``), batch
  size as the worker's;
* ``ner (raw nlp.pipe, N processes)``: the same with ``n_process=N`` (the extractor's default process count on
  this machine): a multi-process reference, never the slowest stage (the claim is against one process);
* ``extractor (enrich)``: :func:`wirewatch.services.extractor.enrichment.enrich` (model + gazetteers + merging +
  geotagging) in batches of the worker's size: what the extractor worker runs per batch;
* ``indexer (async_bulk)``: ``elasticsearch.helpers.async_bulk`` of the enriched documents into a scratch
  index made from the articles template, ``chunk_size`` = the indexer's batch, ``refresh="true"`` on
  every request as the indexer does (``services/indexer/bulk.py`` ``REFRESH``).

Each CPU-bound core runs once untimed on a few articles (warm-up), then once timed over all of them;
throughput is articles per second of wall time in this (single) process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch, helpers

from wirewatch.schemas.articles import EnrichedArticle, ParsedArticle

#: the pipeline stage each core stands for when looking for the slowest stage (references excluded)
STAGE_OF = {"parser": "parser", "ner (raw nlp.pipe)": "extractor", "indexer (async_bulk)": "indexer"}


@dataclass(frozen=True)
class Page:
    id: str
    url: str
    body: bytes


@dataclass(frozen=True)
class StageResult:
    name: str
    articles: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0


def _timed(name: str, count: int, work: Callable[[], Any]) -> tuple[StageResult, Any]:
    started = time.perf_counter()
    value = work()
    return StageResult(name, count, time.perf_counter() - started), value


def parse_all(pages: Sequence[Page]) -> list[ParsedArticle]:
    from wirewatch.services.parser.pipeline import parse_page

    now = datetime.now(UTC)
    return [parse_page(p.body, url=p.url, page_id=p.id, fetched_at=now) for p in pages]


def measure_parsers(pages: Sequence[Page]) -> tuple[list[StageResult], list[ParsedArticle]]:
    import trafilatura

    parse_all(pages[:3])
    for page in pages[:3]:
        trafilatura.extract(page.body)
    ours, parsed = _timed("parser", len(pages), lambda: parse_all(pages))
    theirs, _ = _timed("trafilatura", len(pages), lambda: [trafilatura.extract(p.body) for p in pages])
    return [ours, theirs], parsed


def measure_extraction(
    parsed: Sequence[ParsedArticle], model: str, batch: int, processes: int = 1
) -> tuple[list[StageResult], list[EnrichedArticle]]:
    from wirewatch.services.extractor.enrichment import enrich
    from wirewatch.services.extractor.entities import EntityExtractor, ExtractorOptions
    from wirewatch.services.extractor.models import load_pipeline

    nlp = load_pipeline(model).nlp
    texts = [a.text for a in parsed]
    list(nlp.pipe(texts[:4], batch_size=batch))
    raw, _ = _timed("ner (raw nlp.pipe)", len(texts), lambda: list(nlp.pipe(texts, batch_size=batch)))
    references = []
    if processes > 1:
        name = f"ner (raw nlp.pipe, {processes} processes)"
        references.append(
            _timed(name, len(texts), lambda: list(nlp.pipe(texts, batch_size=batch, n_process=processes)))[0]
        )
    extractor = EntityExtractor.create(model, [], options=ExtractorOptions(batch_size=batch))
    enrich(parsed[:4], extractor=extractor)

    def run() -> list[EnrichedArticle]:
        done: list[EnrichedArticle] = []
        for start in range(0, len(parsed), batch):
            done += enrich(parsed[start : start + batch], extractor=extractor)
        return done

    ours, enriched = _timed("extractor (enrich)", len(parsed), run)
    return [raw, *references, ours], enriched


async def measure_bulk(
    es: AsyncElasticsearch, index_prefix: str, enriched: Sequence[EnrichedArticle], chunk_size: int
) -> StageResult:
    """``async_bulk`` into ``<prefix>-articles-bulkbench`` (articles template, no alias), then drop it."""
    from wirewatch.services.indexer.bulk import REFRESH
    from wirewatch.services.indexer.documents import external_version, to_document

    index = f"{index_prefix}-articles-bulkbench"
    await es.options(ignore_status=404).indices.delete(index=index)
    await es.indices.create(index=index)
    actions = [
        {
            "_index": index,
            "_id": a.id,
            "_version": external_version(a),
            "_version_type": "external",
            "_source": to_document(a),
        }
        for a in enriched
    ]
    try:
        started = time.perf_counter()
        ok, errors = await helpers.async_bulk(es, actions, chunk_size=chunk_size, refresh=REFRESH, raise_on_error=False)
        seconds = time.perf_counter() - started
        if isinstance(errors, list) and errors:
            raise RuntimeError(f"async_bulk: {len(errors)} errors, first: {errors[0]}")
        return StageResult("indexer (async_bulk)", ok, seconds)
    finally:
        await es.options(ignore_status=404).indices.delete(index=index)


def slowest(results: Sequence[StageResult]) -> StageResult:
    """The slowest of the cores that stand for a pipeline stage (trafilatura and enrich are references)."""
    return min((r for r in results if r.name in STAGE_OF), key=lambda r: r.rate)
