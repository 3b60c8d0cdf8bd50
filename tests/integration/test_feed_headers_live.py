"""A feed's own headers and cookies through the real fetcher worker (issue 15, item 5): the feed's polls and
its pages on the feed's host carry them, a page on another host and robots.txt do not."""

from __future__ import annotations

from typing import Any

from bench.workers import Workers
from tests.integration.test_fetcher import FAST, hosts, page_urls, rss, workers
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.feeds import FeedStore, header_pairs, new_feed, request_headers

__all__ = ["FAST", "hosts", "workers"]  # fixtures shared with the fetcher's integration tests

TOKEN = "Bearer live-2b7e-MARKER"


async def test_headers_go_to_the_feeds_host_only(initialised: CommonSettings, hosts: Any, workers: Workers) -> None:
    settings = initialised
    site, elsewhere = await hosts(2)
    site.put("/own", "<html><body><p>own story</p></body></html>")
    elsewhere.put("/other", "<html><body><p>syndicated story</p></body></html>")
    body = rss(site.base, ["/own"]).replace(
        "</channel>", f"<item><title>Other</title><link>{elsewhere.base}/other</link></item></channel>"
    )
    feed_url = site.put("/feed.xml", body, "application/rss+xml")
    secret = request_headers([f"Authorization: {TOKEN}"], ["session=live-MARKER"])
    es = make_es(settings)
    try:
        store = FeedStore(es, settings.index_name("feeds"))
        feed = new_feed(feed_url, interval_s=1, headers=secret)
        assert await store.add(feed)
        stored = await store.get(feed.id)  # what a fetch request naming the feed reads
        assert stored is not None and header_pairs(stored.feed) == header_pairs(feed)
        assert await store.get("no-such-feed") is None
    finally:
        await es.close()
    workers.start("fetcher")
    await eventually(lambda: _both(settings, site.base, elsewhere.base), timeout=60, what="both pages")
    [feed_hit, *_] = site.requests("/feed.xml")
    assert feed_hit.headers.get("Authorization") == TOKEN and feed_hit.headers.get("Cookie") == "session=live-MARKER"
    assert site.requests("/own")[0].headers.get("Authorization") == TOKEN
    [other] = elsewhere.requests("/other")
    assert "Authorization" not in other.headers and "Cookie" not in other.headers
    for robots in site.requests("/robots.txt") + elsewhere.requests("/robots.txt"):
        assert "Authorization" not in robots.headers and "Cookie" not in robots.headers


async def _both(settings: CommonSettings, own: str, other: str) -> bool:
    urls = await page_urls(settings)
    return f"{own}/own" in urls and f"{other}/other" in urls
