"""WebSub push against a hub written here, served over HTTPS (a certificate made here, trusted by the worker
through ``SSL_CERT_FILE``: the fetcher sends secrets to https:// hubs only): subscription request →
verification GET (challenge echoed only for what the fetcher asked for) → signed content distribution POST →
the page produced without a poll;
a bad signature is refused and nothing ingested; leases are renewed before they end; while a lease runs
the feed is polled 4× less often, and that slower poll still catches an entry the hub never pushed.

One fetcher worker for the module (lease 6 s, feed interval 2 s, so fallback polls every 8 s).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import socket
import ssl
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from bench.websub import self_signed
from bench.workers import Workers
from tests.conftest import _cleanup
from tests.integration.test_fetcher import FAST, Hit, Host, add_feed, article, gaps, page_urls, rss
from tests.support.polling import eventually
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.stack import init

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

LEASE_S = 6
INTERVAL_S = 2
HUB_ADDRESS = "127.0.0.30"


@dataclass
class TlsHost(Host):
    """A :class:`Host` served over HTTPS."""

    tls: ssl.SSLContext | None = None

    @property
    def base(self) -> str:
        return f"https://{self.address}:{self.port}"

    async def start(self, port: int = 0) -> TlsHost:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self.runner.setup()
        await web.TCPSite(self.runner, self.address, port, ssl_context=self.tls).start()
        self.port = self.runner.addresses[0][1]
        return self


@dataclass
class Verified:
    topic: str
    callback: str
    secret: str
    requested_at: float
    verified_at: float


@dataclass
class Hub:
    """A minimal WebSub hub: accepts (un)subscriptions, verifies intent, distributes signed content."""

    requests: list[dict[str, str]] = field(default_factory=list)
    verified: list[Verified] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    host: Host = field(default_factory=lambda: Host(HUB_ADDRESS))
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        return self.host.base + "/hub"

    async def start(self) -> Hub:
        await self.host.start()
        self.host.route("/hub", self._subscription)
        return self

    async def _subscription(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.requests.append(form | {"at": str(time.monotonic())})
        task = asyncio.create_task(self._verify(form, time.monotonic()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.Response(status=202)

    async def _verify(self, form: dict[str, str], requested_at: float) -> None:
        await asyncio.sleep(0.1)  # verification is asynchronous, as most hubs do it
        callback, mode, topic = form["hub.callback"], form["hub.mode"], form["hub.topic"]
        status, echoed, challenge = await self.challenge(callback, mode, topic)
        if status == 200 and echoed == challenge:
            self.verified.append(
                Verified(form["hub.topic"], form["hub.callback"], form["hub.secret"], requested_at, time.monotonic())
            )
        else:
            self.refused.append(form)

    async def challenge(self, callback: str, mode: str, topic: str) -> tuple[int, str, str]:
        challenge = secrets.token_urlsafe(16)
        params = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge, "hub.lease_seconds": str(LEASE_S)}
        async with aiohttp.ClientSession() as session, session.get(callback, params=params) as response:
            return response.status, await response.text(), challenge

    async def publish(self, sub: Verified, body: str, *, secret: str | None = None, method: str = "sha256") -> int:
        key = (secret or sub.secret).encode()
        digest = hmac.new(key, body.encode(), getattr(hashlib, method)).hexdigest()
        headers = {"Content-Type": "application/rss+xml", "X-Hub-Signature": f"{method}={digest}"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(sub.callback, data=body.encode(), headers=headers) as response,
        ):
            return response.status


@dataclass
class Push:
    settings: CommonSettings
    hub: Hub
    site: Host
    feed_url: str
    feed_id: str
    items: list[str]

    def serve(self) -> str:
        body = rss(self.site.base, self.items, hub=self.hub.url, self_url=self.feed_url)
        self.site.put("/feed.xml", body, "application/rss+xml")
        return body

    async def subscription(self) -> Verified:
        async def found() -> Verified | None:
            return next((v for v in self.hub.verified if v.topic == self.feed_url), None)

        return await eventually(found, timeout=60, what="a verified subscription")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def push(stack_settings: CommonSettings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Push]:
    tag = uuid.uuid4().hex[:8]
    settings = stack_settings.model_copy(update={"topic_prefix": f"t{tag}.", "index_prefix": f"t{tag}"})
    await init(settings)
    cert, key = self_signed(tmp_path_factory.mktemp("hub-tls"), HUB_ADDRESS)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    hub, site = await Hub(host=TlsHost(HUB_ADDRESS, tls=tls)).start(), await Host("127.0.0.31").start()
    feed_url = site.base + "/feed.xml"
    state = Push(settings, hub, site, feed_url, "", ["/first"])
    for path in ("/first", "/pushed", "/forged", "/missed"):
        site.put(path, article(path))
    state.serve()
    state.feed_id = await add_feed(settings, feed_url, interval_s=INTERVAL_S)
    port = free_port()
    workers = Workers(
        settings,
        tmp_path_factory.mktemp("websub") / "logs",
        extra_env={
            **FAST,
            "WIREWATCH_FETCHER_CALLBACK_URL": f"http://127.0.0.1:{port}/websub",
            "WIREWATCH_FETCHER_CALLBACK_HOST": "127.0.0.1",
            "WIREWATCH_FETCHER_CALLBACK_PORT": str(port),
            "WIREWATCH_FETCHER_WEBSUB_LEASE_S": str(LEASE_S),
            "WIREWATCH_FETCHER_WEBSUB_LEASE_MIN_S": "1",
            "SSL_CERT_FILE": str(cert),  # the worker trusts the hub's certificate (and no other)
        },
    )
    workers.start("fetcher")
    try:
        yield state
        assert workers.alive() == {"fetcher": True}, workers.log_tail("fetcher")
    finally:
        workers.stop()
        await hub.host.stop()
        await site.stop()
        await _cleanup(settings)


async def test_subscribes_to_the_advertised_hub_with_a_secret(push: Push) -> None:
    sub = await push.subscription()
    first = next(r for r in push.hub.requests if r["hub.topic"] == push.feed_url)
    assert first["hub.mode"] == "subscribe" and first["hub.lease_seconds"] == str(LEASE_S)
    assert push.hub.url.startswith("https://")
    feed_id, token = urlsplit(sub.callback).path.removeprefix("/websub/").split("/")
    assert feed_id == push.feed_id and len(token) == 32 and token not in (push.feed_id, sub.secret)
    assert len(sub.secret) == 64 and push.hub.refused == []


async def test_verification_is_echoed_only_for_what_was_asked(push: Push) -> None:
    sub = await push.subscription()
    other_feed = sub.callback.rsplit("/", 2)[0] + "/0123456789abcdef/" + sub.callback.rsplit("/", 1)[1]
    guessed = sub.callback.rsplit("/", 1)[0] + "/" + "A" * 32
    for callback, mode, topic in (
        (guessed, "subscribe", push.feed_url),
        (sub.callback, "subscribe", "http://evil.example/feed.xml"),
        (other_feed, "subscribe", push.feed_url),
        (sub.callback, "unsubscribe", push.feed_url),
    ):
        status, echoed, challenge = await push.hub.challenge(callback, mode, topic)
        assert status == 404 and challenge not in echoed, (mode, topic, callback)


async def test_signed_push_is_ingested_without_a_poll_and_a_bad_signature_is_not(push: Push) -> None:
    sub = await push.subscription()
    pushed = rss(push.site.base, ["/pushed"])  # never in the served feed: only the push can bring it
    assert await push.hub.publish(sub, pushed) == 202
    await eventually(
        lambda: _contains(page_urls(push.settings), push.site.base + "/pushed"),
        timeout=15,
        what="the pushed entry's page",
    )
    forged = rss(push.site.base, ["/forged"])
    assert await push.hub.publish(sub, forged, secret="not-the-secret") == 403
    assert await push.hub.publish(sub, forged, method="sha1", secret="x" * 64) == 403
    await asyncio.sleep(3)
    assert push.site.requests("/forged") == []
    assert push.site.base + "/forged" not in await page_urls(push.settings)


async def test_lease_is_renewed_before_it_expires(push: Push) -> None:
    await eventually(
        lambda: len([v for v in push.hub.verified if v.topic == push.feed_url]) >= 2,
        timeout=30,
        what="a renewed subscription",
    )
    first, second = [v for v in push.hub.verified if v.topic == push.feed_url][:2]
    assert second.requested_at < first.verified_at + LEASE_S  # asked again before the lease ran out
    assert second.secret == first.secret  # pushes in flight stay verifiable


async def test_missed_push_is_caught_by_the_slower_fallback_poll(push: Push) -> None:
    sub = await push.subscription()
    push.items.append("/missed")
    push.serve()  # the hub never pushes this one
    await eventually(
        lambda: _contains(page_urls(push.settings), push.site.base + "/missed"),
        timeout=INTERVAL_S * 4 + 10,
        what="the missed entry, found by a fallback poll",
    )

    def polls() -> list[Hit]:
        return [hit for hit in push.site.requests("/feed.xml") if hit.at > sub.verified_at + 0.5]

    await eventually(lambda: len(polls()) >= 2, timeout=INTERVAL_S * 4 + 5, what="two fallback polls")
    assert min(gaps(polls())) >= INTERVAL_S * 4 - 0.5, gaps(polls())  # not every 2 s


async def _contains(urls: object, url: str) -> bool:
    return url in await urls  # type: ignore[misc]
