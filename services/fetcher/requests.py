"""Fetch requests (``fetch.requests``): pages asked for directly, outside a feed poll."""

from __future__ import annotations

from collections.abc import Sequence

from wirewatch.core.runner import Result
from wirewatch.schemas import FetchRequest
from wirewatch.services.fetcher.ingest import PageIngest, Source


class RequestHandler:
    """Fetches each requested item through the same path as a poll (politeness, known URLs, dead letters);
    ``PageIngest`` produces the pages itself, so the handler has nothing more to emit."""

    def __init__(self, ingest: PageIngest) -> None:
        self.ingest = ingest

    async def __call__(self, requests: Sequence[FetchRequest]) -> list[Result]:
        for request in requests:
            source = Source(request.feed_id, request.feed_url)
            await self.ingest.ingest(source, [request.item], force=request.force)
        return [[] for _ in requests]
