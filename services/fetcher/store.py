"""Article URLs the fetcher already fetched, in the ``<prefix>-urls`` index, so a restart never re-fetches
them. (Feeds and their health are shared with the CLI: :mod:`wirewatch.core.stores.feeds`.)"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from wirewatch.services.fetcher.errors import KnownUrlsError


class KnownUrls:
    """Article URLs already fetched, so a restart never re-fetches them (document id = URL hash)."""

    def __init__(self, es: AsyncElasticsearch, index: str) -> None:
        self.es = es
        self.index = index

    async def unknown(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        response = await self.es.mget(index=self.index, ids=list(ids), source=False)
        return {doc["_id"] for doc in response.body["docs"] if not doc.get("found")}

    async def remember(self, entries: Sequence[tuple[str, str, str | None]]) -> None:
        """``(id, url, feed_id)`` triples; idempotent."""
        if not entries:
            return
        now = datetime.now(UTC).isoformat()
        ops: list[dict[str, Any]] = []
        for doc_id, url, feed_id in entries:
            ops += [
                {"index": {"_index": self.index, "_id": doc_id}},
                {"url": url, "feed_id": feed_id, "first_seen_at": now},
            ]
        response = await self.es.bulk(operations=ops)
        if response.body.get("errors"):  # an unremembered URL would be fetched again after a restart
            failed = [item["index"]["error"] for item in response.body["items"] if "error" in item["index"]]
            raise KnownUrlsError(f"{len(failed)} of {len(entries)} URLs not remembered: {failed[0]}")
