"""Hostile input drill: one fetcher worker, private networks NOT allowed, against a drill server whose
names are pinned by ``WIREWATCH_FETCHER_HOSTS_FILE`` to 127.0.0.20 (the only address that file exempts,
so the first hop is "public" while every redirect to 127.0.0.1, 10.0.0.1 or 169.254.169.254 stays
refused). Each test checks one case's defined outcome in stored state: the feed's health for feeds,
the dead letter (error class, URL) for pages. Client-level behaviour is unit-tested in
``tests/unit/fetcher``; this checks the worker records it.
"""

from __future__ import annotations

import asyncio
import gzip
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web

from bench.workers import Workers
from tests.conftest import _cleanup
from tests.integration.test_fetcher import (
    FAST,
    Host,
    add_feed,
    article,
    feed_records,
    letters,
    page_urls,
    rss,
)
from tests.support.polling import eventually
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.feeds import FeedRecord
from wirewatch.ops.stack import init
from wirewatch.schemas import DeadLetter

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
DRILL_ADDRESS = "127.0.0.20"
PAGES = [
    "/fine",
    "/gzip-bomb",
    "/trickle",
    "/loop",
    "/to-loopback",
    "/to-private",
    "/to-metadata",
    "/status/404",
    "/status/410",
    "/status/500",
    "/status/429",
]


@dataclass
class Drill:
    settings: CommonSettings
    site: Host
    internal: Host  # on 127.0.0.1, not exempted: nothing may ever reach it
    feeds: dict[str, str]  # case → feed id

    def url(self, name: str, path: str) -> str:
        return f"http://{name}.drill:{self.site.port}{path}"

    async def health(self, case: str) -> FeedRecord:
        return (await feed_records(self.settings))[self.feeds[case]]

    async def letter(self, path: str) -> DeadLetter:
        async def find() -> DeadLetter | None:
            found = [d for d in await letters(self.settings) if self.url("pages", path) in d.reason]
            return found[0] if found else None

        return await eventually(find, timeout=60, what=f"the dead letter of {path}")


async def trickle(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    try:
        for _ in range(60):  # a byte every half second: 30 s for a tiny page
            await response.write(b"<")
            await asyncio.sleep(0.5)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


def redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


def build_site(site: Host, internal: Host) -> None:
    bomb = gzip.compress(b"\0" * (16 * 1024 * 1024), compresslevel=9)  # 16 KB on the wire
    site.put("/laughs.xml", (FIXTURES / "billion_laughs.xml").read_bytes(), "application/rss+xml")
    site.put("/xxe.xml", (FIXTURES / "xxe.xml").read_bytes(), "application/rss+xml")
    site.put("/fine", article("fine"))
    site.put("/gzip-bomb", bomb, "text/html", headers={"Content-Encoding": "gzip"})
    site.route("/trickle", trickle)
    site.route("/slow-feed.xml", trickle)
    site.put("/loop", "", status=302, headers={"Location": "/loop-back"})
    site.put("/loop-back", "", status=302, headers={"Location": "/loop"})
    site.route("/to-loopback", lambda _r: _ready(redirect(f"{internal.base}/secret")))
    site.route("/to-private", lambda _r: _ready(redirect("http://10.0.0.1/admin")))
    site.route("/to-metadata", lambda _r: _ready(redirect("http://169.254.169.254/latest/meta-data/")))
    site.route("/feed-to-metadata.xml", lambda _r: _ready(redirect("http://169.254.169.254/feed.xml")))
    for status in (404, 410, 500):
        site.put(f"/status/{status}", "no", "text/plain", status=status)
    site.put("/status/429", "slow down", "text/plain", status=429, headers={"Retry-After": "1"})
    internal.put("/secret", "internal only")


async def _ready(response: web.Response) -> web.Response:
    return response


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def drill(stack_settings: CommonSettings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Drill]:
    tag = uuid.uuid4().hex[:8]
    settings = stack_settings.model_copy(update={"topic_prefix": f"t{tag}.", "index_prefix": f"t{tag}"})
    await init(settings)
    site, internal = await Host(DRILL_ADDRESS).start(), await Host("127.0.0.1").start()
    build_site(site, internal)
    directory = tmp_path_factory.mktemp("drill")
    names = ("bomb", "xxe", "pages", "slowfeed", "feedredirect")
    hosts_file = directory / "hosts"
    hosts_file.write_text(f"# drill only\n{DRILL_ADDRESS} " + " ".join(f"{n}.drill" for n in names))
    drill = Drill(settings, site, internal, {})
    site.put("/feed.xml", rss(f"http://pages.drill:{site.port}", PAGES), "application/rss+xml")
    for case, name, path in (
        ("entity_bomb", "bomb", "/laughs.xml"),
        ("xxe", "xxe", "/xxe.xml"),
        ("pages", "pages", "/feed.xml"),
        ("trickling_feed", "slowfeed", "/slow-feed.xml"),
        ("feed_to_metadata", "feedredirect", "/feed-to-metadata.xml"),
    ):
        drill.feeds[case] = await add_feed(settings, drill.url(name, path))
    workers = Workers(
        settings,
        directory / "logs",
        extra_env={
            **FAST,
            "WIREWATCH_ALLOW_PRIVATE_NETWORKS": "false",
            "WIREWATCH_FETCHER_HOSTS_FILE": str(hosts_file),
            "WIREWATCH_FETCHER_PAGE_ATTEMPTS": "2",
            "WIREWATCH_FETCHER_TIMEOUT_S": "2",
            "WIREWATCH_FETCHER_MAX_PAGE_BYTES": str(1024 * 1024),
        },
    )
    workers.start("fetcher")
    try:
        yield drill
        assert workers.alive() == {"fetcher": True}, workers.log_tail("fetcher")
    finally:
        workers.stop()
        await site.stop()
        await internal.stop()
        await _cleanup(settings)


async def _feed_error(drill: Drill, case: str) -> FeedRecord:
    async def failed() -> FeedRecord | None:
        record = await drill.health(case)
        return record if record.health.last_error_class else None

    return await eventually(failed, timeout=60, what=f"the {case} feed's error")


async def test_a_genuine_page_still_gets_through(drill: Drill) -> None:
    await eventually(lambda: page_urls(drill.settings), timeout=60, what="the control page")
    assert await page_urls(drill.settings) == [drill.url("pages", "/fine")]


@pytest.mark.parametrize("case", ["entity_bomb", "xxe"])
async def test_entity_bomb_and_xxe_feeds_are_parse_errors(drill: Drill, case: str) -> None:
    record = await _feed_error(drill, case)
    assert record.health.last_error_class == "parse"
    assert "forbidden" in (record.health.last_error or "")
    assert record.health.items_total == 0 and record.health.consecutive_failures >= 1


async def test_trickling_feed_times_out(drill: Drill) -> None:
    record = await _feed_error(drill, "trickling_feed")
    assert record.health.last_error_class == "timeout"


async def test_feed_redirected_to_the_metadata_endpoint_is_blocked(drill: Drill) -> None:
    record = await _feed_error(drill, "feed_to_metadata")
    assert record.health.last_error_class == "blocked_address"
    assert "169.254.169.254" in (record.health.last_error or "")


async def test_gzip_bomb_page_is_dead_lettered_too_large(drill: Drill) -> None:
    assert (await drill.letter("/gzip-bomb")).error_class == "too_large"


async def test_trickling_page_times_out_after_its_attempts(drill: Drill) -> None:
    letter = await drill.letter("/trickle")
    assert letter.error_class == "timeout"
    assert len(drill.site.requests("/trickle")) == 2  # WIREWATCH_FETCHER_PAGE_ATTEMPTS


async def test_redirect_loop_is_dead_lettered(drill: Drill) -> None:
    assert (await drill.letter("/loop")).error_class == "redirect_loop"


@pytest.mark.parametrize("path", ["/to-loopback", "/to-private", "/to-metadata"])
async def test_redirects_to_private_addresses_are_refused(drill: Drill, path: str) -> None:
    letter = await drill.letter(path)
    assert letter.error_class == "blocked_address"
    assert drill.internal.hits == []  # 127.0.0.1 was never contacted


@pytest.mark.parametrize(("status", "attempts"), [(404, 1), (410, 1), (500, 2), (429, 2)])
async def test_error_statuses_are_dead_lettered_after_their_attempts(drill: Drill, status: int, attempts: int) -> None:
    letter = await drill.letter(f"/status/{status}")
    assert letter.error_class == "http_status" and f"HTTP {status}" in letter.reason
    assert len(drill.site.requests(f"/status/{status}")) == attempts  # 404/410 final, 500/429 retried
