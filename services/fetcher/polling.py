"""The poll loop: which feeds this replica owns, when each is due, and what one poll does to its health.

One poll: conditional GET → (unchanged, by validators or, when they lie, by body hash: done) → parse
(defused) → new items to ``PageIngest`` → save the validators only after a successful parse that left no
page pending (so the next poll re-reads the feed and retries those pages) → next delay from the adaptive
schedule. Failures are recorded with their class and back off; a feed is never dropped. A failure that
starts an outage, or changes its class or reason, is also dead-lettered (``feedpoll:<id>``,
:func:`letter_due`): once per outage and reason, never once per retry, so a dead feed cannot flood the topic.

The poll loop is the only writer of a feed's health: the feed list is re-read every ``refresh_s`` for
added, removed and changed feeds, but the health of a feed already known is kept from memory, so a
stale read never brings back old validators. With WebSub, a feed advertising a hub is subscribed after
a successful poll, pushed content goes through the same ingest path (:meth:`FeedPoller.pushed`), and
while a lease is active the feed is polled ``fallback`` times less often to notice missed pushes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re
import time
import zlib
from collections.abc import Coroutine
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from wirewatch.core import metrics
from wirewatch.core.charset import charset_param
from wirewatch.core.stores.feeds import (
    MAX_HEALTH_WARNING_CHARS,
    MAX_HEALTH_WARNINGS,
    FeedHealth,
    FeedRecord,
    FeedStore,
    header_pairs,
)
from wirewatch.schemas import Feed
from wirewatch.services.fetcher.errors import FeedParseError, FetchError, HTTPStatusError, SoftBlock
from wirewatch.services.fetcher.feedmodels import DEFAULT_LIMITS, FeedLimits
from wirewatch.services.fetcher.feedparsing import ParsedFeed, parse_feed
from wirewatch.services.fetcher.http import FetchResult, SafeFetcher
from wirewatch.services.fetcher.ingest import PageIngest, Source
from wirewatch.services.fetcher.politeness import Politeness
from wirewatch.services.fetcher.schedule import (
    FeedSchedule,
    PollHints,
    SchedulePolicy,
    after_failure,
    after_success,
    classify_error,
    hints_from,
    next_delay,
)
from wirewatch.services.fetcher.urls import host_of
from wirewatch.services.fetcher.websub import WebSub

log = logging.getLogger(__name__)
MAX_CHILD_SITEMAPS = 50
#: the poll loop wakes when the next feed is due, but at least this long apart and at most this long apart
MIN_TICK_S = 0.005
MAX_TICK_S = 0.2
#: a poll's health is saved when more than these poll times changed, else at most this often per feed (so
#: ``last_polled_at`` and ``next_poll_at`` as stored may be this old; at restart a feed is then polled early)
VOLATILE_HEALTH = {"last_polled_at", "last_success_at", "next_poll_at"}
HEALTH_SAVE_S = 30.0
#: a poll is next due ``delay`` after it started, and at least this share of ``delay`` after it finished
MIN_GAP_SHARE = 0.1
MAX_ERROR_CHARS = 1000
_NUMBERS = re.compile(r"\d+")


def next_due(started: float, finished: float, delay: float) -> float:
    """When a poll that started and finished at these monotonic times is next due: ``delay`` after it
    *started*, so an interval is the period between polls, not the gap after one; but never sooner than a
    tenth of the delay after it finished, so a feed slower to answer than its interval is not polled back to
    back."""
    return max(started + delay, finished + delay * MIN_GAP_SHARE)


def owner_of(feed: Feed, replicas: int) -> int:
    """Feeds are split by host so one replica owns a host and per-host politeness needs no locks."""
    return zlib.crc32(host_of(feed.url).encode()) % replicas


def items_per_day(parsed: ParsedFeed) -> float | None:
    dates = sorted(i.published_at for i in parsed.items if i.published_at is not None)
    if len(dates) < 2:
        return None
    span_days = max((dates[-1] - dates[0]).total_seconds() / 86400, 1 / 24)
    return round((len(dates) - 1) / span_days, 2)


def failure_reason(exc: BaseException) -> str:
    """The reason a failed poll is recorded with in the feed's health."""
    return str(getattr(exc, "reason", None) or exc)[:MAX_ERROR_CHARS]


def letter_due(health: FeedHealth, error_class: str, reason: str) -> bool:
    """Whether a failed poll is dead-lettered, given the feed's health before it: yes when the feed was
    working (a new outage) or its failure changed class or reason; no for one more retry of a feed that stays
    broken the same way. Numbers in a reason (offsets, sizes, timings) do not make it another reason."""
    if health.consecutive_failures == 0:
        return True
    return (health.last_error_class, _gist(health.last_error)) != (error_class, _gist(reason))


def _gist(reason: str | None) -> str:
    return _NUMBERS.sub("#", reason or "")


class FeedPoller:
    def __init__(
        self,
        *,
        store: FeedStore,
        fetcher: SafeFetcher,
        politeness: Politeness,
        ingest: PageIngest,
        policy: SchedulePolicy,
        replicas: int,
        replica: int,
        concurrency: int,
        refresh_s: float,
        max_feed_bytes: int,
        limits: FeedLimits = DEFAULT_LIMITS,
        websub: WebSub | None = None,
        fallback: float = 4.0,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.politeness = politeness
        self.ingest = ingest
        self.policy = policy
        self.replicas = replicas
        self.replica = replica
        self.refresh_s = refresh_s
        self.max_feed_bytes = max_feed_bytes
        self.limits = limits
        self.websub = websub
        self.fallback = fallback
        self.slots = asyncio.Semaphore(concurrency)
        self.feeds: dict[str, FeedRecord] = {}
        self.schedules: dict[str, FeedSchedule] = {}
        self.due: dict[str, float] = {}
        self.inflight: dict[str, asyncio.Task[None]] = {}
        self.reread: set[str] = set()  # feeds to read ignoring their validators once (a pushed page pends)
        self.polls = 0
        self._background: set[asyncio.Task[Any]] = set()
        self._saved: dict[str, tuple[dict[str, Any], float]] = {}  # per feed: what was last saved, and when

    async def run(self) -> None:
        """Forever: refresh the owned feed list, start every due poll, renew leases, sleep a little."""
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
                    task.add_done_callback(partial(self._finished, feed_id))
            if self.websub is not None:
                for intent in self.websub.due():
                    self._spawn(self.websub.request(intent))
            await asyncio.sleep(self._until_next_due())

    def _until_next_due(self) -> float:
        """Seconds to sleep: until the next idle feed is due (a poll on time, not up to a tick late), at least
        :data:`MIN_TICK_S`, at most :data:`MAX_TICK_S` (the loop also renews leases and refreshes feeds)."""
        waiting = [due for feed_id, due in self.due.items() if feed_id not in self.inflight]
        wait = min(waiting, default=math.inf) - time.monotonic()
        return min(max(wait, MIN_TICK_S), MAX_TICK_S)

    def _finished(self, feed_id: str, _task: asyncio.Task[None]) -> None:
        self.inflight.pop(feed_id, None)

    async def _refresh(self) -> None:
        try:
            records = await self.store.all()
        except Exception as exc:  # noqa: BLE001 — Elasticsearch away: keep polling the feeds we know
            log.warning("could not refresh the feed list (%s); keeping %d known feeds", exc, len(self.feeds))
            return
        owned = {r.feed.id: r for r in records if r.feed.enabled and owner_of(r.feed, self.replicas) == self.replica}
        for feed_id, record in owned.items():
            known = self.feeds.get(feed_id)
            if known is None:
                self._adopt(record)
            elif feed_id not in self.inflight:  # the definition may have changed; the health is ours
                self.feeds[feed_id] = FeedRecord(feed=record.feed, health=known.health)
                self.schedules[feed_id] = replace(self.schedules[feed_id], explicit_interval_s=record.feed.interval_s)
        for gone in set(self.feeds) - set(owned):
            self._forget(gone)

    def _adopt(self, record: FeedRecord) -> None:
        feed_id = record.feed.id
        self.feeds[feed_id] = record
        self.due[feed_id] = self._first_due(record.health)
        failures = record.health.consecutive_failures  # after a restart, back off as much as before
        self.schedules[feed_id] = FeedSchedule(
            explicit_interval_s=record.feed.interval_s, failures=failures, consecutive_failures=int(failures)
        )
        if self.websub is not None:
            self.websub.restore(feed_id, record.health)

    def _forget(self, feed_id: str) -> None:
        log.info("feed %s is no longer ours (removed, disabled or reassigned): polling stops", feed_id)
        for table in (self.feeds, self.due, self.schedules, self._saved):
            table.pop(feed_id, None)
        if self.websub is not None and (intent := self.websub.drop(feed_id)) is not None:
            self._spawn(self.websub.request(intent))

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
        now, started = datetime.now(UTC), time.monotonic()
        health.last_polled_at = now
        hints = PollHints()
        try:
            feed, result, parsed, new_items = await self._poll_once(feed, health)
            hints = hints_from(parsed, result)
            total = len(parsed.items) if parsed else 0
            state = after_success(state, new_items=new_items, total_items=total, policy=self.policy, hints=hints)
            health.last_success_at, health.last_status = now, result.status
            health.items_total += new_items
            self._subscribe(feed, health)
        except (FetchError, FeedParseError) as exc:
            metrics.FETCH_STATUS.labels("feed", str(getattr(exc, "status", None) or classify_error(exc))).inc()
            state = after_failure(state, classify_error(exc))
            due = letter_due(health, classify_error(exc), failure_reason(exc))
            self._record_failure(feed, health, exc, now)
            if due:  # a failed send fails the poll: the health is not saved, so the next poll sends it again
                await self.ingest.dead_letter_feed(feed, exc)
            hints = PollHints(retry_after_s=getattr(exc, "retry_after_s", None))
        self.polls += 1
        delay = next_delay(state, self.policy, hints)
        if self.websub is not None and self.websub.is_active(feed.id):
            delay *= self.fallback  # pushes arrive on their own; polling only notices missed ones
        health.consecutive_failures = state.consecutive_failures
        health.effective_interval_s = state.interval_s or feed.interval_s
        health.next_poll_at = now + timedelta(seconds=delay)
        if feed.id not in self.feeds:
            return  # removed while it was being polled: nothing to schedule or save
        self.schedules[feed.id] = state
        self.due[feed.id] = next_due(started, time.monotonic(), delay)
        self.feeds[feed.id] = FeedRecord(feed=feed, health=health)
        await self._save_health(feed.id, health)

    async def _save_health(self, feed_id: str, health: FeedHealth) -> None:
        """Save a poll's health when it says something new, else at most every :data:`HEALTH_SAVE_S`: a poll
        that only moved the poll times (the usual case at a short interval) costs Elasticsearch nothing."""
        material = health.model_dump(mode="json", exclude=VOLATILE_HEALTH)
        last = self._saved.get(feed_id)
        if last is not None and last[0] == material and time.monotonic() - last[1] < HEALTH_SAVE_S:
            return
        await self.store.save_health(feed_id, health)
        self._saved[feed_id] = (material, time.monotonic())

    async def _poll_once(self, feed: Feed, health: FeedHealth) -> tuple[Feed, FetchResult, ParsedFeed | None, int]:
        fresh = feed.id in self.reread
        self.reread.discard(feed.id)
        async with self.politeness.slot(feed.url, check_robots=False):
            result = await self.fetcher.fetch(
                feed.url,
                etag=None if fresh else health.etag,
                last_modified=None if fresh else health.last_modified,
                max_bytes=self.max_feed_bytes,
                headers=dict(header_pairs(feed)),
            )
        metrics.FETCH_STATUS.labels("feed", str(result.status)).inc()
        if result.permanent_redirect:
            log.info("feed %s moved permanently to %s", feed.id, result.permanent_redirect)
            keep = not feed.request_headers or bool(Source.of(feed).headers_for(result.permanent_redirect))
            if not keep:
                log.warning("feed %s moved to another host: its own request headers are dropped", feed.id)
            await self.store.move(feed.id, result.permanent_redirect, keep_headers=keep)
            update = {"url": result.permanent_redirect} | ({} if keep else {"request_headers": None})
            feed = feed.model_copy(update=update)
        body_hash = hashlib.sha256(result.body).hexdigest() if not result.not_modified else health.body_hash
        if result.not_modified or (body_hash == health.body_hash and not fresh):
            return feed, result, None, 0  # validators (or, when they lie, the body hash) say nothing changed
        parsed = await self._parse(feed.id, result)
        outcome = await self.ingest.ingest(Source.of(feed), parsed.items)
        new_items = outcome.new + await self._children(feed, parsed)
        if not outcome.pending:  # else keep the old validators: the next poll reads the feed again
            health.etag, health.last_modified, health.body_hash = result.etag, result.last_modified, body_hash
        health.title = parsed.title or health.title
        health.hub_url, health.self_url = parsed.hub_url, parsed.self_url
        health.items_per_day = items_per_day(parsed) or health.items_per_day
        health.items_capped_at = parsed.capped_at
        health.warnings_count = parsed.warning_count
        health.warnings = [warning[:MAX_HEALTH_WARNING_CHARS] for warning in parsed.warnings[:MAX_HEALTH_WARNINGS]]
        return feed, result, parsed, new_items

    async def _parse(self, feed_id: str, result: FetchResult) -> ParsedFeed:
        """A fetched document parsed off the event loop, within this poller's item caps."""
        return await asyncio.to_thread(
            parse_feed,
            result.body,
            url=result.final_url,
            content_type=result.content_type,
            charset=result.header_charset,
            limits=self.limits,
            feed_id=feed_id,
        )

    async def _children(self, feed: Feed, parsed: ParsedFeed) -> int:
        """A sitemap index: poll its child sitemaps in the same round (bounded)."""
        new_items = 0
        for child in parsed.child_sitemaps[:MAX_CHILD_SITEMAPS]:
            async with self.politeness.slot(child, check_robots=False):
                result = await self.fetcher.fetch(
                    child, max_bytes=self.max_feed_bytes, headers=Source.of(feed).headers_for(child)
                )
            child_feed = await self._parse(feed.id, result)
            new_items += (await self.ingest.ingest(Source.of(feed), child_feed.items)).new
        return new_items

    def _subscribe(self, feed: Feed, health: FeedHealth) -> None:
        """A feed advertising a hub: subscribe (or renew, or move to a new hub/topic) when needed."""
        if self.websub is None or not health.hub_url:
            return
        intent = self.websub.plan(feed.id, health.hub_url, health.self_url or feed.url)
        if intent is not None:
            self._spawn(self.websub.request(intent))

    async def pushed(self, feed_id: str, body: bytes, content_type: str | None) -> None:
        """Content a hub pushed (signature already checked): the same parse and ingest as a poll."""
        record = self.feeds.get(feed_id)
        if record is None:
            log.warning("push for feed %s, which this replica does not poll: ignored", feed_id)
            return
        try:
            parsed = await asyncio.to_thread(
                parse_feed,
                body,
                url=record.feed.url,
                content_type=content_type,
                charset=charset_param(content_type),
                limits=self.limits,
                feed_id=feed_id,
            )
            outcome = await self.ingest.ingest(Source.of(record.feed), parsed.items)
        except Exception:  # the fallback poll will pick the items up
            log.exception("push for feed %s could not be ingested", feed_id)
            self.reread.add(feed_id)
            return
        if outcome.pending:
            self.reread.add(feed_id)
        log.info(
            "push for feed %s: %d items, %d new, %d pending", feed_id, len(parsed.items), outcome.new, outcome.pending
        )

    async def stop(self) -> None:
        """Cancel the polls and WebSub requests in flight and wait for them, before the HTTP client and the
        producer close: a poll cut off by the shutdown is no failure of its feed (it is neither recorded nor
        dead-lettered; its feed is polled again after the restart)."""
        tasks = [*self.inflight.values(), *self._background]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _record_failure(self, feed: Feed, health: FeedHealth, exc: Exception, now: datetime) -> None:
        health.last_error_at = now
        health.last_error_class = classify_error(exc)
        health.last_error = failure_reason(exc)
        health.last_status = getattr(exc, "status", None)
        if isinstance(exc, HTTPStatusError):
            self.politeness.observe(feed.url, exc.status, exc.retry_after_s)
        elif isinstance(exc, SoftBlock):
            self.politeness.back_off(host_of(feed.url), self.policy.default_s)
        log.warning("feed %s (%s) failed: %s %s", feed.id, feed.url, health.last_error_class, health.last_error)
