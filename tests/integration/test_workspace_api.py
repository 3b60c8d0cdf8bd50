"""The workspace's JSON API (issue 17) with FastAPI's test client against the real Elasticsearch of the test stack:
articles indexed by the indexer's own handler (stories, entity registry), searched with facets, histogram,
cursor, story grouping and highlights; an article with its mention offsets, copies and alerts; entities;
rules CRUD and test with secrets never returned; errors as ``{error, detail}``, a bad query a 400."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bench.messages import enriched
from tests.unit.core.test_stories import COPY, STORY
from wirewatch.core import entities
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import EnrichedArticle
from wirewatch.schemas.articles import Entity
from wirewatch.services.indexer.handler import IndexHandler
from wirewatch.workspace.app import create_app
from wirewatch.workspace.settings import WorkspaceSettings

pytestmark = [pytest.mark.integration]
T0 = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
HOOK = "https://hooks.example.org/services/T000/B000/very-secret-token"


def entity(name: str, kind: str, text: str) -> Entity:
    start = text.index(name)
    mention = {"start": start, "end": start + len(name), "text": name}
    return Entity.model_validate({"name": name, "type": kind, "why": "model", "count": 1, "mentions": [mention]})


def article(n: int, text: str, *, source: str, minutes: int, lang: str = "en", **fields: Any) -> EnrichedArticle:
    found = [
        entity(name, kind, text) for name, kind in (("Baghdad", "LOC"), ("Kataib Hezbollah", "ORG")) if name in text
    ]
    return enriched(
        n,
        text=text,
        source=source,
        language=lang,
        fetched_at=T0 + timedelta(minutes=minutes),
        published_at=T0 + timedelta(minutes=minutes),
        entities=found,
        persons=[],
        organizations=[e.name for e in found if e.type == "ORG"],
        locations=[e.name for e in found if e.type == "LOC"],
        **fields,
    )


#: the shared story and its wire copy, naming a place and an organisation
NAMES = "Officials in Baghdad said Kataib Hezbollah had left the road."
STORY_B, COPY_B = (text.replace("Tuesday night.", "Tuesday night. " + NAMES) for text in (STORY, COPY))


def corpus() -> list[EnrichedArticle]:
    return [
        article(1, STORY_B, source="Northwire", minutes=0),
        article(2, COPY_B, source="Levant Ledger", minutes=1),  # a copy of 1: the same story
        article(
            3, "Kataib Hezbollah denied any role in the strike near Baghdad airport.", source="Gulf Times", minutes=60
        ),
        article(4, "Le marché de Baghdad rouvre après les pluies.", source="Le Courrier", minutes=24 * 60, lang="fr"),
        article(5, "Truce talks resume in Doha between the delegations.", source="Northwire", minutes=48 * 60),
    ]


@pytest.fixture
async def indexed(initialised: CommonSettings) -> AsyncIterator[CommonSettings]:
    es = make_es(initialised)
    try:
        handler = IndexHandler(
            es,
            alias=initialised.index_name("articles"),
            indexed_topic="unused",
            max_bytes=4 * 1024 * 1024,
            mentions_index=initialised.index_name(entities.FAMILY),
            stories_index=initialised.index_name("stories"),
        )
        await handler(corpus()[:1])
        await handler(corpus()[1:])
        await es.indices.refresh(index=initialised.index_name("*"))
    finally:
        await es.close()
    yield initialised


def workspace_settings(settings: CommonSettings, **fields: Any) -> WorkspaceSettings:
    return WorkspaceSettings.model_validate(settings.model_dump() | fields)


@pytest.fixture
def client(indexed: CommonSettings) -> Iterator[TestClient]:
    with TestClient(create_app(workspace_settings(indexed)), base_url="http://127.0.0.1") as test_client:
        yield test_client


def test_search_with_facets_histogram_story_grouping_and_highlights(client: TestClient) -> None:
    response = client.get("/api/articles", params={"q": "Baghdad"})
    assert response.status_code == 200, response.text
    body = response.json()
    ids = [item["id"] for item in body["items"]]
    assert body["total"] == 4 and len(ids) == 3  # articles 1 and 2 are one story, shown once
    first = next(item for item in body["items"] if item["id"] in ("doc00001", "doc00002"))
    assert [copy["source"] for copy in first["copies"]] == [
        "Levant Ledger" if first["id"] == "doc00001" else "Northwire"
    ]
    assert any(seg["match"] and seg["text"] == "Baghdad" for hl in first["highlights"] for seg in hl)
    assert "«" not in first["snippet"]
    facets = body["facets"]
    assert {"name": "Baghdad", "count": 4} in facets["locations"]
    assert {f["name"] for f in facets["languages"]} == {"en", "fr"}
    assert sum(b["count"] for b in body["histogram"]) == 4

    french = client.get("/api/articles", params={"q": "Baghdad", "lang": "fr"}).json()
    assert [item["id"] for item in french["items"]] == ["doc00004"]
    ungrouped = client.get("/api/articles", params={"q": "Baghdad", "group": "false"}).json()
    assert len(ungrouped["items"]) == 4
    window = client.get("/api/articles", params={"since": "2026-11-19", "until": "2026-11-19"}).json()
    assert [item["id"] for item in window["items"]] == ["doc00004"]


def test_a_cursor_pages_through_every_result_once(client: TestClient) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"sort": "date", "limit": 2, "group": "false"}
    for _ in range(5):
        page = client.get("/api/articles", params=params).json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == ["doc00005", "doc00004", "doc00003", "doc00002", "doc00001"]
    bad = client.get("/api/articles", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and bad.json()["error"] == "bad_cursor"


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("*hezbollah", "leading wildcard"),
        ("/hez.*/", "regular expressions"),
        ("hezbolah~2", "fuzzy"),
        ('"open', "quote"),
    ],
)
def test_a_refused_query_is_a_400_naming_the_problem(client: TestClient, query: str, named: str) -> None:
    response = client.get("/api/articles", params={"q": query})
    assert response.status_code == 400
    assert response.json()["error"] == "bad_query" and named in response.json()["detail"]
    assert "Traceback" not in response.text and "elasticsearch" not in response.text.lower()


def test_a_query_elasticsearch_refuses_is_a_400_without_its_stack_trace(client: TestClient) -> None:
    response = client.get("/api/articles", params={"q": "published_at:[notadate TO *]"})
    assert response.status_code in (200, 400)  # lenient query_string may accept it; never a 500
    response = client.get("/api/articles", params={"q": "x", "sort": "random"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"
    assert client.get("/api/articles", params={"limit": 100_000}).status_code == 422


def test_kql_only_with_syntax_kql(client: TestClient) -> None:
    kql = client.get("/api/articles", params={"q": "locations:Baghdad and source:Northwire", "syntax": "kql"}).json()
    assert [item["id"] for item in kql["items"]] == ["doc00001"]


def test_an_article_with_mention_offsets_copies_and_alerts(client: TestClient) -> None:
    body = client.get("/api/articles/doc00003").json()
    text = body["text"]
    for found in body["entities"]:
        for mention in found["mentions"]:
            assert text[mention["start"] : mention["end"]] == found["name"]
    assert {e["name"] for e in body["entities"]} == {"Baghdad", "Kataib Hezbollah"}
    assert body["copies"] == [] and body["alerts"] == []
    story = client.get("/api/articles/doc00002").json()
    assert [c["id"] for c in story["copies"]] == ["doc00001"]
    missing = client.get("/api/articles/nope")
    assert missing.status_code == 404 and missing.json() == {
        "error": "not_found",
        "detail": "no article with id 'nope'",
    }


def test_entities_from_the_registry(client: TestClient) -> None:
    found = client.get("/api/entities", params={"q": "kata"}).json()
    assert [(e["name"], e["type"]) for e in found] == [("Kataib Hezbollah", "ORG")]
    for kind in ("loc", "place", "LOC"):
        places = client.get("/api/entities", params={"type": kind}).json()
        assert [e["name"] for e in places] == ["Baghdad"]
    entry = client.get(f"/api/entities/{found[0]['key']}").json()
    assert entry["articles"] == 3 and entry["type"] == "ORG" and entry["reasons"] == {"model": 3}
    assert {n["name"] for n in entry["co_occurring"]} == {"Baghdad"}
    assert {a["id"] for a in entry["latest"]} == {"doc00001", "doc00002", "doc00003"}
    assert sum(d["articles"] for d in entry["per_day"]) == 3
    assert client.get("/api/entities/nobody-at-all").status_code == 404


def test_rules_crud_and_test_never_return_a_secret(client: TestClient) -> None:
    spec = {"name": "militia", "query": "Hezbollah", "webhooks": [HOOK], "secret": "whsec_c2VjcmV0c2VjcmV0"}
    created = client.post("/api/rules", json=spec)
    assert created.status_code == 201, created.text
    assert client.post("/api/rules", json=spec).status_code == 409
    for response in (created, client.get("/api/rules"), client.get("/api/rules/militia")):
        assert "very-secret-token" not in response.text and "c2VjcmV0" not in response.text
    assert created.json()["signed"] is True and created.json()["per"] == "story"
    response = client.post("/api/rules/militia/test")
    assert response.status_code == 200, response.text
    matches = response.json()
    assert matches["total"] == 3 and matches["items"][0]["id"] == "doc00003"

    replaced = client.put(
        "/api/rules/militia", json=spec | {"query": "Hezbollah", "filters": {"sources": ["Gulf Times"]}}
    )
    assert replaced.status_code == 200
    assert [i["id"] for i in client.post("/api/rules/militia/test").json()["items"]] == ["doc00003"]
    assert client.put("/api/rules/other", json=spec).json()["error"] == "name_mismatch"
    assert client.delete("/api/rules/militia").status_code == 204
    assert client.get("/api/rules/militia").status_code == 404
    assert client.delete("/api/rules/militia").json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"query": "*hez"}, "bad_query"),
        ({"webhooks": []}, "bad_destination"),
        ({"webhooks": ["http://169.254.169.254/latest/meta-data"]}, "bad_destination"),
        ({"webhooks": ["http://127.0.0.1:9200/_bulk"]}, "bad_destination"),
        ({"emails": ["not an address"]}, "bad_destination"),
        ({"digest": "fortnightly"}, "bad_schedule"),
        ({"grew_at_sources": 3, "per": "article"}, "bad_request"),
    ],
)
def test_a_rule_is_checked_as_rules_add_checks_it(client: TestClient, change: dict[str, Any], error: str) -> None:
    response = client.post("/api/rules", json={"name": "r", "query": "truce", "webhooks": [HOOK]} | change)
    assert response.status_code == 400 and response.json()["error"] == error, response.text
    assert client.get("/api/rules").json() == []


def test_alerts_status_and_errors_are_json(client: TestClient) -> None:
    assert client.get("/api/alerts").json() == []
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/api/nothing-here").json()["error"] == "not_found"
    assert client.get("/openapi.json").json()["paths"]["/api/articles"]["get"]
    assert client.get("/docs").status_code == 200


def test_status_has_the_figures_of_wirewatch_status(client: TestClient) -> None:
    body = client.get("/api/status").json()
    assert body["articles_indexed"] == 5
    assert {s["stage"] for s in body["stages"]} >= {"fetcher", "parser", "extractor", "indexer", "alerter"}
    assert isinstance(body["dead_letters"], dict)
