"""The workspace's settings and guard without a server (issue 17, API part): an open bind needs a token, the
rate limit's window, the session's signature and expiry, the CSRF double submit, the cursor, the highlight
segments and the Atom writer's handling of characters XML cannot carry."""

from __future__ import annotations

import time
from typing import Any

import pytest
from pydantic import ValidationError
from starlette.requests import Request

from wirewatch.workspace import atom
from wirewatch.workspace.data import decode_cursor, encode_cursor, segments
from wirewatch.workspace.errors import WorkspaceError
from wirewatch.workspace.security import CSRF_COOKIE, SESSION_COOKIE, Guard, RateLimiter
from wirewatch.workspace.settings import WorkspaceSettings, is_loopback

TOKEN = "a-long-random-workspace-token"


def request(cookies: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if cookies:
        raw.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/", "headers": raw, "scheme": "http"}
    return Request(scope)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "workspace.example"])
def test_a_bind_other_than_loopback_needs_a_token(host: str) -> None:
    with pytest.raises(ValidationError, match="WIREWATCH_SERVE_TOKEN"):
        WorkspaceSettings(serve_host=host)
    assert WorkspaceSettings(serve_host=host, serve_token=TOKEN).token() == TOKEN
    with pytest.raises(ValidationError, match="shorter than 16"):
        WorkspaceSettings(serve_host=host, serve_token="short")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"])
def test_loopback_binds_need_none(host: str) -> None:
    assert is_loopback(host) and WorkspaceSettings(serve_host=host).token() is None


def test_the_rate_limit_is_a_sliding_minute() -> None:
    limiter = RateLimiter(2)
    limiter.hit("a", now=0)
    limiter.hit("a", now=1)
    limiter.hit("b", now=1)  # per client
    with pytest.raises(WorkspaceError) as refused:
        limiter.hit("a", now=30)
    assert refused.value.status == 429 and "retry in 31 s" in refused.value.detail
    limiter.hit("a", now=60.5)  # the first hit left the window


def test_a_session_is_signed_by_the_token_and_expires() -> None:
    guard = Guard(WorkspaceSettings(serve_token=TOKEN))
    session = guard.issue_session()
    assert guard.session_ok(request({SESSION_COOKIE: session}))
    other = Guard(WorkspaceSettings(serve_token=TOKEN + "-rotated"))
    assert not other.session_ok(request({SESSION_COOKIE: session}))
    expires, _, signature = session.partition(".")
    assert not guard.session_ok(request({SESSION_COOKIE: f"{int(expires) + 1}.{signature}"}))
    old = str(int(time.time()) - 1)
    assert not guard.session_ok(request({SESSION_COOKIE: f"{old}.{guard._sign('session:' + old)}"}))
    assert not guard.session_ok(request())


def test_csrf_tokens_match_their_own_cookie_only() -> None:
    guard = Guard(WorkspaceSettings())
    first = request()
    token = guard.csrf_token(first)
    seed = first.state.csrf_seed
    assert guard.csrf_ok(request({CSRF_COOKIE: seed}), token)
    assert not guard.csrf_ok(request({CSRF_COOKIE: "another-browser"}), token)
    assert not guard.csrf_ok(request(), token)
    assert not guard.csrf_ok(request({CSRF_COOKIE: seed}), None)


def test_a_bearer_token_is_compared_whole() -> None:
    guard = Guard(WorkspaceSettings(serve_token=TOKEN))
    assert guard.bearer_ok(request(headers={"Authorization": f"Bearer {TOKEN}"}))
    for given in (f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer "):
        assert not guard.bearer_ok(request(headers={"Authorization": given}))
    assert not Guard(WorkspaceSettings()).bearer_ok(request(headers={"Authorization": "Bearer "}))


def test_a_cursor_round_trips_and_a_forged_one_is_refused() -> None:
    assert decode_cursor(encode_cursor(40)) == 40 and decode_cursor(None) == 0
    for forged in ("!!!", encode_cursor(10**9), "eyJmcm9tIjogIngifQ"):
        with pytest.raises(WorkspaceError):
            decode_cursor(forged)


def test_highlights_become_plain_segments() -> None:
    assert segments("the «truce» talks <b>«resume»</b>") == [
        {"text": "the ", "match": False},
        {"text": "truce", "match": True},
        {"text": " talks <b>", "match": False},
        {"text": "resume", "match": True},
        {"text": "</b>", "match": False},
    ]


def test_atom_drops_what_xml_cannot_carry_and_escapes_the_rest() -> None:
    item = {
        "id": "a1",
        "url": "javascript:alert(1)",
        "title": "bell\x07 <script>x</script> \ud800 \ufffe",
        "authors": [],
        "source": None,
        "persons": ['"onmouseover=x'],
        "snippet": "ok",
        "published_at": "2026-11-18T12:00:00+00:00",
    }
    body = atom.render("t", "http://127.0.0.1/feeds/search.atom", "http://127.0.0.1/", [item], stamp="published_at")
    assert b"\x07" not in body and b"<script>" not in body and b"&lt;script&gt;" in body
    assert b'href="http://127.0.0.1/articles/a1"' in body and b"javascript" not in body
    assert b"<name>unknown</name>" in body
