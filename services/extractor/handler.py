"""The extractor's batch handler: one ``nlp.pipe`` stream per batch, run in the budget's worker process
(:mod:`.budget`) so that the consumer keeps heart-beating while the model works and a batch that overruns its
budget is cut off (:class:`~wirewatch.services.extractor.errors.ExtractTimeout`; the batch runner then
retries its articles one by one, so only the one that overruns alone is dead-lettered)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from wirewatch.core import metrics
from wirewatch.core.kafka import Outgoing
from wirewatch.core.runner import Result
from wirewatch.schemas import EnrichedArticle, Lane, ParsedArticle
from wirewatch.services.extractor.budget import BudgetedExtractor, Recipe
from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.settings import ExtractorSettings


def build_extractor(settings: ExtractorSettings) -> EntityExtractor:
    """The extractor the settings name, in this process (the CLI, preflight)."""
    return Recipe.from_settings(settings).build()


class ExtractHandler:
    def __init__(self, extractor: BudgetedExtractor, *, enriched_topic: str, lane: Lane = "live") -> None:
        self.extractor = extractor
        self.enriched_topic = enriched_topic
        self.lane: Lane = lane

    async def __call__(self, articles: Sequence[ParsedArticle]) -> list[Result]:
        enriched = stamped(await self.extractor.enrich_async(articles, self.lane), datetime.now(UTC))
        return [[Outgoing(self.enriched_topic, a.id, a.to_bytes())] for a in enriched]


def stamped(articles: Sequence[EnrichedArticle], now: datetime) -> list[EnrichedArticle]:
    """The articles with their timeline's ``extracted`` stamp (when the batch came back from the model's
    process, not ``enriched_at``, which is taken before the model runs), its hops observed."""
    done = [a.model_copy(update={"timeline": a.timeline.stamped(extracted=now)}) for a in articles]
    for article in done:
        metrics.observe_hops(article.timeline, "extracted", article.lane)
    return done
