"""Extractor settings (``WIREWATCH_EXTRACTOR_*``, ``WIREWATCH_NER_MODEL``)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from wirewatch.core.settings import CommonSettings


class ExtractorSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore", frozen=True, hide_input_in_errors=True)

    ner_model: str = Field(
        default="en_core_web_md",
        description="spaCy pipeline: en_core_web_md (default, better) or en_core_web_sm (lighter)",
    )
    gazetteer_dir: Path | None = Field(default=None, description="directory of users' gazetteer YAML files")
    extractor_batch_max: int = Field(
        default=16, gt=0, description="articles per nlp.pipe batch at most (memory grows with it)"
    )
    extractor_batch_within_s: float = Field(
        default=0.02, gt=0, description="a partial batch waits this long for more (latency at low load)"
    )
    extractor_backfill_batch_max: int = Field(
        default=8, gt=0, description="backfill lane: records per batch at most (a live one may wait behind it)"
    )
    extractor_backfill_batch_within_s: float = Field(
        default=0.1, gt=0, description="backfill lane: close a partial batch after this"
    )
    extractor_processes: int = Field(
        default=0,
        ge=0,
        description="model processes of the live lane, a batch split over them (0: one per CPU core, at most 4)",
    )
    extractor_backfill_processes: int = Field(
        default=1,
        ge=0,
        description="model processes of the backfill lane's own, at lower CPU priority (0: it shares the live ones)",
    )
    extractor_nice: int = Field(
        default=5,
        ge=0,
        le=19,
        description="how much lower the live model processes' CPU priority is (nice): the light stages and the "
        "stack are never starved by NER",
    )
    extractor_backfill_nice: int = Field(
        default=15, ge=0, le=19, description="how much lower the backfill processes' CPU priority is (nice)"
    )
    extractor_max_text_chars: int = Field(
        default=200_000, gt=0, description="characters of one text given to NER at most; the rest is left out"
    )
    extractor_max_span_chars: int = Field(
        default=120, gt=0, description="a model span longer than this is no name and is dropped"
    )
    extractor_max_mentions: int = Field(default=20_000, gt=0, description="mentions merged per article at most")
    extractor_max_entities: int = Field(default=2_000, gt=0, description="entities kept per article at most")
    extractor_watchlist_poll_s: float = Field(
        default=2.0, ge=0, description="look for changed watchlist files at most this often, seconds (0: never)"
    )
    extractor_registry_refresh_s: float = Field(
        default=300.0, ge=0, description="refresh the entity registry's remembered types this often (0: off)"
    )
    extractor_registry_min_articles: int = Field(
        default=3, gt=0, description="the registry remembers a type for a name seen in this many articles"
    )
    extractor_registry_min_share: float = Field(
        default=0.8, gt=0, le=1, description="… and typed so in at least this share of them"
    )
    extractor_budget_s: float = Field(
        default=20.0,
        gt=0,
        description="time budget of one article (a batch gets this per article); an overrun is dead-lettered",
    )

    def live_processes(self) -> int:
        """``extractor_processes``, or one per CPU core this process may use (at most 4) when it is 0."""
        if self.extractor_processes:
            return self.extractor_processes
        return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
