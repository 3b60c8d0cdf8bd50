"""A feed that cannot be read is dead-lettered once, with its reason, by the real fetcher worker (issue 15).

A loopback site serves a feed malformed beyond repair; the fetcher polls it again and again (with backoff).
Decisions pinned down here: one letter per outage and reason on the dead-letter topic (``feedpoll:<id>``,
error class ``parse``, the feed's URL redacted), none per retry; ``dlq list`` marks it a ``feed_poll``
letter, and ``dlq replay`` skips it with a note (the poller retries the feed by itself) while still sending
the other letters of the same replay.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.workers import Workers
from tests.integration.test_fetcher import add_feed, cli, feed_records, hosts, letters, workers
from tests.support.polling import eventually
from wirewatch.core.deadletters import dead_letter
from wirewatch.core.kafka import MAX_MESSAGE_BYTES, client_options
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES, FeedItem
from wirewatch.services.fetcher.errors import HTTPStatusError

pytestmark = [pytest.mark.integration]
__all__ = ["hosts", "workers"]  # fixtures shared with the fetcher's integration tests


async def _dead_letter_a_page(settings: CommonSettings) -> None:
    """A page letter next to the feed's, so the replay shows it still sends the letters it can."""
    from aiokafka import AIOKafkaProducer

    item = FeedItem(link="http://127.0.0.250/gone")
    letter = dead_letter("fetcher", HTTPStatusError("HTTP 500", status=500), item.to_bytes(), topic="feed:other")
    producer = AIOKafkaProducer(acks="all", max_request_size=MAX_MESSAGE_BYTES, **client_options(settings))
    await producer.start()
    try:
        await producer.send_and_wait(
            settings.topic_name(STAGES["fetcher"].deadletters), letter.to_bytes(), key=b"fetcher"
        )
    finally:
        await producer.stop()


async def test_a_broken_feed_is_dead_lettered_once_with_its_reason_and_not_replayed(
    initialised: CommonSettings, hosts: Any, workers: Workers
) -> None:
    settings = initialised
    (site,) = await hosts(1)
    path = "/feed.xml?key=s3cret"
    url = site.put(path, "not a feed <<< >>>", "application/rss+xml")
    feed_id = await add_feed(settings, url)
    workers.start("fetcher")

    async def feed_letters() -> list[Any]:
        return [d for d in await letters(settings) if d.topic == f"feedpoll:{feed_id}"]

    await eventually(lambda: _count(feed_letters(), 1), timeout=60, what="the broken feed's dead letter")
    await eventually(lambda: len(site.requests(path)) >= 3, timeout=60, what="two more failed polls")
    await eventually(
        lambda: _failures(settings, feed_id, 3), timeout=30, what="the third failure recorded in the health"
    )
    [letter] = await feed_letters()  # the retries of the same broken feed sent none
    assert (letter.stage, letter.error_class, letter.item_id) == ("fetcher", "parse", feed_id)
    assert "malformed XML" in letter.reason and feed_id in letter.reason and "s3cret" not in letter.reason

    listed = json.loads(await cli(settings, "dlq", "list", "--json"))
    assert [d["kind"] for d in listed if d["topic"] == f"feedpoll:{feed_id}"] == ["feed_poll"]

    await _dead_letter_a_page(settings)
    out = await cli(settings, "dlq", "replay", "--stage", "fetcher")
    assert "replayed 1 messages" in out and "skipped 1 feed_poll letter(s)" in out and "next poll" in out


async def _count(found: Any, expected: int) -> bool:
    return len(await found) >= expected


async def _failures(settings: CommonSettings, feed_id: str, count: int) -> bool:
    return (await feed_records(settings))[feed_id].health.consecutive_failures >= count
