"""New feed items → article pages on Kafka: canonicalise, skip known URLs, fetch politely, produce,
then remember. Producing before remembering means a crash re-fetches at worst (downstream writes are
idempotent); it never loses an article.

Polls, pushed WebSub entries and fetch requests all come through here, so a URL being fetched for one of
them is skipped by the others. A page that failed transiently stays unknown and counts as *pending*: the
poller then forgets the feed's validators so the next poll reads the feed again and retries it.

Fan-out is bounded twice, so a feed listing 20,000 items can neither flood the network nor the event loop:
``per_feed`` workers take one call's items in turn (never a task per item), and every page fetch also holds
one of ``max_in_flight`` slots shared by all feeds, taken last (after the host's politeness turn) so a slot
is never held while sleeping out a host's delay. With ``per_feed`` below ``max_in_flight`` a huge feed can
use only part of the slots, and the slots queue first come first served: other feeds never starve behind it.
Finished pages are sent and remembered every ``FLUSH_EVERY`` pages, not all at the end, so neither memory nor
the work lost to a crash grows with the size of the feed.

A feed whose poll fails is dead-lettered here too (:meth:`PageIngest.dead_letter_feed`, topic
``feedpoll:<id>``); the poller decides when (once per outage and reason, not once per retry)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from wirewatch.core import metrics
from wirewatch.core.deadletters import FEED_ITEM_TOPIC, FEED_POLL_TOPIC, dead_letter
from wirewatch.core.kafka import Outgoing
from wirewatch.core.redaction import destination, scrub
from wirewatch.core.stores.feeds import header_pairs
from wirewatch.schemas import Feed, FeedItem, FetchedPage, Timeline
from wirewatch.services.fetcher.errors import FetchError, HTTPStatusError
from wirewatch.services.fetcher.headers import scoped_headers
from wirewatch.services.fetcher.http import PAGE_ACCEPT, SafeFetcher
from wirewatch.services.fetcher.politeness import Politeness
from wirewatch.services.fetcher.store import KnownUrls
from wirewatch.services.fetcher.urls import canonicalize, document_id, host_of

log = logging.getLogger(__name__)
FLUSH_EVERY = 64
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
    #: the feed's own request headers, sent with pages of the feed's host only (``headers.scoped_headers``)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, feed: Feed) -> Source:
        return cls(feed.id, feed.url, tuple(header_pairs(feed)))

    def headers_for(self, url: str) -> Mapping[str, str]:
        """The headers of this source that may go with a request for ``url``."""
        return scoped_headers(self.url, self.headers, url)


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
        max_in_flight: int = 64,
        per_feed: int = 8,
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
        #: when each URL not finished with was first seen listed (its timeline's ``appeared``, kept over retries)
        self._first_seen: dict[str, datetime] = {}
        self._inflight: set[str] = set()
        self.per_feed = per_feed
        self._slots = asyncio.Semaphore(max_in_flight)

    async def ingest(self, feed: Source, items: Sequence[FeedItem], *, force: bool = False) -> Ingested:
        """Fetch and produce every item not seen before (every item with ``force``)."""
        seen = datetime.now(UTC)  # the poll response or push listing the items was just read
        candidates = _candidates(items)
        unknown = set(candidates) if force else await self.known.unknown(list(candidates))
        todo = [
            (doc_id, *candidates[doc_id]) for doc_id in candidates if doc_id in unknown and doc_id not in self._inflight
        ]
        if not todo:
            return Ingested(new=len(unknown))
        self._inflight.update(doc_id for doc_id, _, _ in todo)
        for doc_id, _, _ in todo:
            self._first_seen.setdefault(doc_id, seen)
        try:
            done = await self._fetch_all(feed, todo)
        finally:
            self._inflight.difference_update(doc_id for doc_id, _, _ in todo)
        return Ingested(new=len(unknown), pending=len(todo) - done)

    async def dead_letter_feed(self, feed: Feed, exc: Exception) -> None:
        """One dead letter for a failed poll of ``feed``: the error's class and reason, the feed's id and its
        URL redacted (a feed URL may carry a token); the payload names the feed, it holds no item."""
        where = destination(feed.url)
        letter = dead_letter(
            "fetcher",
            exc,
            json.dumps({"feed_id": feed.id, "kind": feed.kind, "url": where}).encode(),
            topic=f"{FEED_POLL_TOPIC}{feed.id}",
            key=feed.id,
            item_id=feed.id,
            subject=f"feed {feed.id} {where}",
        )
        letter = letter.model_copy(update={"reason": scrub(letter.reason, feed.url)})  # the error may quote it
        await self.send([Outgoing(self.deadletter_topic, "fetcher", letter.to_bytes())])

    async def _fetch_all(self, feed: Source, todo: Sequence[tuple[str, str, FeedItem]]) -> int:
        """Fetch ``todo`` with at most ``per_feed`` workers; the number of URLs finished with."""
        entries = iter(todo)  # shared by the workers: each entry is taken once
        buffer: list[tuple[Outgoing | None, tuple[str, str, str | None] | None]] = []
        done = 0

        async def flush() -> None:
            nonlocal done
            taken = buffer[:]
            buffer.clear()
            await self.send([out for out, _ in taken if out is not None])
            finished = [entry for _, entry in taken if entry is not None]
            await self.known.remember(finished)  # only after sending: a crash re-fetches, never loses
            done += len(finished)

        async def work() -> None:
            for doc_id, canonical, item in entries:
                out, finished = await self._fetch(feed, doc_id, canonical, item)
                buffer.append((out, (doc_id, canonical, feed.id) if finished else None))
                if len(buffer) >= FLUSH_EVERY:
                    await flush()

        try:
            async with asyncio.TaskGroup() as group:  # one failure (Kafka, Elasticsearch) stops the others
                for _ in range(min(self.per_feed, len(todo))):
                    group.create_task(work())
        except ExceptionGroup as failed:
            raise failed.exceptions[0] from failed  # callers classify the error itself, as with gather
        if buffer:
            await flush()
        return done

    async def _fetch(self, feed: Source, doc_id: str, canonical: str, item: FeedItem) -> tuple[Outgoing | None, bool]:
        """One page: (message to send, whether the URL is finished with). Transient failures leave the URL
        unknown so the next poll tries again, up to ``attempts`` times; then it is dead-lettered."""
        try:
            async with self.politeness.slot(canonical), self._slots:
                result = await self.fetcher.fetch(
                    canonical, max_bytes=self.max_bytes, accept=PAGE_ACCEPT, headers=feed.headers_for(canonical)
                )
        except FetchError as exc:
            metrics.FETCH_STATUS.labels("page", str(exc.status or exc.error_class)).inc()
            if isinstance(exc, HTTPStatusError):
                self.politeness.observe(canonical, exc.status, exc.retry_after_s)
            return self._failed(feed, doc_id, canonical, item, exc)
        metrics.FETCH_STATUS.labels("page", str(result.status)).inc()
        self._failures.pop(doc_id, None)
        now = datetime.now(UTC)
        timeline = Timeline(appeared=self._first_seen.pop(doc_id, None), fetched=now)
        metrics.observe_hops(timeline, "fetched")
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
            fetched_at=now,
            timeline=timeline,
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
        self._first_seen.pop(doc_id, None)
        log.warning("page %s dead-lettered: %s %s", url, exc.error_class, exc)
        # the feed item, not the page: ``dlq replay`` turns it back into a forced fetch request
        letter = dead_letter(
            "fetcher",
            exc,
            item.to_bytes(),
            topic=f"{FEED_ITEM_TOPIC}{feed.id or '-'}",
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
