"""The workspace's Atom feeds and access rules on the real Elasticsearch (issue 17): a rule's feed, read by the
fetcher's own feed parser and by feedparser, lists exactly the rule's matches, newest first, with entities
as categories and an ETag (304 on If-None-Match); hostile article values stay text; the bearer token, the
login session, the loopback host check, cross-site refusal and the write rate limit; ``wirewatch serve``
as a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx
import pytest
from fastapi.testclient import TestClient

from tests.integration.test_workspace_api import HOOK, indexed, workspace_settings  # noqa: F401 (fixture)
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.services.fetcher import parse_feed
from wirewatch.services.indexer.handler import IndexHandler
from wirewatch.workspace.app import create_app

pytestmark = [pytest.mark.integration]
TOKEN = "s3cret-workspace-token-for-tests"
SCRIPT = "<script>alert('t')</script>"
HOSTILE_TITLE = f'{SCRIPT}"onmouseover="alert(1) Hezbollah'


@pytest.fixture
async def hostile(indexed: CommonSettings) -> CommonSettings:  # noqa: F811
    """One more article matching the rule, with attacker-controlled title, URL, author and entity name."""
    from bench.messages import enriched

    es = make_es(indexed)
    try:
        handler = IndexHandler(es, alias=indexed.index_name("articles"), indexed_topic="unused", max_bytes=4_000_000)
        article = enriched(
            9,
            text="Hezbollah statement.",
            title=HOSTILE_TITLE,
            url="javascript:alert(document.cookie)",
            authors=['"onmouseover=alert(1) x'],
            organizations=["<img src=x onerror=alert(1)>"],
            persons=[],
            locations=[],
            source="Evil\x07Wire",
            published_at=datetime(2026, 11, 17, 8, 0, tzinfo=UTC),
        )
        await handler([article])
        await es.indices.refresh(index=indexed.index_name("articles"))
    finally:
        await es.close()
    return indexed


@pytest.fixture
def client(hostile: CommonSettings) -> Iterator[TestClient]:
    with TestClient(create_app(workspace_settings(hostile)), base_url="http://127.0.0.1") as test_client:
        yield test_client


def _rule(client: TestClient) -> None:
    created = client.post("/api/rules", json={"name": "militia", "query": "Hezbollah", "webhooks": [HOOK]})
    assert created.status_code == 201, created.text


def test_a_rules_atom_feed_lists_exactly_its_matches_for_both_parsers(client: TestClient) -> None:
    _rule(client)
    matches = client.post("/api/rules/militia/test", params={"limit": 100}).json()
    expected = [item["id"] for item in matches["items"]]
    assert sorted(expected) == ["doc00001", "doc00002", "doc00003", "doc00009"]

    response = client.get("/feeds/rules/militia.atom")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    body = response.content

    ours = parse_feed(body, url="http://127.0.0.1/feeds/rules/militia.atom", content_type="application/atom+xml")
    assert ours.kind == "atom" or "atom" in str(ours.kind).lower()
    assert [item.guid for item in ours.items] == [f"urn:wirewatch:article:{i}" for i in expected]

    other = feedparser.parse(body)
    assert not other.bozo, other.bozo_exception
    assert other.version == "atom10"
    assert [entry.id for entry in other.entries] == [f"urn:wirewatch:article:{i}" for i in expected]
    stamps = [entry.updated_parsed for entry in other.entries]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    first_story = next(e for e in other.entries if e.id.endswith("doc00003"))
    assert {t.term for t in first_story.tags} == {"Baghdad", "Kataib Hezbollah"}
    assert first_story.link.startswith("https://news.example/") and first_story.summary
    assert all(entry.author for entry in other.entries)

    # the hostile article: its values are text, its javascript: URL is not a link
    evil = next(e for e in other.entries if e.id.endswith("doc00009"))
    assert evil.title == HOSTILE_TITLE
    assert evil.link == "http://127.0.0.1/articles/doc00009"
    assert {t.term for t in evil.tags} == {"<img src=x onerror=alert(1)>"}
    assert b"<script" not in body and b"<img" not in body and b"javascript:" not in body
    assert b"\x07" not in body


def test_an_unchanged_feed_answers_304_to_its_etag(client: TestClient) -> None:
    _rule(client)
    first = client.get("/feeds/rules/militia.atom")
    etag = first.headers["etag"]
    again = client.get("/feeds/rules/militia.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get("/feeds/rules/militia.atom", headers={"If-None-Match": '"stale"'}).status_code == 200
    assert client.get("/feeds/rules/nobody.atom").json()["error"] == "not_found"


def test_a_search_feed_takes_the_api_filters_newest_first(client: TestClient) -> None:
    body = client.get("/feeds/search.atom", params={"q": "Baghdad", "source": "Gulf Times"}).content
    parsed = feedparser.parse(body)
    assert not parsed.bozo and [e.id for e in parsed.entries] == ["urn:wirewatch:article:doc00003"]
    everything = feedparser.parse(client.get("/feeds/search.atom").content)
    stamps = [e.updated_parsed for e in everything.entries]
    assert len(stamps) == 5 and stamps == sorted(stamps, reverse=True)
    assert client.get("/feeds/search.atom", params={"q": "*bad"}).json()["error"] == "bad_query"


def test_hostile_values_come_back_as_json_data(client: TestClient) -> None:
    response = client.get("/api/articles/doc00009")
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["title"] == HOSTILE_TITLE


def test_a_token_guards_the_api_and_the_feeds(hostile: CommonSettings) -> None:
    settings = workspace_settings(hostile, serve_host="0.0.0.0", serve_token=TOKEN)
    with TestClient(create_app(settings), base_url="http://workspace.example") as client:
        for path in ("/api/articles", "/api/rules", "/feeds/search.atom"):
            refused = client.get(path)
            assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
        wrong = client.get("/api/articles", headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"})
        assert wrong.status_code == 401
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert client.get("/api/articles", headers=bearer).json()["total"] == 6
        assert client.get("/feeds/search.atom", headers=bearer).status_code == 200
        spec = {"name": "r", "query": "truce", "webhooks": [HOOK]}
        assert client.post("/api/rules", json=spec, headers=bearer).status_code == 201
        assert client.get("/healthz").status_code == 200
        # a login session reads, but writes need the bearer token
        client.cookies.set("wirewatch_session", client.app.state.guard.issue_session())  # type: ignore[attr-defined]
        assert client.get("/api/rules").status_code == 200
        assert client.delete("/api/rules/r").status_code == 401
        assert TOKEN not in client.get("/openapi.json").text


def test_an_open_workspace_answers_loopback_hosts_and_same_site_writes_only(client: TestClient) -> None:
    rebinding = client.get("/api/articles", headers={"Host": "attacker.example"})
    assert rebinding.status_code == 421 and rebinding.json()["error"] == "bad_host"
    spec = {"name": "r", "query": "truce", "webhooks": [HOOK]}
    from_elsewhere = client.post("/api/rules", json=spec, headers={"Origin": "https://attacker.example"})
    assert from_elsewhere.status_code == 403 and from_elsewhere.json()["error"] == "cross_site"
    fetched = client.post("/api/deadletters/replay", json={}, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetched.status_code == 403
    assert client.get("/api/rules").json() == []
    assert client.post("/api/rules", json=spec, headers={"Origin": "http://127.0.0.1"}).status_code == 201


def test_writes_are_rate_limited(hostile: CommonSettings) -> None:
    with TestClient(
        create_app(workspace_settings(hostile, serve_writes_per_minute=3)), base_url="http://127.0.0.1"
    ) as c:
        codes = [c.post("/api/rules/none/test").status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
        limited = c.post("/api/rules/none/test")
        assert limited.json()["error"] == "rate_limited" and "a minute" in limited.json()["detail"]
        assert c.get("/api/rules").status_code == 200  # reads are not limited


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_wirewatch_serve_runs_the_workspace_and_refuses_an_open_bind(hostile: CommonSettings) -> None:
    env = os.environ | hostile.location_env() | {"WIREWATCH_SERVE_TOKEN": ""}
    refused = subprocess.run(
        [sys.executable, "-m", "wirewatch", "serve", "--host", "0.0.0.0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2 and "WIREWATCH_SERVE_TOKEN" in refused.stderr

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "wirewatch", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).json() == {"status": "ok"}:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "wirewatch serve did not come up"
            time.sleep(0.3)
        found: dict[str, Any] = httpx.get(f"{base}/api/articles", params={"q": "Baghdad"}, timeout=30).json()
        assert found["total"] == 4
        bad = httpx.get(f"{base}/api/articles", params={"q": "/regex/"}, timeout=30)
        assert bad.status_code == 400 and "regular expressions" in bad.json()["detail"]
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert f"http://127.0.0.1:{port}/" in output
