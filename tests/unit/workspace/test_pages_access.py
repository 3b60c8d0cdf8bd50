"""Who may see and change what through the pages, without services (a stub data layer): with a token every
page wants the login session and the login form sends nowhere but this site; every state-changing form post
needs its CSRF token; pages run no script (their Content-Security-Policy says so)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from wirewatch.workspace.app import create_app
from wirewatch.workspace.pageguard import local_path
from wirewatch.workspace.settings import WorkspaceSettings

TOKEN = "unit-test-token-0123456789"
PAGES = [
    "/",
    "/articles/doc1",
    "/entities/baghdad",
    "/rules",
    "/rules/new",
    "/feeds",
    "/alerts",
    "/deadletters",
    "/status",
]
POSTS = ["/rules", "/rules/x/delete", "/feeds", "/feeds/x/delete", "/deadletters/replay", "/logout"]


class StubData:
    """The data layer's answers for an empty installation; records the changes asked for."""

    def __init__(self) -> None:
        self.changes: list[str] = []

    async def close(self) -> None:
        return None

    async def search_articles(self, query: Any) -> dict[str, Any]:
        return {"total": 0, "items": [], "facets": {}, "histogram": [], "next_cursor": None}

    async def get_article(self, article_id: str) -> dict[str, Any]:
        return {"id": article_id, "title": "T", "url": "https://n.example/1", "text": "Baghdad.", "entities": []}

    async def search_entities(self, q: str | None, entity_type: str | None) -> list[Any]:
        return [{"key": "baghdad", "name": "Baghdad", "type": entity_type or "LOC", "articles": 2}]

    async def get_entity(self, key: str) -> dict[str, Any]:
        return {"key": key, "name": "Baghdad", "type": "LOC", "articles": 1, "mentions": 1, "per_day": []}

    async def list_rules(self) -> list[Any]:
        return []

    async def preview_rule(self, spec: Any, **_: Any) -> dict[str, Any]:
        return {"total": 0, "items": []}

    async def put_rule(self, spec: Any, *, replace: bool) -> dict[str, Any]:
        self.changes.append(f"put {spec.name}")
        return {}

    async def delete_rule(self, name: str) -> None:
        self.changes.append(f"delete {name}")

    async def list_feeds(self) -> list[Any]:
        return []

    async def add_feed(self, url: str, **_: Any) -> dict[str, Any]:
        self.changes.append(f"add {url}")
        return {"added": [{"url": url}], "found": [], "note": None}

    async def remove_feed(self, feed_id: str) -> None:
        self.changes.append(f"remove {feed_id}")

    async def alerts(self, **_: Any) -> list[Any]:
        return []

    async def deadletters(self) -> list[Any]:
        return []

    async def replay_deadletters(self, **_: Any) -> dict[str, Any]:
        self.changes.append("replay")
        return {"replayed": 0, "requeued_alerts": 0, "skipped": 0, "notes": []}

    async def status(self) -> dict[str, Any]:
        return {"stages": [], "dead_letters": {}}


@pytest.fixture
def stub() -> StubData:
    return StubData()


@pytest.fixture
def open_client(stub: StubData) -> Iterator[TestClient]:
    with TestClient(create_app(WorkspaceSettings(serve_token=None), data=stub)) as client:  # type: ignore[arg-type]
        yield client


@pytest.fixture
def locked_client(stub: StubData) -> Iterator[TestClient]:
    with TestClient(create_app(WorkspaceSettings(serve_token=TOKEN), data=stub)) as client:  # type: ignore[arg-type]
        yield client


def csrf_of(client: TestClient, path: str = "/feeds") -> str:
    page = client.get(path)
    marker = 'name="csrf_token" value="'
    return page.text.split(marker, 1)[1].split('"', 1)[0]


def test_open_pages_render_with_a_strict_policy(open_client: TestClient) -> None:
    for path in PAGES:
        page = open_client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert page.headers["content-type"].startswith("text/html")
        assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none' covers it
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert open_client.get("/static/workspace.css").headers["content-type"].startswith("text/css")


def test_every_form_post_needs_its_csrf_token(open_client: TestClient, stub: StubData) -> None:
    data = {"url": "https://n.example/rss", "name": "r", "q": "truce", "send_to": "a@example.org"}
    for path in POSTS:
        refused = open_client.post(path, data=data, follow_redirects=False)
        assert refused.status_code == 403 and "csrf_failed" in refused.text, path
        forged = open_client.post(path, data=data | {"csrf_token": "0" * 64}, follow_redirects=False)
        assert forged.status_code == 403, path
    assert stub.changes == []
    token = csrf_of(open_client)
    done = open_client.post("/feeds/x/delete", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/feeds?done=feed_removed"
    assert stub.changes == ["remove x"]


def test_with_a_token_pages_want_the_login_session(locked_client: TestClient, stub: StubData) -> None:
    for path in PAGES:
        answer = locked_client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), path
    token = csrf_of(locked_client, "/login")
    wrong = locked_client.post("/login", data={"csrf_token": token, "token": "nope", "next": "/rules"})
    assert wrong.status_code == 401 and TOKEN not in wrong.text
    signed = locked_client.post(
        "/login", data={"csrf_token": token, "token": TOKEN, "next": "https://evil.example/"}, follow_redirects=False
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/"  # never off this site
    assert locked_client.get("/rules").status_code == 200
    assert TOKEN not in locked_client.get("/status").text


def test_the_login_form_returns_only_to_a_path_of_this_site() -> None:
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "rules"]:
        assert local_path(target) == "/", target
    assert local_path("/rules?test=a") == "/rules?test=a"
