"""Feed onboarding and per-feed headers against hostile sites (issue 15, item 5): a homepage announcing
thousands of feeds costs a bounded number of requests; a feed whose redirect leads to another host never
hands that host the feed's cookies."""

from __future__ import annotations

from aiohttp import web

from tests.unit.fetcher.conftest import FAST, Serve
from wirewatch.services.fetcher.addresses import AddressPolicy
from wirewatch.services.fetcher.http import SafeFetcher
from wirewatch.services.fetcher.onboarding import COMMON_PATHS, MAX_ANNOUNCED, find_feeds


async def test_a_homepage_announcing_thousands_of_feeds_costs_a_bounded_number_of_requests(serve: Serve) -> None:
    links = "".join(f'<link rel="alternate" type="application/rss+xml" href="/f{n}.xml">' for n in range(5000))
    home = f"<!doctype html><html><head>{links}</head><body>x</body></html>"
    asked: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        asked.append(request.path)
        if request.path == "/":
            return web.Response(text=home, content_type="text/html")
        return web.Response(text="<html><body>not a feed</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    base = await serve(app)
    async with SafeFetcher(policy=AddressPolicy.exempting("127.0.0.1/32"), timeouts=FAST) as fetcher:
        found = await find_feeds(fetcher, f"{base}/")
    assert found.feeds == []
    assert len(asked) == 1 + MAX_ANNOUNCED + len(COMMON_PATHS)  # before: the announced list was unbounded


async def test_a_cross_host_redirect_never_receives_the_feeds_cookie(serve: Serve) -> None:
    cookies: dict[str, list[str | None]] = {"feed.test": [], "tracker.test": []}

    async def handle(request: web.Request) -> web.StreamResponse:
        host = request.host.split(":")[0]
        cookies[host].append(request.headers.get("Cookie"))
        if host == "feed.test":
            raise web.HTTPMovedPermanently(f"http://tracker.test:{request.url.port}/collect")
        return web.Response(text="<rss/>", content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    port = (await serve(app)).rsplit(":", 1)[1]
    hosts = {"feed.test": ["127.0.0.1"], "tracker.test": ["127.0.0.1"]}
    async with SafeFetcher(policy=AddressPolicy.exempting("127.0.0.1/32"), hosts=hosts, timeouts=FAST) as fetcher:
        result = await fetcher.fetch(f"http://feed.test:{port}/rss", headers={"Cookie": "session=s3cret"})
    assert result.permanent_redirect == f"http://tracker.test:{port}/collect"
    assert cookies == {"feed.test": ["session=s3cret"], "tracker.test": [None]}
