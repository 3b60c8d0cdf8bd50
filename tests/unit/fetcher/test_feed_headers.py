"""Per-feed request headers and cookies (issue 15, item 5): validated when given, never shown, sent on the
feed's own host only — a redirect to another host, or a page elsewhere, gets none."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest
from aiohttp import web

from tests.unit.fetcher.conftest import FAST, Serve
from wirewatch.core.stores.feeds import FeedRecord, header_pairs, new_feed, request_headers
from wirewatch.services.fetcher.addresses import AddressPolicy
from wirewatch.services.fetcher.http import SafeFetcher
from wirewatch.services.fetcher.ingest import Source

TOKEN = "Bearer tok-7f3e-MARKER"
COOKIE = "session=abc-MARKER"


def test_headers_and_cookies_are_validated_and_kept_secret() -> None:
    secret = request_headers([f"Authorization: {TOKEN}", "X-Api-Key:k1"], [COOKIE, "consent=yes"])
    feed = new_feed("https://news.test/feed", headers=secret)
    assert header_pairs(feed) == [("Authorization", TOKEN), ("X-Api-Key", "k1"), ("Cookie", f"{COOKIE}; consent=yes")]
    record = FeedRecord(feed=feed)
    shown = record.to_public()
    assert shown["request_headers"] == ["Authorization", "X-Api-Key", "Cookie"]
    for text in (repr(feed), repr(record), str(shown), feed.model_dump_json(), repr(Source.of(feed))):
        assert "MARKER" not in text and "k1" not in text


@pytest.mark.parametrize(
    ("headers", "cookies", "complaint"),
    [
        (["Host: evil.test"], [], "sets Host itself"),
        (["Transfer-Encoding: chunked"], [], "itself"),
        (["X-A: one\r\nX-Injected: two"], [], "line break"),
        (["Bad Name: v"], [], "token"),
        (["no colon"], [], "token"),
        ([], ["novalue"], "name=value"),
        ([], ["a=b; c=d"], "name=value"),
        ([f"X-{n}: v" for n in range(30)], [], "at most"),
    ],
)
def test_bad_headers_are_refused_without_echoing_values(headers: list[str], cookies: list[str], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint) as refused:
        request_headers(headers, cookies)
    assert "two" not in str(refused.value) and "d'" not in str(refused.value)


def test_pages_get_the_headers_on_the_feeds_host_only() -> None:
    feed = new_feed("https://news.test/feed.xml", headers=request_headers([f"Authorization: {TOKEN}"]))
    source = Source.of(feed)
    assert source.headers_for("https://news.test/2026/story") == {"Authorization": TOKEN}
    assert source.headers_for("https://NEWS.test./other") == {"Authorization": TOKEN}
    assert source.headers_for("https://cdn.news.test/story") == {}
    assert source.headers_for("https://elsewhere.test/story") == {}
    assert source.headers_for("http://news.test/story") == {}  # never in clear when the feed is https
    assert Source.of(new_feed("https://news.test/f")).headers_for("https://news.test/x") == {}


async def test_a_redirect_to_another_host_drops_the_feeds_headers(serve: Serve) -> None:
    seen: dict[str, list[str | None]] = defaultdict(list)

    async def handle(request: web.Request) -> web.StreamResponse:
        host = request.host.split(":")[0]
        seen[host].append(request.headers.get("Authorization"))
        if request.path == "/feed":
            raise web.HTTPFound(f"http://b.test:{request.url.port}/moved")
        if request.path == "/same":
            raise web.HTTPFound("/feed-here")
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    base = await serve(app)
    port = base.rsplit(":", 1)[1]
    hosts = {"a.test": ["127.0.0.1"], "b.test": ["127.0.0.1"]}
    policy = AddressPolicy.exempting("127.0.0.1/32")
    async with SafeFetcher(policy=policy, hosts=hosts, timeouts=FAST) as fetcher:
        await fetcher.fetch(f"http://a.test:{port}/feed", headers={"Authorization": TOKEN})
        await fetcher.fetch(f"http://a.test:{port}/same", headers={"Authorization": TOKEN})
    assert seen["a.test"] == [TOKEN, TOKEN, TOKEN]  # the feed, and both hops of a same-host redirect
    assert seen["b.test"] == [None]  # the other host never gets them


def test_feed_model_dump_never_holds_the_value() -> None:
    feed = new_feed("https://news.test/f", headers=request_headers([f"Authorization: {TOKEN}"]))
    assert feed.added_at <= datetime.now(UTC)
    assert "MARKER" not in str(FeedRecord(feed=feed).to_doc())
