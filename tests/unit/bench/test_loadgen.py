"""The load generator: rate schedules, feed visibility over time, and the served feeds and pages."""

from __future__ import annotations

import itertools
import random
import time
from xml.etree import ElementTree

import aiohttp
import pytest

from bench.corpus import Corpus
from bench.loadgen import FeedSite, Planned, Schedule, arrival_times

ATOM = "{http://www.w3.org/2005/Atom}"


def test_uniform_arrivals_are_evenly_spaced() -> None:
    times = arrival_times(5.0, 10.0, 100.0)
    assert len(times) == 50
    assert times[0] == 100.0 and times[-1] == pytest.approx(109.8)
    assert all(b - a == pytest.approx(0.2) for a, b in itertools.pairwise(times))


def test_poisson_arrivals_are_seeded_and_near_the_rate() -> None:
    first = arrival_times(20.0, 60.0, 0.0, rng=random.Random(4))
    again = arrival_times(20.0, 60.0, 0.0, rng=random.Random(4))
    assert first == again
    assert 1080 <= len(first) <= 1320 and all(0 <= t < 60 for t in first)
    assert first == sorted(first)


def test_schedule_numbers_items_and_assigns_feeds_deterministically() -> None:
    one, two = Schedule(feeds=12, seed=9), Schedule(feeds=12, seed=9)
    preload = one.preload(30, at=50.0)
    live = one.publish(2.0, 5.0, start=100.0)
    assert [p.number for p in preload + live] == list(range(40))
    assert all(p.appear_at == 50.0 for p in preload)
    assert [p.appear_at for p in live] == [100.0 + k / 2 for k in range(10)]
    assert preload + live == two.preload(30, at=50.0) + two.publish(2.0, 5.0, start=100.0)
    assert len({p.feed for p in preload + live}) > 6 and all(0 <= p.feed < 12 for p in preload + live)


def test_no_arrivals_for_zero_rate() -> None:
    assert arrival_times(0.0, 10.0, 0.0) == [] and arrival_times(5.0, 0.0, 0.0) == []


def test_feed_shows_only_appeared_items_newest_first_within_the_window() -> None:
    site = FeedSite(Corpus(1), feeds=1, hosts=1, window=3)
    site.add([Planned(n, 0, 10.0 + n) for n in range(6)])
    assert site.visible(0, 9.9) == []
    assert [p.number for p in site.visible(0, 12.0)] == [2, 1, 0]
    assert [p.number for p in site.visible(0, 100.0)] == [5, 4, 3]


async def test_served_feeds_pages_and_not_modified() -> None:
    site = await FeedSite(Corpus(3), feeds=2, hosts=2).start()
    now = time.time()
    site.add([Planned(0, 0, now - 1), Planned(1, 1, now - 1), Planned(2, 0, now + 3600)])
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(site.feed_url(0)) as response:
                assert response.status == 200 and "rss" in response.headers["Content-Type"]
                etag = response.headers["ETag"]
                channel = ElementTree.fromstring(await response.read()).find("channel")
                assert channel is not None
            links = [item.findtext("link") for item in channel.iter("item")]
            assert links == [site.url_of(site.planned[0])]  # item 2 has not appeared yet
            async with http.get(site.feed_url(0), headers={"If-None-Match": etag}) as response:
                assert response.status == 304
            async with http.get(site.feed_url(1)) as response:
                feed = ElementTree.fromstring(await response.read())
            assert feed.tag == f"{ATOM}feed" and len(feed.findall(f"{ATOM}entry")) == 1
            async with http.get(str(links[0])) as response:
                assert response.status == 200
                assert site.article(0).title in await response.text()
            assert site.url_of(site.planned[1]).startswith("http://127.0.0.2:")
            async with http.get(site.url_of(site.planned[0]).replace(".html", "-x.html")) as response:
                assert response.status == 404
    finally:
        await site.stop()
    assert 0 in site.first_listed_at and 0 in site.page_fetched_at and 2 not in site.first_listed_at
