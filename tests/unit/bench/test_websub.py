"""The benchmark's WebSub pieces without a fetcher: feeds advertising the hub as the fetcher's parser reads
them, the one-entry documents the hub pushes, and the pushes' signatures as the fetcher checks them."""

from __future__ import annotations

import pytest

from bench.corpus import Corpus
from bench.loadgen import FeedSite, Planned
from bench.websub import signature
from wirewatch.services.fetcher.feedparsing import parse_feed
from wirewatch.services.fetcher.websub import signature_ok

HUB = "https://127.0.0.250:4443/hub"


def site(hub: str | None) -> FeedSite:
    found = FeedSite(Corpus(5), feeds=2, hosts=2, port=8080, hub_url=hub)
    found.add([Planned(n, n % 2, 100.0 + n) for n in range(6)])
    return found


@pytest.mark.parametrize("feed", [0, 1], ids=["rss", "atom"])
def test_feeds_advertise_the_hub_and_themselves(feed: int) -> None:
    served = site(HUB)
    body, content_type = served.document(feed, served.visible(feed, 1000.0))
    parsed = parse_feed(body, url=served.feed_url(feed), content_type=content_type)
    assert (parsed.hub_url, parsed.self_url) == (HUB, served.feed_url(feed))
    assert len(parsed.items) == 3


@pytest.mark.parametrize("feed", [0, 1], ids=["rss", "atom"])
def test_without_a_hub_nothing_is_advertised(feed: int) -> None:
    served = site(None)
    body, content_type = served.document(feed, served.visible(feed, 1000.0))
    parsed = parse_feed(body, url=served.feed_url(feed), content_type=content_type)
    assert parsed.hub_url is None and b'rel="hub"' not in body


def test_a_push_holds_the_new_entry_only_and_names_its_topic() -> None:
    served = site(HUB)
    item = served.planned[3]
    topic, body, content_type = served.new_entry(item)
    parsed = parse_feed(body, url=topic, content_type=content_type)
    assert topic == served.feed_url(item.feed)
    assert [i.link for i in parsed.items] == [served.url_of(item)]


def test_pushes_are_signed_as_the_fetcher_checks() -> None:
    secret, body = "s" * 64, b"<rss/>"
    assert signature_ok(secret, body, signature(secret, body))
    assert not signature_ok("t" * 64, body, signature(secret, body))


def test_a_pushed_load_is_reported_beside_the_polled_one_at_the_same_rate() -> None:
    from bench import report
    from bench.results import LoadResult, RunResult

    polled = LoadResult(rate=5.0, duration=20.0, items=2, watched=0, searchable=[1.2, 1.4])
    pushed = LoadResult(rate=5.0, duration=20.0, items=2, watched=0, searchable=[0.5, 1.3], label="websub 5/s")
    result = RunResult(options={"quick": True}, loads=[polled, pushed])
    data = result.as_json()
    assert data["latency_s"]["5"]["p95"] == 1.4 and data["latency_s"]["websub 5/s"]["p95"] == 1.3
    assert list(report.waterfalls(result)) == [] and [load.name for load in result.loads] == ["5/s", "websub 5/s"]
    targets = report._targets(result)
    assert "≤ 1.5 s at 5/s | 1.40 | met" in targets.replace("*", "")
    assert "≤ 1 s, websub 5/s | 1.30 | not met" in targets.replace("*", "")
