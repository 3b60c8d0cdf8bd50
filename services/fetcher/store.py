"""Feeds and their health, stored in the ``<prefix>-feeds`` index (one document per feed) so the CLI,
every fetcher replica and Kibana see the same state; known article URLs in ``<prefix>-urls``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch, NotFoundError
from pydantic import BaseModel, ConfigDict, Field

from schemas import Feed, feed_id_for


class FeedHealth(BaseModel):
    """What the fetcher learnt about a feed; never silently dropped, only backed off."""

    model_config = ConfigDict(extra="ignore")

    title: str | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error_class: str | None = None
    last_error: str | None = None
    last_status: int | None = None
    consecutive_failures: float = 0.0
    items_total: int = 0
    items_per_day: float | None = None
    next_poll_at: datetime | None = None
    effective_interval_s: float | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    hub_url: str | None = None
    websub_lease_until: datetime | None = None


class FeedRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    feed: Feed
    health: FeedHealth = Field(default_factory=FeedHealth)

    def to_doc(self) -> dict[str, Any]:
        return self.feed.model_dump(mode="json") | self.health.model_dump(mode="json")

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> FeedRecord:
        feed = Feed.model_validate({k: v for k, v in doc.items() if k in Feed.model_fields})
        return cls(feed=feed, health=FeedHealth.model_validate(doc))


def new_feed(url: str, *, name: str | None = None, interval_s: float | None = None,
             tags: Sequence[str] = (), kind: str = "feed") -> Feed:
    return Feed(id=feed_id_for(url), url=url, name=name, interval_s=interval_s, tags=list(tags),
                kind=kind, added_at=datetime.now(UTC))  # type: ignore[arg-type]


class FeedStore:
    def __init__(self, es: AsyncElasticsearch, index: str) -> None:
        self.es = es
        self.index = index

    async def add(self, feed: Feed) -> bool:
        """Add a feed; returns False (and changes nothing) when the URL is already monitored."""
        record = FeedRecord(feed=feed)
        response = await self.es.options(ignore_status=409).index(
            index=self.index, id=feed.id, document=record.to_doc(), op_type="create", refresh="wait_for")
        return bool(response.meta.status < 300)

    async def remove(self, feed_id: str) -> bool:
        try:
            await self.es.delete(index=self.index, id=feed_id, refresh="wait_for")
            return True
        except NotFoundError:
            return False

    async def all(self) -> list[FeedRecord]:
        records: list[FeedRecord] = []
        response = await self.es.search(index=self.index, size=10000, query={"match_all": {}},
                                        sort=[{"added_at": "asc"}])
        for hit in response.body["hits"]["hits"]:
            records.append(FeedRecord.from_doc(hit["_source"]))
        return records

    async def save_health(self, feed_id: str, health: FeedHealth) -> None:
        await self.es.update(index=self.index, id=feed_id, doc=health.model_dump(mode="json"))

    async def move(self, feed_id: str, new_url: str) -> None:
        """A permanent redirect: the feed keeps its id (and history) but polls the new URL."""
        await self.es.update(index=self.index, id=feed_id, doc={"url": new_url})


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
            ops += [{"index": {"_index": self.index, "_id": doc_id}},
                    {"url": url, "feed_id": feed_id, "first_seen_at": now}]
        await self.es.bulk(operations=ops)
