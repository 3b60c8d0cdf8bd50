"""Hostile WebSub callback traffic (issue 13, finding 9), against the real callback server on loopback.

An attacker who can reach the callback knows the feed ids (a hash of public feed URLs) but not the
per-subscription token: a guessed token is 404 and changes nothing; a malformed verification (absurd lease,
no challenge) is 400 *before* the pending intent is consumed, so the real hub still verifies afterwards; a
granted 3000-year lease is believed as at most the configured maximum; ``hub.mode=denied`` needs the token
and the topic and never ends an established subscription; an ``http://`` hub never receives the secret.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from wirewatch.services.fetcher.callbacks import Callbacks
from wirewatch.services.fetcher.websub import Subscription, WebSub

HUB, TOPIC = "https://hub.example/", "https://news.example/feed.xml"
FEED = "0123456789abcdef"
MAX_LEASE_S = 30 * 86400


@dataclass
class Store:
    saved: list[dict[str, Any]] = field(default_factory=list)

    async def save_websub(self, feed_id: str, **fields: Any) -> bool:
        self.saved.append({"feed_id": feed_id, **fields})
        return True


@dataclass
class FormPoster:
    """What WebSub needs of the fetcher: POST a form to a hub (here with a plain client, to loopback)."""

    sent: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    async def post_form(self, url: str, form: Mapping[str, str]) -> tuple[int, str]:
        self.sent.append((url, dict(form)))
        async with aiohttp.ClientSession() as session, session.post(url, data=dict(form)) as response:
            return response.status, await response.text()


@dataclass
class Served:
    websub: WebSub
    store: Store
    poster: FormPoster
    base: str

    def url(self, sub: Subscription | None = None, *, token: str | None = None) -> str:
        return f"{self.base}/{FEED}/{token if token is not None else sub.token if sub else 'x'}"

    async def get(self, url: str, **params: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, session.get(url, params=params) as response:
            return response.status, await response.text()

    async def verify(self, sub: Subscription, *, lease: str = "3600", token: str | None = None) -> tuple[int, str]:
        params = {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.challenge": "c-42", "hub.lease_seconds": lease}
        return await self.get(self.url(sub, token=token), **params)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest_asyncio.fixture
async def served() -> AsyncIterator[Served]:
    port = _free_port()
    store, poster = Store(), FormPoster()
    websub = WebSub(
        fetcher=poster,  # type: ignore[arg-type]
        store=store,  # type: ignore[arg-type]
        callback_base=f"http://127.0.0.1:{port}/websub",
        lease_s=86400,
        lease_min_s=3600,
        lease_max_s=MAX_LEASE_S,
    )

    async def ingest(_feed: str, _body: bytes, _type: str | None) -> None:
        return None

    runner = web.AppRunner(Callbacks(websub, ingest, max_bytes=1 << 20).app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield Served(websub, store, poster, f"http://127.0.0.1:{port}/websub")
    finally:
        await runner.cleanup()


def _intent(served: Served) -> Subscription:
    intent = served.websub.plan(FEED, HUB, TOPIC)
    assert intent is not None
    return intent


async def test_a_guessed_token_is_404_and_the_real_hub_still_verifies(served: Served) -> None:
    intent = _intent(served)
    assert urlsplit(served.websub.callback(intent)).path == f"/websub/{FEED}/{intent.token}"
    for guess in ("", "x", FEED, "A" * len(intent.token), intent.token[:-1] + "A"):
        status, body = await served.verify(intent, token=guess)
        assert status in (404, 405) and "c-42" not in body, guess
    assert (FEED, "subscribe") in served.websub.pending
    assert await served.verify(intent) == (200, "c-42")
    assert served.websub.is_active(FEED)


@pytest.mark.parametrize("lease", ["-5", "0", "1e9", "abc", "²", "9" * 40, "99999999999999999999", "3600.5", " 3600"])
async def test_an_absurd_lease_is_400_and_leaves_the_intent_for_the_real_hub(served: Served, lease: str) -> None:
    intent = _intent(served)
    status, body = await served.verify(intent, lease=lease)  # even with the right token
    assert status == 400 and "c-42" not in body
    assert (FEED, "subscribe") in served.websub.pending and not served.websub.is_active(FEED)
    assert await served.verify(intent) == (200, "c-42")


async def test_a_verification_without_a_challenge_or_mode_is_400_and_consumes_nothing(served: Served) -> None:
    intent = _intent(served)
    url = served.url(intent)
    assert (await served.get(url, **{"hub.mode": "subscribe", "hub.topic": TOPIC}))[0] == 400
    assert (await served.get(url, **{"hub.mode": "bogus", "hub.topic": TOPIC, "hub.challenge": "c"}))[0] == 400
    big = {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.challenge": "c" * 5000}
    assert (await served.get(url, **big))[0] == 400
    assert await served.verify(intent) == (200, "c-42")


async def test_a_3000_year_lease_is_clamped_to_the_maximum(served: Served) -> None:
    intent = _intent(served)
    before = datetime.now(UTC)
    assert await served.verify(intent, lease=str(3000 * 365 * 86400)) == (200, "c-42")
    [saved] = served.store.saved
    assert saved["lease_until"] <= datetime.now(UTC) + timedelta(seconds=MAX_LEASE_S)
    assert saved["lease_until"] >= before + timedelta(seconds=MAX_LEASE_S - 60)


async def test_a_one_second_lease_is_raised_to_the_minimum(served: Served) -> None:
    intent = _intent(served)
    assert await served.verify(intent, lease="1") == (200, "c-42")
    sub = served.websub.active[FEED]
    assert sub.lease_until is not None and sub.lease_until - datetime.now(UTC) > timedelta(minutes=59)


async def test_denied_needs_the_token_and_topic_and_never_ends_a_subscription(served: Served) -> None:
    intent = _intent(served)
    denied = {"hub.mode": "denied", "hub.topic": TOPIC}
    assert (await served.get(served.url(intent, token="guess"), **denied))[0] == 404
    assert (await served.get(served.url(intent), **(denied | {"hub.topic": "https://evil.example/"})))[0] == 404
    assert (FEED, "subscribe") in served.websub.pending
    assert await served.verify(intent) == (200, "c-42")
    assert (await served.get(served.url(intent), **denied))[0] == 404  # nothing pending: nothing to deny
    assert served.websub.is_active(FEED)


async def test_an_http_hub_never_receives_the_secret() -> None:
    """A loopback hub over plain HTTP, recording what it is sent: no subscription request with a secret,
    whether the feed advertises it or a subscription intent for it is forced."""
    received: list[dict[str, str]] = []

    async def hub(request: web.Request) -> web.Response:
        received.append({k: str(v) for k, v in (await request.post()).items()})
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/hub", hub)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    hub_url = f"http://127.0.0.1:{port}/hub"
    poster = FormPoster()
    websub = WebSub(
        fetcher=poster,  # type: ignore[arg-type]
        store=Store(),  # type: ignore[arg-type]
        callback_base="https://me.example/websub",
        lease_s=86400,
    )
    try:
        assert websub.plan(FEED, hub_url, TOPIC) is None  # an advertised http:// hub: polled, not subscribed
        forced = Subscription(FEED, hub_url, TOPIC, "s3cret-" + "x" * 57)
        assert await websub.request(forced) is False
        await websub.request(Subscription(FEED, hub_url, TOPIC, forced.secret, mode="unsubscribe"))
    finally:
        await runner.cleanup()
    assert all("hub.secret" not in form for form in received), received
    assert all(form.get("hub.mode") != "subscribe" for form in received), received
    assert not any("s3cret" in str(form) for _, form in poster.sent)
