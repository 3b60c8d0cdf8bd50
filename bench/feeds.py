"""Benchmark: poll 1,000 generated feeds with the fetcher's stack versus a bare aiohttp loop.

A separate process serves ``--feeds`` RSS 2.0 feeds (gzip-encoded, ``--items`` items each) on
``--hosts`` loopback aliases (127.0.0.1 … 127.0.0.N), so the client's CPU time is its own. Then, over
the same URLs and with the same concurrency, it runs:

* ``bare aiohttp``: ``session.get`` + ``read()`` (aiohttp decompresses), nothing else;
* ``SafeFetcher``: our client (address checks, manual redirects, streaming caps, charset sniffing) inside
  ``Politeness.slot`` (robots.txt per host, 2 per host, no delay: every alias is the same machine);
* ``SafeFetcher + parse_feed``: the same, plus parsing every feed into ``FeedItem``s.

It prints progress, then feeds polled per second, client CPU per poll, and the ratios to bare aiohttp.
Run: ``.venv/bin/python bench/feeds.py [--feeds 1000] [--hosts 50] [--concurrency 64] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import multiprocessing
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wirewatch.services.fetcher.feedparsing import parse_feed
from wirewatch.services.fetcher.http import SafeFetcher, Timeouts
from wirewatch.services.fetcher.politeness import Politeness
from wirewatch.services.fetcher.robots import RobotsCache

Poll = Callable[[str], Awaitable[int]]


# 1. The feed server (runs in its own process) --------------------------------------------------------


def make_feed(number: int, items: int) -> bytes:
    """One RSS 2.0 feed of ``items`` items, about 500 bytes each."""
    now = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    entries = "".join(
        f"<item><title>Story {number}-{i}: officials confirm the report</title>"
        f"<link>https://site{number % 97}.example/news/{number}/{i}?utm_source=rss</link>"
        f'<guid isPermaLink="false">urn:bench:{number}:{i}</guid>'
        f"<pubDate>{format_datetime(now - timedelta(minutes=7 * i))}</pubDate>"
        f"<description>&lt;p&gt;Paragraph {i} of feed {number}, with &lt;b&gt;markup&lt;/b&gt; "
        f"and enough words to look like a real summary of a news story.&lt;/p&gt;</description>"
        f"<category>World</category><category>Politics</category></item>"
        for i in range(items)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed {number}</title>'
        f"<link>https://site{number % 97}.example/</link><ttl>15</ttl>{entries}</channel></rss>"
    ).encode()


def serve_feeds(feeds: int, items: int, hosts: int, ready: multiprocessing.Queue[int]) -> None:
    """Serve the feeds gzip-encoded on every alias until terminated; report the port on ``ready``."""
    bodies = [gzip.compress(make_feed(n, items), compresslevel=6) for n in range(feeds)]

    async def feed(request: web.Request) -> web.Response:
        body = bodies[int(request.match_info["n"])]
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/rss+xml; charset=utf-8"}
        return web.Response(body=body, headers=headers)

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feeds/{n}.xml", feed)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        first = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await first.start()
        port = runner.addresses[0][1]
        for alias in range(2, hosts + 1):
            await web.TCPSite(runner, f"127.0.0.{alias}", port, backlog=1024).start()
        ready.put(port)
        await asyncio.Event().wait()

    asyncio.run(main())


# 2. The clients --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One client's run over all URLs."""

    name: str
    polls: int
    errors: int
    items: int
    wall_s: float
    cpu_s: float

    @property
    def per_second(self) -> float:
        return self.polls / self.wall_s

    @property
    def cpu_ms_per_poll(self) -> float:
        return 1000 * self.cpu_s / self.polls


def progress(name: str, done: int, total: int) -> None:
    """Overwrite one line on a terminal; print quarter marks in a log."""
    if sys.stderr.isatty() and (done % 50 == 0 or done == total):
        print(f"\r  {name:<26} {done:>6}/{total}", end="", file=sys.stderr, flush=True)
    elif not sys.stderr.isatty() and done * 4 % total < 4 and done * 4 // total:
        print(f"  {name:<26} {done:>6}/{total}", file=sys.stderr, flush=True)


async def run(name: str, urls: list[str], poll: Poll, concurrency: int) -> Outcome:
    """Poll every URL with at most ``concurrency`` in flight, printing progress."""
    gate = asyncio.Semaphore(concurrency)
    done = errors = items = 0

    async def one(url: str) -> None:
        nonlocal done, errors, items
        async with gate:
            try:
                found = await poll(url)  # not `items += await ...`: that reads `items` before awaiting
                items += found
            except Exception as exc:  # a benchmark counts failures, it does not stop on them
                errors += 1
                if errors <= 3:
                    print(f"\n  {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        done += 1
        progress(name, done, len(urls))

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(url) for url in urls))
    outcome = Outcome(name, len(urls), errors, items, time.perf_counter() - wall, time.process_time() - cpu)
    print(f"  {name:<26} done: {outcome.per_second:8.0f}/s", file=sys.stderr)
    return outcome


async def bare(urls: list[str], concurrency: int) -> Outcome:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def poll(url: str) -> int:
            async with session.get(url) as response:
                response.raise_for_status()
                await response.read()
            return 0

        return await run("bare aiohttp", urls, poll, concurrency)


async def ours(urls: list[str], concurrency: int, *, parse: bool) -> Outcome:
    timeouts = Timeouts(connect_s=10, read_s=10, total_s=30)
    async with SafeFetcher(allow_private_networks=True, timeouts=timeouts, max_connections=concurrency) as fetcher:
        politeness = Politeness(RobotsCache(fetcher), per_host_limit=2, min_delay_s=0.0)

        async def poll(url: str) -> int:
            async with politeness.slot(url):
                result = await fetcher.fetch(url)
            if not parse:
                return 0
            return len(parse_feed(result.body, url=result.final_url, content_type=result.content_type).items)

        name = "SafeFetcher + parse_feed" if parse else "SafeFetcher"
        return await run(name, urls, poll, concurrency)


# 3. Report -------------------------------------------------------------------------------------------


def best(outcomes: list[Outcome]) -> Outcome:
    """The fastest round (the least disturbed by the rest of the machine)."""
    return min(outcomes, key=lambda outcome: outcome.wall_s)


def print_table(rows: list[Outcome], args: argparse.Namespace) -> None:
    base = rows[0]
    print(
        f"\n{args.feeds} feeds × {args.items} items on {args.hosts} hosts, concurrency {args.concurrency}, "
        f"best of {args.rounds} round(s); CPU is the client process only\n"
    )
    columns = ("feeds/s", 9), ("CPU ms/poll", 12), ("items", 8), ("errors", 7), ("× time", 7), ("× CPU", 7)
    header = f"{'client':<26}" + "".join(f" {title:>{width}}" for title, width in columns)
    print(header)
    print("-" * len(header))
    for row in rows:
        slower = base.per_second / row.per_second
        costlier = row.cpu_ms_per_poll / base.cpu_ms_per_poll
        print(
            f"{row.name:<26} {row.per_second:>9.0f} {row.cpu_ms_per_poll:>12.3f} {row.items:>8} "
            f"{row.errors:>7} {slower:>7.2f} {costlier:>7.2f}"
        )


async def measure(urls: list[str], args: argparse.Namespace) -> list[Outcome]:
    rounds: dict[str, list[Outcome]] = {"bare": [], "fetch": [], "parse": []}
    for number in range(1, args.rounds + 1):
        print(f"round {number}/{args.rounds}", file=sys.stderr)
        rounds["bare"].append(await bare(urls, args.concurrency))
        rounds["fetch"].append(await ours(urls, args.concurrency, parse=False))
        rounds["parse"].append(await ours(urls, args.concurrency, parse=True))
    return [best(rounds[key]) for key in ("bare", "fetch", "parse")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=50, help="loopback aliases 127.0.0.1..N (max 254)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    ready: multiprocessing.Queue[int] = context.Queue()
    server = context.Process(target=serve_feeds, args=(args.feeds, args.items, args.hosts, ready), daemon=True)
    server.start()
    try:
        port = ready.get(timeout=60)
        urls = [f"http://127.0.0.{n % args.hosts + 1}:{port}/feeds/{n}.xml" for n in range(args.feeds)]
        print(f"serving {args.feeds} feeds on port {port}", file=sys.stderr)
        print_table(asyncio.run(measure(urls, args)), args)
    finally:
        server.terminate()
        server.join(5)


if __name__ == "__main__":
    main()
