"""Load generator: many local RSS/Atom feeds whose items appear on a recorded schedule.

A :class:`Schedule` decides, deterministically from the seed, which article appears in which feed and
when (``appear_at``, unix seconds): a preload (all at once) or a rate of R articles/s for D seconds,
evenly spaced or as a Poisson process. A :class:`FeedSite` (aiohttp, loopback only) serves

* ``/feeds/<n>.xml`` (RSS 2.0, even n) and ``/feeds/<n>.atom`` (Atom, odd n): the newest ``window``
  items whose ``appear_at`` has passed, so an item *appears* exactly at its recorded time;
* ``/news/<section>/<slug>-<number>.html``: the article page (:func:`bench.corpus.render_page`);
* ``/robots.txt``: allow all.

Feeds are spread over ``hosts`` loopback addresses (127.0.0.1 … 127.0.0.H, all on one port), each an
outlet of its own, so per-host politeness applies as it would to that many real sites. Feeds answer
``If-None-Match`` with 304 while no new item appeared.

Standalone::

    .venv/bin/python -m bench.loadgen --feeds 20 --hosts 8 --rate 5 --duration 60 --seed 1 \\
        --items bench/out/items.jsonl

prints the feed URLs (add them with ``wirewatch feeds add URL --interval 1``), serves until the schedule
is over (plus ``--linger`` seconds), and writes one JSON line per item with its appearance time.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import random
import socket
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bench.corpus import Article, Corpus, Outlet, article_path, outlet_name, render_page
from bench.feedxml import Entry, atom, rss


@dataclass(frozen=True, slots=True)
class Planned:
    """One item: which article, in which feed, appearing when (unix seconds)."""

    number: int
    feed: int
    appear_at: float


def arrival_times(rate: float, duration: float, start: float, *, rng: random.Random | None = None) -> list[float]:
    """``rate × duration`` times from ``start``: evenly spaced, or Poisson arrivals when ``rng`` is given."""
    if rate <= 0 or duration <= 0:
        return []
    if rng is None:
        return [start + k / rate for k in range(round(rate * duration))]
    times: list[float] = []
    at = start
    while True:
        at += rng.expovariate(rate)
        if at >= start + duration:
            return times
        times.append(at)


class Schedule:
    """Numbers articles consecutively and assigns each to a feed (a pure function of seed and number)."""

    def __init__(self, feeds: int, seed: int) -> None:
        self.feeds = feeds
        self.seed = seed
        self.next_number = 0
        self._arrivals = random.Random(f"arrivals:{seed}")

    def feed_of(self, number: int) -> int:
        return random.Random(f"feed:{self.seed}:{number}").randrange(self.feeds)

    def _plan(self, times: Iterable[float]) -> list[Planned]:
        planned = []
        for at in times:
            planned.append(Planned(self.next_number, self.feed_of(self.next_number), at))
            self.next_number += 1
        return planned

    def preload(self, count: int, at: float) -> list[Planned]:
        """``count`` items that all appear at ``at`` (a backlog, for saturation runs)."""
        return self._plan([at] * count)

    def publish(self, rate: float, duration: float, start: float, *, poisson: bool = False) -> list[Planned]:
        """Items appearing at ``rate`` per second for ``duration`` seconds from ``start``."""
        return self._plan(arrival_times(rate, duration, start, rng=self._arrivals if poisson else None))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class FeedSite:
    """The feeds and pages of ``hosts`` outlets on loopback; records when each item was first served."""

    corpus: Corpus
    feeds: int
    hosts: int
    window: int = 100
    port: int = 0
    #: a WebSub hub the feeds advertise (``<link rel="hub">``, ``rel="self"``), see ``bench/websub.py``
    hub_url: str | None = None
    planned: dict[int, Planned] = field(default_factory=dict)
    first_listed_at: dict[int, float] = field(default_factory=dict)
    page_fetched_at: dict[int, float] = field(default_factory=dict)
    requests: int = 0
    _by_feed: dict[int, list[tuple[float, int]]] = field(default_factory=dict)
    _articles: dict[int, Article] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    def host(self, feed: int) -> str:
        return f"127.0.0.{feed % self.hosts + 1}"

    def outlet(self, feed: int) -> Outlet:
        index = feed % self.hosts
        return Outlet(outlet_name(index), f"http://{self.host(feed)}:{self.port}", json_ld=index % 2 == 0)

    def feed_url(self, feed: int) -> str:
        return f"{self.outlet(feed).base}/feeds/{feed}.{'xml' if feed % 2 == 0 else 'atom'}"

    def article(self, number: int) -> Article:
        found = self._articles.get(number)
        if found is None:
            found = self._articles[number] = self.corpus.article(number)
        return found

    def url_of(self, item: Planned) -> str:
        return self.outlet(item.feed).base + article_path(self.article(item.number))

    def add(self, items: Iterable[Planned]) -> None:
        for item in items:
            self.planned[item.number] = item
            bisect.insort(self._by_feed.setdefault(item.feed, []), (item.appear_at, item.number))

    def visible(self, feed: int, now: float) -> list[Planned]:
        """The newest ``window`` items of ``feed`` that have appeared by ``now``, newest first."""
        timeline = self._by_feed.get(feed, [])
        end = bisect.bisect_right(timeline, (now, sys.maxsize))
        return [self.planned[n] for _, n in reversed(timeline[max(0, end - self.window) : end])]

    def _entry(self, item: Planned) -> Entry:
        published = datetime.fromtimestamp(item.appear_at, UTC)
        return Entry(self.article(item.number), self.url_of(item), published)

    async def _feed(self, request: web.Request) -> web.Response:
        self.requests += 1
        now = time.time()
        feed = int(request.match_info["feed"])
        if feed >= self.feeds:
            raise web.HTTPNotFound()
        items = self.visible(feed, now)
        hub = "-hub" if self.hub_url else ""  # advertising a hub changes the document
        etag = f'"{feed}-{len(items)}-{items[0].number if items else -1}{hub}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        for item in items:
            self.first_listed_at.setdefault(item.number, now)
        body, content_type = self.document(feed, items)
        return web.Response(body=body, headers={"Content-Type": content_type, "ETag": etag})

    def document(self, feed: int, items: list[Planned]) -> tuple[bytes, str]:
        """Feed ``feed`` listing ``items`` (RSS 2.0 for even feeds, Atom for odd), and its content type."""
        outlet, entries = self.outlet(feed), [self._entry(i) for i in items]
        if feed % 2 == 0:
            body = rss(outlet.name, outlet.base, entries, hub=self.hub_url, self_url=self.feed_url(feed))
            return body, "application/rss+xml; charset=utf-8"
        return atom(outlet.name, outlet.base, self.feed_url(feed), entries, hub=self.hub_url), (
            "application/atom+xml; charset=utf-8"
        )

    def new_entry(self, item: Planned) -> tuple[str, bytes, str]:
        """What a WebSub hub pushes when ``item`` appears: its feed's URL (the topic) and a document of that
        feed holding the new entry only, with its content type."""
        body, content_type = self.document(item.feed, [item])
        return self.feed_url(item.feed), body, content_type

    async def _page(self, request: web.Request) -> web.Response:
        self.requests += 1
        slug = request.match_info["slug"]
        number = int(slug.rsplit("-", 1)[-1]) if slug.rsplit("-", 1)[-1].isdigit() else -1
        item = self.planned.get(number)
        if item is None or self.article(number).slug != slug:
            raise web.HTTPNotFound()
        self.page_fetched_at.setdefault(number, time.time())
        page = render_page(
            self.article(number),
            self.outlet(item.feed),
            datetime.fromtimestamp(item.appear_at, UTC),
            seed=self.corpus.seed,
        )
        return web.Response(text=page, content_type="text/html", charset="utf-8")

    async def _robots(self, _request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nAllow: /\n", content_type="text/plain")

    async def start(self) -> FeedSite:
        app = web.Application()
        app.router.add_get("/feeds/{feed:\\d+}.{kind:xml|atom}", self._feed)
        app.router.add_get("/news/{section}/{slug}.html", self._page)
        app.router.add_get("/robots.txt", self._robots)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.port = self.port or free_port()
        for index in range(min(self.hosts, self.feeds)):
            await web.TCPSite(self._runner, f"127.0.0.{index + 1}", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


# Standalone use ----------------------------------------------------------------------------------------


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve synthetic news feeds publishing at a fixed rate.")
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=8, help="loopback addresses (outlets)")
    parser.add_argument("--rate", type=float, default=1.0, help="articles per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of publishing")
    parser.add_argument("--preload", type=int, default=0, help="articles visible from the start")
    parser.add_argument("--poisson", action="store_true", help="Poisson arrivals instead of evenly spaced")
    parser.add_argument("--start-in", type=float, default=5.0, help="seconds before publishing starts")
    parser.add_argument("--linger", type=float, default=30.0, help="seconds to keep serving afterwards")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--items", type=Path, default=None, help="write the schedule here (JSON lines)")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    site = await FeedSite(Corpus(args.seed), feeds=args.feeds, hosts=args.hosts, port=args.port).start()
    schedule = Schedule(args.feeds, args.seed)
    start = time.time() + args.start_in
    items = schedule.preload(args.preload, time.time()) + schedule.publish(
        args.rate, args.duration, start, poisson=args.poisson
    )
    site.add(items)
    for feed in range(args.feeds):
        print(site.feed_url(feed), flush=True)
    if args.items:
        args.items.parent.mkdir(parents=True, exist_ok=True)
        with args.items.open("w") as out:
            for item in items:
                out.write(json.dumps(asdict(item) | {"url": site.url_of(item)}) + "\n")
    try:
        await asyncio.sleep(max(0.0, start + args.duration - time.time()) + args.linger)
    finally:
        print(
            f"served {site.requests} requests; {len(site.page_fetched_at)}/{len(items)} pages fetched", file=sys.stderr
        )
        await site.stop()


def main(argv: list[str] | None = None) -> int:
    asyncio.run(_serve(_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
