"""The stage registry agrees with the topic registry, the dead-letter type, compose and the settings.

Everything that spells out the pipeline's topology (replay, status, dlq, run, the workers' agents, the
bench) derives it from ``STAGES``; these tests keep the registry itself honest.
"""

from __future__ import annotations

from itertools import pairwise
from typing import get_args

import pytest

from wirewatch.core.settings import CommonSettings
from wirewatch.core.stageapp import batching, stage_runner
from wirewatch.ops.replay import SOURCES
from wirewatch.schemas import STAGES, TOPICS, DeadLetter, Lane, LaneTopics, Stage, StageSpec, backfill_of, stage
from wirewatch.services.alerter.settings import AlerterSettings
from wirewatch.services.extractor.settings import ExtractorSettings
from wirewatch.services.fetcher.settings import FetcherSettings
from wirewatch.services.indexer.settings import IndexerSettings
from wirewatch.services.parser.settings import ParserSettings

SETTINGS: dict[str, type[CommonSettings]] = {
    "fetcher": FetcherSettings,
    "parser": ParserSettings,
    "extractor": ExtractorSettings,
    "indexer": IndexerSettings,
    "alerter": AlerterSettings,
}
#: today's batch sizes and windows: moving them into settings changed no default
DEFAULT_BATCHES = {
    ("fetcher", "live"): (16, 0.2),
    ("parser", "live"): (16, 0.02),
    ("parser", "backfill"): (8, 0.1),
    ("extractor", "live"): (16, 0.02),
    ("extractor", "backfill"): (8, 0.1),
    ("indexer", "live"): (500, 0.05),
    ("indexer", "backfill"): (100, 0.25),
    ("alerter", "live"): (50, 0.02),
}


def test_registry_is_the_pipeline_in_order() -> None:
    assert list(STAGES) == ["fetcher", "parser", "extractor", "indexer", "alerter"]
    assert tuple(STAGES) == get_args(Stage)
    assert all(name == spec.name for name, spec in STAGES.items())
    specs = list(STAGES.values())
    for upstream, downstream in pairwise(specs):
        assert upstream.output == downstream.input, f"{upstream.name} does not feed {downstream.name}"


@pytest.mark.parametrize("spec", STAGES.values(), ids=list(STAGES))
def test_topics_exist_with_the_payload_models(spec: StageSpec) -> None:
    assert TOPICS[spec.input].model is spec.model
    assert spec.output in TOPICS
    assert TOPICS[spec.deadletters].model is DeadLetter
    if spec.backfill is not None:
        assert TOPICS[spec.backfill.input].model is TOPICS[spec.input].model
        assert TOPICS[spec.backfill.output].model is TOPICS[spec.output].model


@pytest.mark.parametrize("spec", STAGES.values(), ids=list(STAGES))
def test_backfill_twins_are_the_topic_registrys(spec: StageSpec) -> None:
    twins = {name for name in TOPICS if name.endswith(".backfill")}
    if spec.backfill is None:
        assert f"{spec.input}.backfill" not in twins
        return
    assert spec.backfill.input == backfill_of(spec.input)
    # the output's twin where it has one; else the live topic, the messages marked lane=backfill
    expected_output = backfill_of(spec.output) if f"{spec.output}.backfill" in twins else spec.output
    assert spec.backfill.output == expected_output


def test_every_backfill_topic_belongs_to_a_stage() -> None:
    lane_topics = {t for spec in STAGES.values() if spec.backfill for t in (spec.backfill.input, spec.backfill.output)}
    assert {name for name in TOPICS if name.endswith(".backfill")} <= lane_topics


def test_metrics_ports_are_unique_and_fixed() -> None:
    ports = [spec.metrics_port for spec in STAGES.values()]
    assert len(set(ports)) == len(ports)
    assert ports == [9400, 9401, 9402, 9403, 9404]  # docker-compose.yml and prometheus.yml use these


def test_lane_lookup() -> None:
    parser = stage("parser")
    assert parser.lane("live") == LaneTopics("pages", "articles.parsed")
    assert parser.lane("backfill") == LaneTopics("pages.backfill", "articles.parsed.backfill")
    assert parser.lanes == ("live", "backfill")
    assert stage("alerter").lanes == ("live",)
    with pytest.raises(KeyError, match="no backfill lane"):
        stage("alerter").lane("backfill")
    with pytest.raises(KeyError, match="unknown stage 'tagger'"):
        stage("tagger")


def test_replay_offers_the_stages_with_a_backfill_lane() -> None:
    assert list(SOURCES) == ["parser", "extractor", "indexer"]


@pytest.mark.parametrize(("name", "lane"), list(DEFAULT_BATCHES), ids=[f"{n}-{lane}" for n, lane in DEFAULT_BATCHES])
def test_each_lane_has_batch_settings_with_todays_defaults(name: str, lane: Lane) -> None:
    assert lane in STAGES[name].lanes
    size = batching(SETTINGS[name](), STAGES[name].name, lane)
    assert (size.max, size.within_s) == DEFAULT_BATCHES[(name, lane)]


def test_every_lane_of_every_stage_has_batch_defaults_listed() -> None:
    assert set(DEFAULT_BATCHES) == {(spec.name, lane) for spec in STAGES.values() for lane in spec.lanes}
    assert set(SETTINGS) == set(STAGES)


def test_backfill_batch_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_INDEXER_BACKFILL_BATCH_MAX", "7")
    monkeypatch.setenv("WIREWATCH_INDEXER_BACKFILL_BATCH_WITHIN_S", "1.5")
    size = batching(IndexerSettings(), "indexer", "backfill")
    assert (size.max, size.within_s) == (7, 1.5)


def test_a_settings_class_without_the_lane_settings_is_refused() -> None:
    with pytest.raises(TypeError, match="lacks the backfill batch settings of parser"):
        batching(CommonSettings(), "parser", "backfill")


async def _no_handler(batch: object) -> list[object]:
    return []


@pytest.mark.parametrize("name", list(STAGES))
def test_a_stage_runner_reads_its_registry_model_and_dead_letters_to_its_topic(name: str) -> None:
    spec = stage(name)
    settings = CommonSettings(topic_prefix="t.")
    runner = stage_runner(object(), settings, spec, spec.model, _no_handler)  # the app only sends
    assert runner.stage == name and runner.model is spec.model
    assert runner.deadletter_topic == f"t.{spec.deadletters}"
    other = next(s.model for s in STAGES.values() if s.model is not spec.model)
    with pytest.raises(TypeError, match=f"stage '{name}' reads"):
        stage_runner(object(), settings, spec, other, _no_handler)
