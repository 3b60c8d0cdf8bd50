"""New feed items → article pages on Kafka: canonicalise, skip known URLs, fetch politely, produce,
then remember. Producing before remembering means a crash re-fetches at worst (downstream writes are
idempotent); it never loses an article.

Polls, pushed WebSub entries and fetch requests all come through here, so a URL being fetched for one of
them is skipped by the others. A page that failed transiently stays unknown and counts as *pending*: the
poller then forgets the feed's validators so the next poll reads the feed again and retries it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from wirewatch.core import metrics
from wirewatch.core.deadletters import dead_letter
from wirewatch.core.kafka import Outgoing
from wirewatch.schemas import Feed, FeedItem, FetchedPage
from wirewatch.services.fetcher.errors import FetchError, HTTPStatusError
from wirewatch.services.fetcher.http import PAGE_ACCEPT, SafeFetcher
from wirewatch.services.fetcher.politeness import Politeness
from wirewatch.services.fetcher.store import KnownUrls
from wirewatch.services.fetcher.urls import canonicalize, document_id, host_of

log = logging.getLogger(__name__)
Sender = Callable[[Sequence[Outgoing]], Awaitable[None]]


@dataclass(frozen=True)
class Ingested:
    """What one ``ingest`` call did: items not seen before, and how many of them wait for a retry."""

    new: int = 0
    pending: int = 0


@dataclass(frozen=True)
class Source:
    """Where items came from: a feed, or a fetch request that names one (or none)."""

    id: str | None
    url: str | None

    @classmethod
    def of(cls, feed: Feed) -> Source:
        return cls(feed.id, feed.url)


class PageIngest:
    def __init__(
        self,
        *,
        fetcher: SafeFetcher,
        politeness: Politeness,
        known: KnownUrls,
        send: Sender,
        pages_topic: str,
        deadletter_topic: str,
        max_bytes: int,
        attempts: int,
    ) -> None:
        self.fetcher = fetcher
        self.politeness = politeness
        self.known = known
        self.send = send
        self.pages_topic = pages_topic
        self.deadletter_topic = deadletter_topic
        self.max_bytes = max_bytes
        self.attempts = attempts
        self._failures: dict[str, int] = {}
        self._inflight: set[str] = set()

    async def ingest(self, feed: Source, items: Sequence[FeedItem], *, force: bool = False) -> Ingested:
        """Fetch and produce every item not seen before (every item with ``force``)."""
        candidates = _candidates(items)
        unknown = set(candidates) if force else await self.known.unknown(list(candidates))
        todo = [
            (doc_id, *candidates[doc_id]) for doc_id in candidates if doc_id in unknown and doc_id not in self._inflight
        ]
        if not todo:
            return Ingested(new=len(unknown))
        self._inflight.update(doc_id for doc_id, _, _ in todo)
        try:
            results = await asyncio.gather(*(self._fetch(feed, *entry) for entry in todo))
            await self.send([out for out, _ in results if out is not None])
            done = [
                (doc_id, canonical, feed.id)
                for (doc_id, canonical, _), (_, finished) in zip(todo, results, strict=True)
                if finished
            ]
            await self.known.remember(done)
        finally:
            self._inflight.difference_update(doc_id for doc_id, _, _ in todo)
        return Ingested(new=len(unknown), pending=len(todo) - len(done))

    async def _fetch(self, feed: Source, doc_id: str, canonical: str, item: FeedItem) -> tuple[Outgoing | None, bool]:
        """One page: (message to send, whether the URL is finished with). Transient failures leave the URL
        unknown so the next poll tries again, up to ``attempts`` times; then it is dead-lettered."""
        try:
            async with self.politeness.slot(canonical):
                result = await self.fetcher.fetch(canonical, max_bytes=self.max_bytes, accept=PAGE_ACCEPT)
        except FetchError as exc:
            metrics.FETCH_STATUS.labels("page", str(exc.status or exc.error_class)).inc()
            if isinstance(exc, HTTPStatusError):
                self.politeness.observe(canonical, exc.status, exc.retry_after_s)
            return self._failed(feed, doc_id, canonical, item, exc)
        metrics.FETCH_STATUS.labels("page", str(result.status)).inc()
        self._failures.pop(doc_id, None)
        page = FetchedPage(
            id=doc_id,
            url=canonical,
            final_url=result.final_url,
            feed_id=feed.id,
            feed_url=feed.url,
            item=item,
            status=result.status,
            content_type=result.content_type,
            charset=result.charset,
            body_gz_b64=FetchedPage.pack_body(result.body),
            fetched_at=datetime.now(UTC),
        )
        return Outgoing(self.pages_topic, doc_id, page.to_bytes()), True

    def _failed(
        self, feed: Source, doc_id: str, url: str, item: FeedItem, exc: FetchError
    ) -> tuple[Outgoing | None, bool]:
        count = self._failures.get(doc_id, 0) + 1
        self._failures[doc_id] = count
        if exc.retriable and count < self.attempts:
            log.info("page %s failed (%s), attempt %d; retried on the next poll", url, exc.error_class, count)
            return None, False
        self._failures.pop(doc_id, None)
        log.warning("page %s dead-lettered: %s %s", url, exc.error_class, exc)
        # the feed item, not the page: ``dlq replay`` turns it back into a forced fetch request
        letter = dead_letter(
            "fetcher",
            exc,
            item.to_bytes(),
            topic=f"feed:{feed.id or '-'}",
            key=doc_id,
            item_id=doc_id,
            subject=f"{url} ({host_of(url)})",
        )
        return Outgoing(self.deadletter_topic, "fetcher", letter.to_bytes()), True


def _candidates(items: Sequence[FeedItem]) -> dict[str, tuple[str, FeedItem]]:
    """``{document id: (canonical URL, item)}`` for the items with an http(s) link, first item wins."""
    candidates: dict[str, tuple[str, FeedItem]] = {}
    for item in items:
        try:
            canonical = canonicalize(item.link)
        except ValueError:
            continue
        if canonical.startswith(("http://", "https://")):
            candidates.setdefault(document_id(canonical), (canonical, item))
    return candidates
