"""The poll loop: which feeds this replica owns, when each is due, and what one poll does to its health.

One poll: conditional GET → (unchanged: done) → parse (defused) → new items to ``PageIngest`` → save the
validators only after a successful parse → next delay from the adaptive schedule. Failures are recorded
with their class and back off; a feed is never dropped.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import zlib
from datetime import UTC, datetime, timedelta

from schemas import Feed
from services.fetcher.errors import FeedParseError, FetchError, HTTPStatusError, SoftBlock
from services.fetcher.feedparsing import ParsedFeed, parse_feed
from services.fetcher.http import FetchResult, SafeFetcher
from services.fetcher.ingest import PageIngest, Source
from services.fetcher.politeness import Politeness
from services.fetcher.schedule import (
    FeedSchedule,
    PollHints,
    SchedulePolicy,
    after_failure,
    after_success,
    classify_error,
    hints_from,
    next_delay,
)
from services.fetcher.store import FeedHealth, FeedRecord, FeedStore
from services.fetcher.urls import host_of

log = logging.getLogger(__name__)
MAX_CHILD_SITEMAPS = 50


def owner_of(feed: Feed, replicas: int) -> int:
    """Feeds are split by host so one replica owns a host and per-host politeness needs no locks."""
    return zlib.crc32(host_of(feed.url).encode()) % replicas


def items_per_day(parsed: ParsedFeed) -> float | None:
    dates = sorted(i.published_at for i in parsed.items if i.published_at is not None)
    if len(dates) < 2:
        return None
    span_days = max((dates[-1] - dates[0]).total_seconds() / 86400, 1 / 24)
    return round((len(dates) - 1) / span_days, 2)


class FeedPoller:
    def __init__(self, *, store: FeedStore, fetcher: SafeFetcher, politeness: Politeness, ingest: PageIngest,
                 policy: SchedulePolicy, replicas: int, replica: int, concurrency: int, refresh_s: float,
                 max_feed_bytes: int) -> None:
        self.store = store
        self.fetcher = fetcher
        self.politeness = politeness
        self.ingest = ingest
        self.policy = policy
        self.replicas = replicas
        self.replica = replica
        self.refresh_s = refresh_s
        self.max_feed_bytes = max_feed_bytes
        self.slots = asyncio.Semaphore(concurrency)
        self.feeds: dict[str, FeedRecord] = {}
        self.schedules: dict[str, FeedSchedule] = {}
        self.due: dict[str, float] = {}
        self.inflight: dict[str, asyncio.Task[None]] = {}
        self.polls = 0

    async def run(self) -> None:
        """Forever: refresh the owned feed list, start every due poll, sleep a little."""
        refreshed = 0.0
        while True:
            if time.monotonic() - refreshed >= self.refresh_s:
                await self._refresh()
                refreshed = time.monotonic()
            now = time.monotonic()
            for feed_id, record in list(self.feeds.items()):
                if feed_id not in self.inflight and self.due.get(feed_id, 0.0) <= now:
                    task = asyncio.create_task(self._poll_guarded(record))
                    self.inflight[feed_id] = task
                    task.add_done_callback(lambda _t, fid=feed_id: self.inflight.pop(fid, None))
            await asyncio.sleep(0.2)

    async def _refresh(self) -> None:
        try:
            records = await self.store.all()
        except Exception as exc:  # Elasticsearch away: keep polling the feeds we know
            log.warning("could not refresh the feed list (%s); keeping %d known feeds", exc, len(self.feeds))
            return
        owned = {r.feed.id: r for r in records
                 if r.feed.enabled and owner_of(r.feed, self.replicas) == self.replica}
        for feed_id, record in owned.items():
            if feed_id not in self.feeds:
                self.due[feed_id] = self._first_due(record.health)
                self.schedules[feed_id] = FeedSchedule(explicit_interval_s=record.feed.interval_s,
                                                       failures=record.health.consecutive_failures)
            if feed_id not in self.inflight:
                self.feeds[feed_id] = record
        for gone in set(self.feeds) - set(owned):
            self.feeds.pop(gone, None)

    @staticmethod
    def _first_due(health: FeedHealth) -> float:
        """After a restart, honour the stored next poll time instead of hammering every feed at once."""
        if health.next_poll_at is None:
            return 0.0
        wait = (health.next_poll_at - datetime.now(UTC)).total_seconds()
        return time.monotonic() + max(0.0, wait)

    async def _poll_guarded(self, record: FeedRecord) -> None:
        async with self.slots:
            try:
                await self.poll(record)
            except Exception:
                log.exception("poll of feed %s crashed; retrying after the default interval", record.feed.id)
                self.due[record.feed.id] = time.monotonic() + self.policy.default_s

    async def poll(self, record: FeedRecord) -> None:
        feed, health = record.feed, record.health.model_copy()
        state = self.schedules.get(feed.id) or FeedSchedule(explicit_interval_s=feed.interval_s)
        now = datetime.now(UTC)
        health.last_polled_at = now
        hints = PollHints()
        try:
            result, parsed, new_items = await self._poll_once(feed, health)
            hints = hints_from(parsed, result)
            total = len(parsed.items) if parsed else 0
            state = after_success(state, new_items=new_items, total_items=total, policy=self.policy, hints=hints)
            health.last_success_at, health.last_status = now, result.status
            health.items_total += new_items
        except (FetchError, FeedParseError) as exc:
            state = after_failure(state, classify_error(exc))
            self._record_failure(feed, health, exc, now)
            hints = PollHints(retry_after_s=getattr(exc, "retry_after_s", None))
        self.polls += 1
        delay = next_delay(state, self.policy, hints)
        self.schedules[feed.id] = state
        self.due[feed.id] = time.monotonic() + delay
        health.consecutive_failures = state.failures
        health.effective_interval_s = state.interval_s or feed.interval_s
        health.next_poll_at = now + timedelta(seconds=delay)
        self.feeds[feed.id] = FeedRecord(feed=feed, health=health)
        await self.store.save_health(feed.id, health)

    async def _poll_once(self, feed: Feed, health: FeedHealth) -> tuple[FetchResult, ParsedFeed | None, int]:
        async with self.politeness.slot(feed.url, check_robots=False):
            result = await self.fetcher.fetch(feed.url, etag=health.etag, last_modified=health.last_modified,
                                              max_bytes=self.max_feed_bytes)
        if result.permanent_redirect:
            log.info("feed %s moved permanently to %s", feed.id, result.permanent_redirect)
            await self.store.move(feed.id, result.permanent_redirect)
            feed = feed.model_copy(update={"url": result.permanent_redirect})
        body_hash = hashlib.sha256(result.body).hexdigest() if not result.not_modified else health.body_hash
        if result.not_modified or body_hash == health.body_hash:
            return result, None, 0  # validators (or, when they lie, the body hash) say nothing changed
        parsed = await asyncio.to_thread(parse_feed, result.body, url=result.final_url,
                                         content_type=result.content_type)
        new_items = await self.ingest.ingest(Source.of(feed), parsed.items)
        new_items += await self._children(feed, parsed)
        # validators are saved only now: a feed that failed to parse is fetched in full next time
        health.etag, health.last_modified, health.body_hash = result.etag, result.last_modified, body_hash
        health.title = parsed.title or health.title
        health.hub_url = parsed.hub_url
        health.items_per_day = items_per_day(parsed) or health.items_per_day
        return result, parsed, new_items

    async def _children(self, feed: Feed, parsed: ParsedFeed) -> int:
        """A sitemap index: poll its child sitemaps in the same round (bounded)."""
        new_items = 0
        for child in parsed.child_sitemaps[:MAX_CHILD_SITEMAPS]:
            async with self.politeness.slot(child, check_robots=False):
                result = await self.fetcher.fetch(child, max_bytes=self.max_feed_bytes)
            child_feed = await asyncio.to_thread(parse_feed, result.body, url=result.final_url,
                                                 content_type=result.content_type)
            new_items += await self.ingest.ingest(Source.of(feed), child_feed.items)
        return new_items

    def _record_failure(self, feed: Feed, health: FeedHealth, exc: Exception, now: datetime) -> None:
        health.last_error_at = now
        health.last_error_class = classify_error(exc)
        health.last_error = str(getattr(exc, "reason", None) or exc)[:1000]
        health.last_status = getattr(exc, "status", None)
        if isinstance(exc, HTTPStatusError):
            self.politeness.observe(feed.url, exc.status, exc.retry_after_s)
        elif isinstance(exc, SoftBlock):
            self.politeness.back_off(host_of(feed.url), self.policy.default_s)
        log.warning("feed %s (%s) failed: %s %s", feed.id, feed.url, health.last_error_class, health.last_error)
