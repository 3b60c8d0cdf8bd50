"""Webhook delivery against a real local aiohttp server: what is retried, what is not, Retry-After,
and that waiting between attempts never holds a POST slot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from wirewatch.core.outbound import AddressPolicy
from wirewatch.services.alerter.delivery import DeliveryPolicy, Envelope, Limiter, WebhookSender, classify, retry_after
from wirewatch.services.alerter.signing import SIGNATURE_HEADER, verify

FAST = DeliveryPolicy(attempts=3, backoff_s=0.01, backoff_max_s=2.0, timeout_s=0.5)
ENVELOPE = Envelope("delivery-1", b'{"alert_id":"delivery-1"}', "s3cret")
#: the test receivers listen on 127.0.0.1: the one address these senders may reach
LOOPBACK = AddressPolicy.exempting("127.0.0.1/32")
MakeSender = Callable[..., WebhookSender]


class Script:
    """Replies with the given (status, headers) pairs in order, then 200; records what it got."""

    def __init__(self, *replies: tuple[int, dict[str, str]] | str) -> None:
        self.replies = list(replies)
        self.seen: list[tuple[float, bytes, dict[str, str]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append((time.monotonic(), await request.read(), dict(request.headers)))
        reply = self.replies.pop(0) if self.replies else (200, {})
        if reply == "hang":
            await asyncio.sleep(5)
            return web.Response(status=200)
        status, headers = reply  # type: ignore[misc]
        return web.Response(status=status, headers=headers)


@pytest.fixture
async def sender() -> AsyncIterator[MakeSender]:
    """``sender(policy, limiter=None)``: a sender allowed to reach the loopback receivers, closed afterwards."""
    made: list[WebhookSender] = []

    def make(policy: DeliveryPolicy = FAST, limiter: Limiter | None = None) -> WebhookSender:
        made.append(WebhookSender(policy, limiter, addresses=LOOPBACK))
        return made[-1]

    yield make
    for one in made:
        await one.close()


async def serve(script: Script) -> TestServer:
    app = web.Application()
    app.router.add_post("/hook", script.handle)
    server = TestServer(app)
    await server.start_server()
    return server


@pytest.mark.parametrize(
    ("status", "retriable"),
    [
        (200, None),
        (204, None),
        (500, True),
        (502, True),
        (503, True),
        (429, True),
        (400, False),
        (401, False),
        (404, False),
        (410, False),
        (301, False),
    ],
)
def test_classify(status: int, retriable: bool | None) -> None:
    outcome = classify(status)
    assert outcome.ok is (retriable is None)
    if retriable is not None:
        assert outcome.retriable is retriable and outcome.error == f"HTTP {status}"


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    assert retry_after("7") == 7.0
    assert retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert retry_after("soon") is None and retry_after(None) is None
    assert classify(429, "3").wait_s == 3.0


async def test_two_500s_then_delivered_once_signed(sender: MakeSender) -> None:
    script = Script((500, {}), (500, {}))
    server = await serve(script)
    try:
        result = await sender(FAST).deliver(str(server.make_url("/hook")), ENVELOPE)
    finally:
        await server.close()
    assert result.ok and result.attempts == 3
    assert all(verify(body, "s3cret", headers[SIGNATURE_HEADER]) for _, body, headers in script.seen)


async def test_400_is_not_retried(sender: MakeSender) -> None:
    script = Script((400, {}))
    server = await serve(script)
    try:
        result = await sender(FAST).deliver(str(server.make_url("/hook")), ENVELOPE)
    finally:
        await server.close()
    assert not result.ok and result.attempts == 1 and result.error == "HTTP 400"
    assert len(script.seen) == 1


async def test_429_waits_for_retry_after(sender: MakeSender) -> None:
    script = Script((429, {"Retry-After": "1"}))
    server = await serve(script)
    try:
        result = await sender(FAST).deliver(str(server.make_url("/hook")), ENVELOPE)
    finally:
        await server.close()
    assert result.ok and result.attempts == 2
    assert script.seen[1][0] - script.seen[0][0] >= 0.95


async def test_retry_after_is_capped_by_the_policy(sender: MakeSender) -> None:
    one = sender(DeliveryPolicy(backoff_s=0.01, backoff_max_s=0.2))
    assert one.delay(1, 3600.0) == 0.2
    assert 0.005 <= one.delay(1, None) <= 0.01
    assert one.delay(10, None) <= 0.2


async def test_refused_connections_and_timeouts_are_retried_then_given_up(sender: MakeSender) -> None:
    script = Script("hang", "hang", "hang")
    server = await serve(script)
    refused = f"http://127.0.0.1:{server.port}/hook"
    try:
        timed_out = await sender(FAST).deliver(str(server.make_url("/hook")), ENVELOPE)
    finally:
        await server.close()
    assert not timed_out.ok and timed_out.attempts == 3 and timed_out.error == "timeout"
    down = await sender(FAST).deliver(refused, ENVELOPE)
    assert not down.ok and down.attempts == 3 and down.error == "connection failed"  # a class, no detail


async def test_a_hanging_destination_holds_only_its_own_slots(sender: MakeSender) -> None:
    hanging, healthy = Script(*["hang"] * 6), Script()
    slow, fast = await serve(hanging), await serve(healthy)
    policy = DeliveryPolicy(attempts=1, timeout_s=1.0)
    shared = sender(policy, Limiter(total=4, per_destination=2))
    try:
        stuck = [asyncio.create_task(shared.deliver(str(slow.make_url("/hook")), ENVELOPE)) for _ in range(6)]
        await asyncio.sleep(0.2)
        started = time.monotonic()
        url = str(fast.make_url("/hook"))
        results = await asyncio.gather(*(shared.deliver(url, ENVELOPE) for _ in range(5)))
        assert all(r.ok for r in results)
        assert time.monotonic() - started < 0.5, "the healthy receiver waited for the hanging one"
        assert len(hanging.seen) == 2  # at most two POSTs in flight to one destination
        await asyncio.gather(*stuck)
    finally:
        await slow.close()
        await fast.close()
