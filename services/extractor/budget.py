"""Enrichment under a time budget that cannot stall the worker: each batch runs in a worker process
(:class:`~wirewatch.core.budget.BudgetPool`) that is killed and replaced when the batch overruns
``seconds_per_article`` × its size.

The caller then gets :class:`ExtractTimeout` (not retriable). The batch runner retries a failed batch article by
article, each with its own budget, so only the article that overruns alone is dead-lettered (``extract_timeout``)
while the others of its batch are enriched. A thread could not do this: a runaway regex or merge holds it.

The model lives in the worker process, not in the caller. The pool's forkserver imports :mod:`.warmup`, which
(in the extractor worker, where ``WIREWATCH_EXTRACTOR_PRELOAD`` is set) builds the extractor the settings name
and enriches a sample once: every worker, including one that replaces a killed worker, is forked from there
with the model loaded and its pages shared, and starts warm in milliseconds. A :class:`Recipe` the
forkserver did not preload (tests, the CLI) is built in the worker on first use and kept there.

What changes while the worker runs is looked at in the worker, by the extractor itself, before each batch: the
users' watchlist files (reloaded when they change, :mod:`.watchlists`) and the entity registry's snapshot
(:mod:`.memory`). A worker forked from the forkserver, whose copy was loaded at start-up, catches up on its
first batch; nothing has to be told to reload or be replaced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from wirewatch.core.budget import BudgetPool
from wirewatch.schemas import Lane
from wirewatch.schemas.articles import EnrichedArticle, ParsedArticle
from wirewatch.services.extractor.enrichment import enrich
from wirewatch.services.extractor.entities import EntityExtractor, ExtractorOptions
from wirewatch.services.extractor.errors import ExtractionFailed, ExtractTimeout
from wirewatch.services.extractor.memory import RegistryMemory, registry_fetch
from wirewatch.services.extractor.settings import ExtractorSettings

PRELOAD_FLAG = "WIREWATCH_EXTRACTOR_PRELOAD"
_PRELOAD = ["wirewatch.services.extractor.warmup"]
SAMPLE_TEXT = (
    "Prime Minister Mohammed Shia al-Sudani met coalition commanders in Baghdad on Monday, "
    "and the United Nations said the talks in Erbil would continue."
)


@dataclass(frozen=True)
class RegistryOptions:
    """How the extractor's registry memory is refreshed (see :mod:`.memory`)."""

    refresh_s: float
    min_articles: int = 3
    min_share: float = 0.8
    limit: int = 10_000

    def memory(self) -> RegistryMemory:
        """A memory fetching from the Elasticsearch the environment names (in the worker that builds it)."""
        fetch = registry_fetch(
            ExtractorSettings(), min_articles=self.min_articles, min_share=self.min_share, limit=self.limit
        )
        return RegistryMemory(fetch, refresh_s=self.refresh_s)


@dataclass(frozen=True)
class Recipe:
    """What an :class:`EntityExtractor` is built from; small, hashable and picklable, so it travels with
    every request and a worker keeps one extractor per recipe."""

    model: str
    gazetteer_dirs: tuple[Path, ...] = ()
    options: ExtractorOptions = field(default_factory=ExtractorOptions)
    places: bool = True
    geotag: bool = True
    registry: RegistryOptions | None = None  # no registry memory (tests, the CLI)

    @classmethod
    def from_settings(cls, settings: ExtractorSettings) -> Recipe:
        registry = None
        if settings.extractor_registry_refresh_s > 0:
            registry = RegistryOptions(
                settings.extractor_registry_refresh_s,
                settings.extractor_registry_min_articles,
                settings.extractor_registry_min_share,
            )
        return cls(settings.ner_model, tuple(gazetteer_dirs(settings)), options_from(settings), registry=registry)

    def build(self) -> EntityExtractor:
        return EntityExtractor.create(
            self.model,
            self.gazetteer_dirs,
            places=self.places,
            geotag=self.geotag,
            options=self.options,
            memory=self.registry.memory() if self.registry is not None else None,
        )


def gazetteer_dirs(settings: ExtractorSettings) -> list[Path]:
    """Users' lists: ``WIREWATCH_GAZETTEER_DIR`` if set, else ``deploy/gazetteers`` and ``<state>/gazetteers``
    (watched even while missing: one made after start-up is read by the next poll)."""
    if settings.gazetteer_dir is not None:
        return [settings.gazetteer_dir]
    return [settings.deploy_dir / "gazetteers", settings.state_dir / "gazetteers"]


def options_from(settings: ExtractorSettings) -> ExtractorOptions:
    return ExtractorOptions(
        batch_size=settings.extractor_batch_max,
        max_text_chars=settings.extractor_max_text_chars,
        max_span_chars=settings.extractor_max_span_chars,
        max_mentions=settings.extractor_max_mentions,
        max_entities=settings.extractor_max_entities,
        watchlist_poll_s=settings.extractor_watchlist_poll_s,
    )


_built: dict[Recipe, EntityExtractor] = {}


def extractor_for(recipe: Recipe) -> EntityExtractor:
    """The extractor of ``recipe`` in this process, built on first use."""
    if recipe not in _built:
        _built[recipe] = recipe.build()
    return _built[recipe]


def sample_article(article_id: str = "warm-up") -> ParsedArticle:
    now = datetime.now(UTC)
    return ParsedArticle(
        id=article_id,
        url="https://example.invalid/warm-up",
        title="Coalition talks",
        text=SAMPLE_TEXT,
        language="en",
        extractor="warm-up",
        extractor_version="0",
        content_hash="0" * 16,
        simhash="0" * 16,
        fetched_at=now,
        parsed_at=now,
    )


_Request = tuple[Recipe, list[ParsedArticle]]


class BudgetedExtractor:
    """Worker processes that enrich batches; a batch is cut off after ``seconds_per_article`` × its size.

    ``workers`` processes serve the live lane: :meth:`enrich_async` splits a batch over them (by text length)
    and runs the parts at once, so a worker on a machine with idle cores uses them. They run ``nice`` lower than
    the rest: NER is the one stage that can take every core, and the light stages (and Kafka, Elasticsearch)
    must get theirs the moment they need them, or a saturated machine starves them and the pipeline. With
    ``backfill_workers``, the backfill lane has processes of its own, at ``backfill_nice`` (lower still): a
    backfill batch never holds a live one's process, and when both run the scheduler gives the cores to live
    work first. They start with the first backfill batch (forked from the forkserver that holds the model, so in
    milliseconds).
    """

    def __init__(
        self,
        recipe: Recipe,
        *,
        seconds_per_article: float,
        workers: int = 1,
        nice: int = 0,
        backfill_workers: int = 0,
        backfill_nice: int = 0,
        start_method: str = "forkserver",
        preload: bool = True,
    ) -> None:
        self.recipe = recipe
        self.seconds_per_article = seconds_per_article
        self.workers = workers
        self.backfill_workers = backfill_workers
        self.backfill_nice = backfill_nice
        self._start_method = start_method
        self._preload = preload
        self._pool = self._new_pool(workers, nice)
        self._backfill_pool: BudgetPool[_Request, list[EnrichedArticle]] | None = None  # started on first use

    def _new_pool(self, count: int, nice: int = 0) -> BudgetPool[_Request, list[EnrichedArticle]]:
        return BudgetPool(
            _enrich,
            overrun=_overrun,
            died=_died,
            preload=_PRELOAD if self._preload else (),
            workers=count,
            start_method=self._start_method,
            warm_up=(self.recipe, [sample_article()]),
            nice=nice,
        )

    def enrich(self, articles: Sequence[ParsedArticle]) -> list[EnrichedArticle]:
        """:func:`~wirewatch.services.extractor.enrichment.enrich` in one worker, within the batch's budget."""
        if not articles:
            return []
        return self._pool.call((self.recipe, list(articles)), self.seconds_per_article * len(articles))

    async def enrich_async(self, articles: Sequence[ParsedArticle], lane: Lane = "live") -> list[EnrichedArticle]:
        """:meth:`enrich` without blocking the event loop, the batch split over the lane's workers (each part
        within its own budget); the articles come back in their order."""
        if not articles:
            return []
        pool, count = self._pool, self.workers
        if lane == "backfill" and self.backfill_workers > 0:
            if self._backfill_pool is None:  # a backfill is rare: its processes start with its first batch
                self._backfill_pool = self._new_pool(self.backfill_workers, self.backfill_nice)
            pool, count = self._backfill_pool, self.backfill_workers
        parts = split_by_length(articles, count)
        done = await asyncio.gather(
            *(
                asyncio.to_thread(
                    pool.call, (self.recipe, [articles[i] for i in part]), self.seconds_per_article * len(part)
                )
                for part in parts
            )
        )
        by_index = {
            i: article
            for part, enriched in zip(parts, done, strict=True)
            for i, article in zip(part, enriched, strict=True)
        }
        return [by_index[i] for i in range(len(articles))]

    def warm_up(self) -> EnrichedArticle:
        """Enrich a sample in a worker: the model is loaded there (or its error raised here) before work
        arrives. (Every new worker enriches a sample first anyway, outside any article's budget.)"""
        [article] = self._pool.call((self.recipe, [sample_article()]), self.seconds_per_article)
        return article

    def close(self) -> None:
        self._pool.close()
        if self._backfill_pool is not None:
            self._backfill_pool.close()

    def __enter__(self) -> BudgetedExtractor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def split_by_length(articles: Sequence[ParsedArticle], parts: int) -> list[list[int]]:
    """The indices of ``articles`` in at most ``parts`` groups of about equal text length (longest first, each to
    the lightest group; each group in ascending order), so that parts run in parallel finish together."""
    groups: list[list[int]] = [[] for _ in range(max(1, min(parts, len(articles))))]
    loads = [0] * len(groups)
    for i in sorted(range(len(articles)), key=lambda i: -len(articles[i].text)):
        lightest = loads.index(min(loads))
        groups[lightest].append(i)
        loads[lightest] += len(articles[i].text) + 1
    return [sorted(group) for group in groups if group]


def _enrich(request: _Request) -> list[EnrichedArticle]:
    """In a worker: one batch."""
    recipe, articles = request
    return enrich(articles, extractor=extractor_for(recipe))


def _overrun(request: _Request, seconds: float) -> ExtractTimeout:
    return ExtractTimeout(seconds, [a.id for a in request[1]])


def _died(request: _Request, error: BaseException) -> ExtractionFailed:
    ids = ",".join(a.id for a in request[1])
    return ExtractionFailed(ids, f"the extractor process died: {error!r}")
