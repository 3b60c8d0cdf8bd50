"""A failed feed poll is dead-lettered once per outage and reason (issue 15), and a readable feed's warnings
reach its health.

The poller runs for real here (its ingest too); only the network, the politeness gate, the known-URL set and
the feed store are stand-ins, and the "Kafka" is a list of what was sent.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

import pytest

from wirewatch.core.deadletters import dead_letter
from wirewatch.core.kafka import Outgoing
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.feeds import MAX_HEALTH_WARNINGS, FeedHealth, FeedRecord, FeedStore, new_feed
from wirewatch.ops.deadletters import NOT_REPLAYED, kind_of, replay_message
from wirewatch.schemas import DeadLetter, FeedItem
from wirewatch.services.fetcher.errors import FeedParseError, HTTPStatusError
from wirewatch.services.fetcher.http import FetchResult, SafeFetcher
from wirewatch.services.fetcher.ingest import PageIngest
from wirewatch.services.fetcher.politeness import Politeness
from wirewatch.services.fetcher.polling import FeedPoller, letter_due
from wirewatch.services.fetcher.schedule import SchedulePolicy
from wirewatch.services.fetcher.store import KnownUrls

FEED_URL = "https://news.example.org/feed.xml?token=s3cret"
BROKEN = b"not a feed <<< >>>"
GOOD = b"""<rss version="2.0"><channel><title>T</title>
<item><link>https://news.example.org/a</link><pubDate>yesterday-ish</pubDate></item>
</channel></rss>"""


def _rss_with_bad_dates(count: int) -> bytes:
    items = "".join(
        f"<item><link>https://news.example.org/{n}</link><pubDate>bad {n}</pubDate></item>" for n in range(count)
    )
    return f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


# --- the transition rule ------------------------------------------------------------------------------------


def failing(error_class: str, reason: str) -> FeedHealth:
    return FeedHealth(consecutive_failures=2, last_error_class=error_class, last_error=reason)


def test_the_first_failure_of_a_working_feed_is_dead_lettered() -> None:
    assert letter_due(FeedHealth(), "parse", "malformed XML")
    recovered = FeedHealth(consecutive_failures=0, last_error_class="parse", last_error="malformed XML")
    assert letter_due(recovered, "parse", "malformed XML")  # an old error, but the feed worked since


def test_a_feed_that_stays_broken_the_same_way_is_not_dead_lettered_again() -> None:
    assert not letter_due(failing("parse", "malformed XML: line 1"), "parse", "malformed XML: line 1")
    # only a number moved (an offset, a size): the same failure
    assert not letter_due(
        failing("parse", "malformed XML: line 1, column 0"), "parse", "malformed XML: line 7, column 12"
    )


def test_a_new_class_or_reason_is_dead_lettered_again() -> None:
    assert letter_due(failing("parse", "malformed XML"), "http_status", "HTTP 500")
    assert letter_due(failing("parse", "malformed XML"), "parse", "an HTML page, not a feed")


# --- the poller with stand-ins --------------------------------------------------------------------------------


class Network:
    """Answers every fetch of the feed with the next body (the last one repeats)."""

    def __init__(self, *bodies: bytes) -> None:
        self.bodies = list(bodies)

    async def fetch(self, url: str, **_: Any) -> FetchResult:
        body = self.bodies.pop(0) if len(self.bodies) > 1 else self.bodies[0]
        return FetchResult(
            status=200,
            url=url,
            final_url=url,
            headers={},
            body=body,
            charset=None,
            content_type="application/rss+xml",
            permanent_redirect=None,
            not_modified=False,
            elapsed_s=0.01,
            retry_after_s=None,
        )


class Gate:
    @asynccontextmanager
    async def slot(self, _url: str, *, check_robots: bool = True) -> AsyncIterator[None]:
        yield

    def observe(self, *_: Any) -> None: ...

    def back_off(self, *_: Any) -> None: ...


class Known:
    async def unknown(self, _ids: list[str]) -> set[str]:
        return set()  # every page is known: only the feed itself is fetched

    async def remember(self, _entries: Sequence[Any]) -> None: ...


class Store:
    def __init__(self) -> None:
        self.saved: list[FeedHealth] = []

    async def save_health(self, _feed_id: str, health: FeedHealth) -> None:
        self.saved.append(health)


class Harness:
    def __init__(self, network: Network) -> None:
        self.sent: list[Outgoing] = []
        self.store = Store()
        ingest = PageIngest(
            fetcher=cast(SafeFetcher, network),
            politeness=cast(Politeness, Gate()),
            known=cast(KnownUrls, Known()),
            send=self._send,
            pages_topic="t.pages",
            deadletter_topic="t.dlq",
            max_bytes=1 << 20,
            attempts=3,
        )
        self.poller = FeedPoller(
            store=cast(FeedStore, self.store),
            fetcher=cast(SafeFetcher, network),
            politeness=cast(Politeness, Gate()),
            ingest=ingest,
            policy=SchedulePolicy(),
            replicas=1,
            replica=0,
            concurrency=1,
            refresh_s=60,
            max_feed_bytes=1 << 20,
        )
        self.feed = new_feed(FEED_URL)
        self.poller._adopt(FeedRecord(feed=self.feed, health=FeedHealth()))

    async def _send(self, messages: Sequence[Outgoing]) -> None:
        self.sent.extend(messages)

    async def poll(self, times: int = 1) -> FeedHealth:
        for _ in range(times):
            await self.poller.poll(self.poller.feeds[self.feed.id])
        return self.poller.feeds[self.feed.id].health

    def letters(self) -> list[DeadLetter]:
        return [DeadLetter.from_bytes(m.value) for m in self.sent if m.topic == "t.dlq"]


async def test_a_broken_feed_is_dead_lettered_once_however_often_it_is_polled() -> None:
    harness = Harness(Network(BROKEN))
    health = await harness.poll(5)
    assert health.consecutive_failures == 5 and health.last_error_class == "parse"
    [letter] = harness.letters()
    assert (letter.stage, letter.error_class, letter.topic, letter.item_id) == (
        "fetcher",
        "parse",
        f"feedpoll:{harness.feed.id}",
        harness.feed.id,
    )
    assert "malformed XML" in letter.reason and harness.feed.id in letter.reason
    body = base64_payload(letter)
    assert body["feed_id"] == harness.feed.id and body["kind"] == "feed"
    assert "s3cret" not in letter.reason and "s3cret" not in json.dumps(body)  # the URL is redacted


async def test_recovery_then_a_new_outage_sends_a_second_letter() -> None:
    harness = Harness(Network(BROKEN, BROKEN, GOOD, BROKEN, BROKEN))
    await harness.poll(5)
    assert len(harness.letters()) == 2


async def test_a_changed_reason_sends_another_letter() -> None:
    class Flaky(Network):
        calls = 0

        async def fetch(self, url: str, **kwargs: Any) -> FetchResult:
            self.calls += 1
            if self.calls > 2:
                raise HTTPStatusError("HTTP 503", url=url, status=503)
            return await super().fetch(url, **kwargs)

    harness = Harness(Flaky(BROKEN))
    await harness.poll(5)
    assert [letter.error_class for letter in harness.letters()] == ["parse", "http_status"]


async def test_a_readable_feed_s_warnings_are_counted_in_its_health_and_a_few_kept() -> None:
    harness = Harness(Network(_rss_with_bad_dates(80)))
    health = await harness.poll()
    assert health.consecutive_failures == 0 and not harness.letters()
    assert health.warnings_count == 80  # every warning counted, past the 50 a document keeps
    assert len(health.warnings) == MAX_HEALTH_WARNINGS and "unreadable date 'bad 0'" in health.warnings[0]
    assert harness.store.saved[-1].warnings_count == 80


# --- replay ----------------------------------------------------------------------------------------------------


def base64_payload(letter: DeadLetter) -> dict[str, Any]:
    from wirewatch.ops.deadletters import payload

    return cast(dict[str, Any], json.loads(payload(letter)))


def test_a_feed_poll_letter_is_not_replayed_and_says_why() -> None:
    settings = CommonSettings(topic_prefix="t1.")
    poll = dead_letter("fetcher", FeedParseError("malformed XML"), b"{}", topic="feedpoll:f1", key="f1")
    item = FeedItem(link="https://example.org/a")
    page = dead_letter("fetcher", HTTPStatusError("HTTP 500", status=500), item.to_bytes(), topic="feed:f1")
    assert (kind_of(poll), kind_of(page)) == ("feed_poll", "feed_item")
    assert replay_message(poll, settings) is None and "next poll" in NOT_REPLAYED["feed_poll"]
    assert replay_message(page, settings) is not None  # the other letters of the same replay still go


def test_every_letter_has_a_kind() -> None:
    error = FeedParseError("x")
    assert kind_of(dead_letter("alerter", error, b"{}", key="d1")) == "alert"
    assert kind_of(dead_letter("parser", error, b"{}", topic="t1.pages")) == "record"
    assert kind_of(dead_letter("parser", error, b"{}")) == "unroutable"


# --- where the warnings are shown ---------------------------------------------------------------------------


def test_feeds_list_and_show_give_the_warning_count(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from wirewatch.cli import cli

    warned = FeedRecord(
        feed=new_feed(FEED_URL), health=FeedHealth(warnings_count=80, warnings=["item x: unreadable date 'bad'"])
    )
    monkeypatch.setattr("wirewatch.cli.feeds.with_es", lambda action: [warned])
    listed = CliRunner().invoke(cli, ["feeds", "list"], catch_exceptions=False, terminal_width=300)
    assert listed.exit_code == 0 and "80 warnings" in listed.output
    shown = CliRunner().invoke(cli, ["feeds", "show", warned.feed.id], catch_exceptions=False)
    document = json.loads(shown.output)
    assert document["warnings_count"] == 80 and document["warnings"] == ["item x: unreadable date 'bad'"]
