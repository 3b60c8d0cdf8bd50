"""Fetch requests (dead-letter replays, pushes) naming a feed get that feed's own headers, as its polls do
(issue 15, item 5); without the feed, or with Elasticsearch away, they are fetched without them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from wirewatch.core.stores.feeds import FeedRecord, FeedStore, new_feed, request_headers
from wirewatch.schemas import FeedItem, FetchRequest
from wirewatch.services.fetcher.ingest import PageIngest, Source
from wirewatch.services.fetcher.requests import RequestHandler

FEED = new_feed("https://news.test/feed.xml", headers=request_headers(["Authorization: Bearer t"]))


class Ingest:
    def __init__(self) -> None:
        self.sources: list[Source] = []

    async def ingest(self, source: Source, items: list[FeedItem], *, force: bool = False) -> Any:
        self.sources.append(source)


class Feeds:
    def __init__(self, fail: bool = False) -> None:
        self.fail, self.reads = fail, 0

    async def get(self, feed_id: str) -> FeedRecord | None:
        self.reads += 1
        if self.fail:
            raise ConnectionError("es away")
        return FeedRecord(feed=FEED) if feed_id == FEED.id else None


def request(feed_id: str | None, url: str) -> FetchRequest:
    item = FeedItem(link=url)
    return FetchRequest(feed_id=feed_id, feed_url=FEED.url, item=item, requested_at=datetime.now(UTC))


async def test_a_request_naming_a_feed_gets_its_headers_on_its_host_only() -> None:
    ingest, feeds = Ingest(), Feeds()
    handler = RequestHandler(cast(PageIngest, ingest), cast(FeedStore, feeds))
    await handler([request(FEED.id, "https://news.test/a"), request(FEED.id, "https://news.test/b")])
    await handler([request("unknown", "https://news.test/c"), request(None, "https://news.test/d")])
    first, second, unknown, anonymous = ingest.sources
    assert first.headers_for("https://news.test/a") == {"Authorization": "Bearer t"}
    assert first.headers_for("https://other.test/a") == {}
    assert second is first and feeds.reads == 2  # read once per feed per batch (and once for the unknown one)
    assert unknown.headers == () and anonymous.headers == ()


async def test_elasticsearch_away_means_no_headers_not_a_failed_batch() -> None:
    ingest = Ingest()
    await RequestHandler(cast(PageIngest, ingest), cast(FeedStore, Feeds(fail=True)))(
        [request(FEED.id, "https://news.test/a")]
    )
    assert ingest.sources[0].headers == ()
