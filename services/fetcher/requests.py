"""Fetch requests (``fetch.requests``): pages asked for directly, outside a feed poll."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from wirewatch.core.runner import Result
from wirewatch.core.stores.feeds import FeedStore, header_pairs
from wirewatch.schemas import FetchRequest
from wirewatch.services.fetcher.ingest import PageIngest, Source

log = logging.getLogger(__name__)


class RequestHandler:
    """Fetches each requested item through the same path as a poll (politeness, known URLs, dead letters);
    ``PageIngest`` produces the pages itself, so the handler has nothing more to emit.

    With ``feeds``, a request naming a feed that has its own request headers gets them, on that feed's
    host only, exactly as a poll of it would (read once per feed per batch)."""

    def __init__(self, ingest: PageIngest, feeds: FeedStore | None = None) -> None:
        self.ingest = ingest
        self.feeds = feeds

    async def __call__(self, requests: Sequence[FetchRequest]) -> list[Result]:
        sources: dict[tuple[str | None, str | None], Source] = {}
        for request in requests:
            key = (request.feed_id, request.feed_url)
            if key not in sources:
                sources[key] = await self._source(request)
            await self.ingest.ingest(sources[key], [request.item], force=request.force)
        return [[] for _ in requests]

    async def _source(self, request: FetchRequest) -> Source:
        plain = Source(request.feed_id, request.feed_url)
        if self.feeds is None or request.feed_id is None:
            return plain
        try:
            record = await self.feeds.get(request.feed_id)
        except Exception as exc:  # noqa: BLE001 — Elasticsearch away: fetch without the feed's own headers
            log.warning("feed %s not read (%s): its page is fetched without its own headers", request.feed_id, exc)
            return plain
        if record is None or not record.feed.request_headers:
            return plain
        # scoped by the feed's current URL: its headers belong to the host it lives on now
        return Source(request.feed_id, record.feed.url, tuple(header_pairs(record.feed)))
