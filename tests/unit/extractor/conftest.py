"""Fixtures for the extractor: the model is loaded once per session (it takes seconds)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.articles import parsed_article
from wirewatch.schemas.articles import ParsedArticle
from wirewatch.services.extractor.entities import EntityExtractor, ExtractorOptions
from wirewatch.services.extractor.gazetteer import Gazetteer
from wirewatch.services.extractor.geo import Geocoder
from wirewatch.services.extractor.models import NerPipeline, load_pipeline

WATCHLIST = """\
precedence: always
entries:
  - name: Kataib Hezbollah
    type: ORG
    aliases: ["Kata'ib Hizballah", "KH"]
    id: "test:kh"
  - name: Popular Mobilization Forces
    type: ORG
    aliases: ["PMF", "Hashd al-Shaabi"]
  - name: Kurdistan Region
    type: LOC
    label: GPE
    country_code: IQ
    lat: 36.19
    lon: 44.01
  - name: Tuz Khurmatu
    type: LOC
    aliases: ["Tuz Khormatu"]
    country_code: IQ
    lat: 34.8886
    lon: 44.6326
"""


@pytest.fixture(scope="session")
def watchlist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("gazetteers")
    (directory / "iraq.yaml").write_text(WATCHLIST, encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def pipeline() -> NerPipeline:
    return load_pipeline("en_core_web_sm")


@pytest.fixture(scope="session")
def gazetteer(watchlist_dir: Path) -> Gazetteer:
    return Gazetteer.load([watchlist_dir])


@pytest.fixture(scope="session")
def geocoder(gazetteer: Gazetteer) -> Geocoder:
    return Geocoder.from_sources(gazetteer)


@pytest.fixture(scope="session")
def extractor(pipeline: NerPipeline, gazetteer: Gazetteer, geocoder: Geocoder) -> EntityExtractor:
    return EntityExtractor(pipeline, gazetteer, geocoder, ExtractorOptions(batch_size=8))


@pytest.fixture
def make_article() -> Any:
    def make(text: str, *, id: str = "a1", title: str | None = None, language: str | None = "en") -> ParsedArticle:
        fixed = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
        return parsed_article(id, text, title=title, language=language, fetched_at=fixed)

    return make
