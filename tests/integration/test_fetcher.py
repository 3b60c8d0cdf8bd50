"""The fetcher worker (a real subprocess) against real local HTTP servers, Kafka and Elasticsearch.

Each site runs on its own loopback address (127.0.0.x), so the worker's per-host politeness sees one host
per site, and records every request with its arrival time and the concurrency at that moment.

Decisions these tests pin down:

* robots.txt: a disallowed article is never requested; it is dead-lettered (error class ``robots``, the
  item kept whole so it can be replayed with a forced ``fetch.requests`` message once the site allows it)
  and remembered as known, so later polls do not ask again.
* a page that failed transiently (429, 5xx, timeout) stays unknown and the feed's validators are not
  saved, so the next poll reads the feed again and retries it even though the feed did not change.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bench.broker import read_all
from bench.workers import Workers, worker_env
from tests.support.indices import count_docs
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.feeds import FeedRecord, FeedStore, new_feed
from wirewatch.ops.observe import read_dead_letters
from wirewatch.schemas import STAGES, DeadLetter, FetchedPage

pytestmark = [pytest.mark.integration]
FETCHER = STAGES["fetcher"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FAST = {"WIREWATCH_FETCHER_REFRESH_S": "1", "WIREWATCH_FETCHER_MIN_DELAY_S": "0.05", "WIREWATCH_FETCHER_TIMEOUT_S": "5"}


# --- helpers shared by the fetcher integration tests ------------------------------------------------------


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    at: float
    status: int = 0
    done_at: float = 0.0


@dataclass
class Host:
    """A site on its own loopback address: static bodies or handlers by path, every request recorded."""

    address: str = "127.0.0.1"
    routes: dict[str, Handler] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    inflight: int = 0
    max_inflight: int = 0
    port: int = 0
    runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://{self.address}:{self.port}"

    def put(
        self,
        path: str,
        body: str | bytes,
        content_type: str = "text/html; charset=utf-8",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> str:
        payload = body.encode() if isinstance(body, str) else body

        async def handler(_request: web.Request) -> web.Response:
            if delay:
                await asyncio.sleep(delay)
            return web.Response(body=payload, status=status, headers={"Content-Type": content_type, **(headers or {})})

        return self.route(path, handler)

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.base + path

    def requests(self, path: str | None = None) -> list[Hit]:
        return [hit for hit in self.hits if path is None or hit.path == path]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        hit = Hit(request.path_qs, dict(request.headers), time.monotonic())
        self.hits.append(hit)
        self.inflight += 1
        self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            handler = self.routes.get(request.path_qs) or self.routes.get(request.path)
            response = await handler(request) if handler else web.Response(status=404, text="not here")
            hit.status = response.status
            return response
        finally:
            self.inflight -= 1
            hit.done_at = time.monotonic()

    async def start(self, port: int = 0) -> Host:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self.runner.setup()
        await web.TCPSite(self.runner, self.address, port).start()
        self.port = self.runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()


def article(title: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<article><h1>{title}</h1><p>{title}: a paragraph long enough to be an article body about the "
        f"news of the day, with a second sentence for good measure.</p></article></body></html>"
    )


def rss(
    base: str, paths: list[str], *, hub: str | None = None, self_url: str | None = None, title: str = "Test feed"
) -> str:
    links = ""
    if hub:
        links += f'<atom:link rel="hub" href="{hub}"/>'
    if self_url:
        links += f'<atom:link rel="self" href="{self_url}"/>'
    items = "".join(
        f"<item><title>Story {path}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<pubDate>Wed, 18 Nov 2026 {10 + n % 10:02d}:00:00 GMT</pubDate></item>"
        for n, path in enumerate(paths)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        f'xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>{title}</title>'
        f"<link>{base}/</link>{links}{items}</channel></rss>"
    )


def serve_feed(host: Host, feed_path: str, paths: list[str], **rss_options: Any) -> str:
    """The feed plus one article page per path; returns the feed URL."""
    for path in paths:
        host.put(path, article(f"Story {path}"))
    return host.put(feed_path, rss(host.base, paths, **rss_options), "application/rss+xml")


async def add_feed(settings: CommonSettings, url: str, *, interval_s: float | None = 1.0) -> str:
    es = make_es(settings)
    try:
        feed = new_feed(url, interval_s=interval_s)
        assert await FeedStore(es, settings.index_name("feeds")).add(feed)
        return feed.id
    finally:
        await es.close()


async def feed_records(settings: CommonSettings) -> dict[str, FeedRecord]:
    es = make_es(settings)
    try:
        await es.indices.refresh(index=settings.index_name("feeds"))
        return {r.feed.id: r for r in await FeedStore(es, settings.index_name("feeds")).all()}
    finally:
        await es.close()


async def pages(settings: CommonSettings) -> list[FetchedPage]:
    return [FetchedPage.from_bytes(raw) for raw in await read_all(settings, FETCHER.output)]


async def letters(settings: CommonSettings) -> list[DeadLetter]:
    return await read_dead_letters(settings)


async def page_urls(settings: CommonSettings) -> list[str]:
    return [page.url for page in await pages(settings)]


async def cli(settings: CommonSettings, *args: str) -> str:
    """Run ``wirewatch ARGS`` against the test namespace; its stdout. Asynchronously: the test's sites
    run on this event loop and must keep answering the worker meanwhile."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wirewatch",
        *args,
        env=worker_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    return out.decode()


def gaps(hits: list[Hit]) -> list[float]:
    times = sorted(hit.at for hit in hits)
    return [b - a for a, b in itertools.pairwise(times)]


@pytest.fixture
async def hosts() -> Any:
    """``await hosts(n)`` → n started sites on 127.0.0.2 … (stopped afterwards)."""
    started: list[Host] = []
    used = iter(range(2, 250))

    async def make(count: int = 1) -> list[Host]:
        new = [await Host(f"127.0.0.{next(used)}").start() for _ in range(count)]
        started.extend(new)
        return new

    yield make
    for host in started:
        await host.stop()


@pytest.fixture
def workers(initialised: CommonSettings, tmp_path: Path) -> Any:
    running = Workers(initialised, tmp_path / "logs", extra_env=dict(FAST))
    yield running
    running.stop()


# --- (a) conditional GET, lying validators ----------------------------------------------------------------


async def test_unchanged_feeds_send_validators_and_re_emit_nothing(
    initialised: CommonSettings, hosts: Any, workers: Workers
) -> None:
    settings = initialised
    honest, liar = await hosts(2)
    for path in ("/a1", "/a2"):
        honest.put(path, article(path))
        liar.put(path, article(path))
    honest_body = rss(honest.base, ["/a1", "/a2"])
    validators = {"ETag": '"v1"', "Last-Modified": "Wed, 18 Nov 2026 12:00:00 GMT"}

    async def honest_feed(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers=validators)
        return web.Response(text=honest_body, content_type="application/rss+xml", headers=validators)

    polls = iter(range(10**6))

    async def lying_feed(_request: web.Request) -> web.Response:  # new validators every time, same body
        headers = {"ETag": f'"{next(polls)}"', "Last-Modified": "Wed, 18 Nov 2026 12:00:00 GMT"}
        return web.Response(text=rss(liar.base, ["/a1", "/a2"]), content_type="application/rss+xml", headers=headers)

    await add_feed(settings, honest.route("/feed.xml", honest_feed))
    await add_feed(settings, liar.route("/feed.xml", lying_feed))
    workers.start("fetcher")
    await eventually(
        lambda: len(honest.requests("/feed.xml")) >= 4 and len(liar.requests("/feed.xml")) >= 4,
        timeout=60,
        what="four polls of each feed",
    )
    first, *later = honest.requests("/feed.xml")
    assert "If-None-Match" not in first.headers and first.status == 200
    assert all(hit.headers.get("If-None-Match") == '"v1"' for hit in later)
    assert all(hit.headers.get("If-Modified-Since") == validators["Last-Modified"] for hit in later)
    assert {hit.status for hit in later} == {304}
    assert all(len(host.requests(path)) == 1 for host in (honest, liar) for path in ("/a1", "/a2"))
    urls = await page_urls(settings)
    assert sorted(urls) == sorted(f"{host.base}{path}" for host in (honest, liar) for path in ("/a1", "/a2"))


# --- (b) robots.txt ---------------------------------------------------------------------------------------


async def test_robots_disallowed_page_is_never_requested_and_is_dead_lettered(
    initialised: CommonSettings, hosts: Any, workers: Workers
) -> None:
    settings = initialised
    [site] = await hosts(1)
    site.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    await add_feed(settings, serve_feed(site, "/feed.xml", ["/private/secret", "/public/open"]))
    workers.start("fetcher")
    [letter] = await eventually(lambda: letters(settings), timeout=60, what="a dead letter")
    assert letter.stage == "fetcher" and letter.error_class == "robots"
    assert f"{site.base}/private/secret" in letter.reason
    await eventually(lambda: page_urls(settings), timeout=30, what="the allowed page")
    await eventually(lambda: len(site.requests("/feed.xml")) >= 3, timeout=30, what="two more polls")
    assert await page_urls(settings) == [f"{site.base}/public/open"]
    assert site.requests("/private/secret") == []
    assert len(site.requests("/robots.txt")) == 1  # cached per origin
    assert len(await letters(settings)) == 1 and await count_docs(settings, "urls") == 2  # recorded, not retried


# --- (c) per-host concurrency and gap ---------------------------------------------------------------------


async def test_fifty_new_items_on_one_host_respect_the_per_host_limit_and_gap(
    initialised: CommonSettings, hosts: Any, workers: Workers
) -> None:
    settings = initialised
    [site] = await hosts(1)
    paths = [f"/news/{n}" for n in range(50)]
    for path in paths:
        site.put(path, article(path), delay=0.3)  # slow pages: a broken limit would show 3+ in flight
    site.put("/feed.xml", rss(site.base, paths), "application/rss+xml")
    await add_feed(settings, site.base + "/feed.xml", interval_s=60)
    workers.extra_env.update({"WIREWATCH_FETCHER_PER_HOST": "2", "WIREWATCH_FETCHER_MIN_DELAY_S": "0.15"})
    workers.start("fetcher")
    await eventually(lambda: _has(page_urls(settings), 50), timeout=60, what="all 50 pages")
    assert sorted(await page_urls(settings)) == sorted(site.base + path for path in paths)
    assert site.max_inflight == 2  # reached, never exceeded
    # feed, robots.txt and pages alike: no two requests to the host closer than the configured gap
    # (less 20 ms for the loopback connection, which starts after the client's turn begins)
    assert len(site.hits) == 52 and min(gaps(site.hits)) >= 0.15 - 0.02, sorted(gaps(site.hits))[:3]


async def _has(urls: Awaitable[list[str]], count: int) -> bool:
    return len(await urls) >= count


# --- (d) Retry-After --------------------------------------------------------------------------------------


async def test_retry_after_on_a_429_is_honoured_and_the_page_retried(
    initialised: CommonSettings, hosts: Any, workers: Workers
) -> None:
    settings = initialised
    [site] = await hosts(1)
    paths = ["/a", "/b", "/c"]
    feed_url = serve_feed(site, "/feed.xml", paths)
    answers = iter([web.Response(status=429, text="slow down", headers={"Retry-After": "3"})])

    async def limited(_request: web.Request) -> web.Response:
        return next(answers, None) or web.Response(text=article("a"), content_type="text/html")

    site.route("/a", limited)
    await add_feed(settings, feed_url)
    workers.start("fetcher")
    await eventually(lambda: _has(page_urls(settings), 3), timeout=60, what="all three pages, /a retried")
    [refused] = [hit for hit in site.hits if hit.status == 429]
    after = [hit.at for hit in site.hits if hit.at > refused.at]
    assert after and min(after) >= refused.done_at + 3.0 - 0.05, [t - refused.done_at for t in after[:3]]
    assert [hit.status for hit in site.requests("/a")] == [429, 200]
    assert sorted(await page_urls(settings)) == sorted(site.base + path for path in paths)


# --- (e) restarts -----------------------------------------------------------------------------------------


async def test_restarts_after_kill_and_sigterm_re_fetch_no_known_article(
    initialised: CommonSettings, hosts: Any, workers: Workers
) -> None:
    settings = initialised
    [site] = await hosts(1)
    paths = ["/1", "/2", "/3"]
    await add_feed(settings, serve_feed(site, "/feed.xml", paths))
    workers.start("fetcher")
    await eventually(lambda: _equals(count_docs(settings, "urls"), 3), timeout=60, what="three known URLs")
    workers.kill("fetcher")  # kill -9
    for path in ("/4", "/5"):  # the feed changes while the worker is down
        paths.append(path)
        serve_feed(site, "/feed.xml", paths)
        workers.start("fetcher")
        await eventually(
            lambda: _equals(count_docs(settings, "urls"), len(paths)),
            timeout=60,
            what=f"{path} fetched after the restart",
        )
        if path == "/4":
            assert workers.stop() == {"fetcher": 0}  # SIGTERM: a clean exit
    assert all(len(site.requests(path)) == 1 for path in paths), [(p, len(site.requests(p))) for p in paths]
    assert sorted(await page_urls(settings)) == sorted(site.base + path for path in paths)


async def _equals(value: Awaitable[int], expected: int) -> bool:
    return (await value) == expected


# --- (f) moved feeds --------------------------------------------------------------------------------------


async def test_a_permanently_moved_feed_is_followed_and_its_url_updated(
    initialised: CommonSettings, hosts: Any, workers: Workers
) -> None:
    settings = initialised
    [site] = await hosts(1)
    new_url = serve_feed(site, "/new.xml", ["/x", "/y"])
    old_url = site.put("/old.xml", "moved", "text/plain", status=301, headers={"Location": "/new.xml"})
    feed_id = await add_feed(settings, old_url)
    workers.start("fetcher")
    await eventually(lambda: _has(page_urls(settings), 2), timeout=60, what="the moved feed's pages")
    await eventually(lambda: len(site.requests("/new.xml")) >= 4, timeout=30, what="more polls")
    assert (await feed_records(settings))[feed_id].feed.url == new_url
    assert len(site.requests("/old.xml")) == 1  # later polls go straight to the new URL


# --- (g) + (h) a malformed feed, feed health, `feeds list` ------------------------------------------------


async def test_malformed_feed_is_recorded_as_parse_error_others_keep_polling_and_health_is_listed(
    initialised: CommonSettings, hosts: Any, workers: Workers
) -> None:
    settings = initialised
    broken, good = await hosts(2)
    broken_id = await add_feed(settings, broken.put("/feed.xml", "not a feed <<< >>>", "application/rss+xml"))
    good_id = await add_feed(settings, serve_feed(good, "/feed.xml", ["/p1", "/p2", "/p3"]))
    workers.start("fetcher")
    await eventually(lambda: _has(page_urls(settings), 3), timeout=60, what="the good feed's pages")
    await eventually(lambda: len(broken.requests("/feed.xml")) >= 2, timeout=30, what="a second failed poll")
    polls_of_good = len(good.requests("/feed.xml"))
    await eventually(
        lambda: len(good.requests("/feed.xml")) > polls_of_good + 1, timeout=10, what="the good feed still polled"
    )
    listed = {doc["id"]: doc for doc in json.loads(await cli(settings, "feeds", "list", "--json"))}
    bad, ok = listed[broken_id], listed[good_id]
    assert bad["last_error_class"] == "parse" and "malformed XML" in bad["last_error"]
    assert bad["consecutive_failures"] >= 2 and bad["last_error_at"] and bad["last_success_at"] is None
    assert bad["next_poll_at"] > bad["last_polled_at"]
    assert ok["last_success_at"] and ok["last_error_class"] is None and ok["consecutive_failures"] == 0
    assert ok["items_per_day"] == pytest.approx(24.0) and ok["items_total"] == 3 and ok["next_poll_at"]
    assert ok["title"] == "Test feed" and "websub_secret" not in ok
    table = await cli(settings, "feeds", "list")
    assert "2 feeds · 1 failing (parse 1)" in table and good_id in table and "parse" in table


async def test_a_feed_longer_than_the_item_cap_is_read_up_to_the_cap_and_its_health_says_so(
    initialised: CommonSettings, hosts: Any, workers: Workers
) -> None:
    settings = initialised
    [site] = await hosts(1)
    paths = [f"/long/{n}" for n in range(30)]
    feed_id = await add_feed(settings, serve_feed(site, "/feed.xml", paths), interval_s=60)
    workers.extra_env["WIREWATCH_FETCHER_MAX_FEED_ITEMS"] = "10"
    workers.start("fetcher")

    async def capped() -> bool:
        return (await feed_records(settings))[feed_id].health.items_capped_at == 10

    await eventually(capped, timeout=60, what="the cap recorded in the feed's health")
    # health is saved after the poll's pages went out: the first ten in document order, and no more
    assert sorted(await page_urls(settings)) == sorted(site.base + path for path in paths[:10])
    assert not any(site.requests(path) for path in paths[10:])
    assert "capped 10" in await cli(settings, "feeds", "list")


# --- (i) feeds added and removed while the worker runs ----------------------------------------------------


async def test_feeds_added_later_are_picked_up_and_removed_ones_stop_being_polled(
    initialised: CommonSettings, hosts: Any, workers: Workers
) -> None:
    settings = initialised
    [site] = await hosts(1)
    workers.start("fetcher")
    await asyncio.sleep(2)  # the worker is starting, with nothing to poll
    feed_url = serve_feed(site, "/feed.xml", ["/late"])
    added = await cli(settings, "feeds", "add", feed_url, "--interval", "1")
    await eventually(lambda: page_urls(settings), timeout=60, what="the late feed's page")
    await eventually(lambda: len(site.requests("/feed.xml")) >= 3, timeout=30, what="polls every second")
    feed_id = added.split()[1]
    await cli(settings, "feeds", "remove", feed_id)
    await asyncio.sleep(2.5)  # one refresh (1 s) and any poll in flight
    polls = len(site.requests("/feed.xml"))
    await asyncio.sleep(2.5)
    assert len(site.requests("/feed.xml")) == polls, "a removed feed was polled again"
