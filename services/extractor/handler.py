"""The extractor's batch handler: one ``nlp.pipe`` stream per batch, run off the event loop so the
consumer keeps heart-beating while the model works."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from wirewatch.core.kafka import Outgoing
from wirewatch.core.runner import Result
from wirewatch.schemas import ParsedArticle
from wirewatch.services.extractor.enrichment import enrich
from wirewatch.services.extractor.entities import EntityExtractor, ExtractorOptions
from wirewatch.services.extractor.settings import ExtractorSettings


def gazetteer_dirs(settings: ExtractorSettings) -> list[Path]:
    """Users' lists: ``WIREWATCH_GAZETTEER_DIR`` if set, else ``deploy/gazetteers`` and ``<state>/gazetteers``."""
    if settings.gazetteer_dir is not None:
        return [settings.gazetteer_dir]
    return [d for d in (settings.deploy_dir / "gazetteers", settings.state_dir / "gazetteers") if d.is_dir()]


def build_extractor(settings: ExtractorSettings) -> EntityExtractor:
    options = ExtractorOptions(
        batch_size=settings.extractor_batch_max,
        max_text_chars=settings.extractor_max_text_chars,
        max_span_chars=settings.extractor_max_span_chars,
        max_mentions=settings.extractor_max_mentions,
        max_entities=settings.extractor_max_entities,
    )
    return EntityExtractor.create(settings.ner_model, gazetteer_dirs(settings), options=options)


class ExtractHandler:
    def __init__(self, extractor: EntityExtractor, *, enriched_topic: str) -> None:
        self.extractor = extractor
        self.enriched_topic = enriched_topic

    async def __call__(self, articles: Sequence[ParsedArticle]) -> list[Result]:
        enriched = await asyncio.to_thread(enrich, articles, extractor=self.extractor)
        return [[Outgoing(self.enriched_topic, a.id, a.to_bytes())] for a in enriched]
