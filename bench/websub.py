"""A WebSub hub on loopback for the pipeline benchmark (https://www.w3.org/TR/websub/), over TLS.

The fetcher sends subscription secrets to ``https://`` hubs only, so the hub serves HTTPS with a throwaway
certificate made here (:func:`self_signed`: its own CA, for the hub's loopback address); a worker started
with ``SSL_CERT_FILE`` pointing at it trusts it, and nothing else (:meth:`WebSubHub.worker_env`).

1. **Subscription**: ``POST /hub`` with ``hub.mode``, ``hub.topic``, ``hub.callback`` (and ``hub.secret``,
   ``hub.lease_seconds``) is answered 202 at once; topics outside ``topics`` (when given) are refused 400.
2. **Verification of intent**, asynchronously as real hubs do it: ``GET <callback>?hub.mode=…&hub.topic=…
   &hub.challenge=…&hub.lease_seconds=…``; the subscription counts only when the body echoes the challenge.
3. **Distribution**: :meth:`WebSubHub.distribute` pushes, at each item's appearance time, a feed document
   holding that new entry to every verified subscriber of the item's feed at once, signed with its secret
   (``X-Hub-Signature: sha256=<HMAC of the body>``); each delivery's send and answer times are recorded.

:func:`~bench.loadgen.FeedSite` feeds advertise the hub (``<link rel="hub">`` and ``rel="self"``) once its
``hub_url`` is set. The integration test ``tests/integration/test_bench_websub.py`` runs it against a real
fetcher.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from ssl import Purpose, SSLContext, create_default_context
from typing import Any

import aiohttp
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bench.loadgen import Planned, free_port

log = logging.getLogger(__name__)

#: the hub's loopback address (the load generator's outlets use 127.0.0.1 … 127.0.0.H)
HUB_ADDRESS = "127.0.0.250"
#: lease granted, seconds (longer than any run; the fetcher clamps it to its own bounds)
LEASE_S = 86400
#: a document built for one item: its topic (the feed URL), body and content type
Document = tuple[str, bytes, str]


def self_signed(directory: Path, address: str) -> tuple[Path, Path]:
    """A certificate for the IP ``address`` that is its own CA (a worker can trust it alone), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(address))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "hub.pem", directory / "hub.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def signature(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature`` value of ``body`` under ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A verified subscription."""

    topic: str
    callback: str
    secret: str
    verified_at: float


@dataclass(frozen=True, slots=True)
class Delivery:
    """One push: of which item, to which callback, when sent and answered (unix s), and the status."""

    number: int
    callback: str
    sent_at: float
    answered_at: float
    status: int | None


@dataclass
class WebSubHub:
    """Subscriptions by topic and callback; pushes of new entries; what happened to each."""

    directory: Path
    address: str = HUB_ADDRESS
    topics: frozenset[str] | None = None  # accepted topics (None: any)
    port: int = 0
    cert: Path | None = None
    subscribers: dict[tuple[str, str], Subscriber] = field(default_factory=dict)
    refused: list[dict[str, str]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"https://{self.address}:{self.port}/hub"

    def worker_env(self) -> dict[str, str]:
        """What a fetcher needs to trust the hub's certificate (and, on loopback, no other)."""
        assert self.cert is not None, "start the hub first"
        return {"SSL_CERT_FILE": str(self.cert)}

    async def start(self) -> WebSubHub:
        self.cert, key = self_signed(self.directory, self.address)
        tls: SSLContext = create_default_context(Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.cert, key)
        app = web.Application()
        app.router.add_post("/hub", self._subscription)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.port = self.port or free_port()
        await web.TCPSite(self._runner, self.address, self.port, ssl_context=tls).start()
        # many pushes at once to one callback: keep connections open, no cap below the burst
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, limit_per_host=0))
        return self

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def subscribed(self, topics: Iterable[str]) -> int:
        """How many of ``topics`` have at least one verified subscriber."""
        have = {topic for topic, _ in self.subscribers}
        return sum(1 for topic in topics if topic in have)

    # 1-2: subscription and verification of intent --------------------------------------------------
    async def _subscription(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        mode, topic, callback = form.get("hub.mode"), form.get("hub.topic", ""), form.get("hub.callback", "")
        if mode not in ("subscribe", "unsubscribe") or not topic or not callback.startswith(("http://", "https://")):
            return web.Response(status=400, text="hub.mode, hub.topic and an http(s) hub.callback are required")
        if self.topics is not None and topic not in self.topics:
            self.refused.append(form)
            return web.Response(status=400, text="unknown topic")
        self._spawn(self._verify(form))
        return web.Response(status=202)

    async def _verify(self, form: dict[str, str]) -> None:
        assert self._session is not None
        mode, topic, callback = form["hub.mode"], form["hub.topic"], form["hub.callback"]
        challenge = secrets.token_urlsafe(16)
        params = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge, "hub.lease_seconds": str(LEASE_S)}
        try:
            async with self._session.get(callback, params=params) as response:
                echoed = response.status == 200 and await response.text() == challenge
        except aiohttp.ClientError:
            echoed = False
        if not echoed:
            self.refused.append(form)
            return
        if mode == "unsubscribe":
            self.subscribers.pop((topic, callback), None)
            return
        secret = form.get("hub.secret", "")
        self.subscribers[(topic, callback)] = Subscriber(topic, callback, secret, time.time())

    # 3: distribution --------------------------------------------------------------------------------
    def distribute(self, items: Iterable[Planned], document: Callable[[Planned], Document]) -> None:
        """Push each item at its ``appear_at`` (the moment its feed lists it), in the background."""
        self._spawn(self._distribute(sorted(items, key=lambda item: item.appear_at), document))

    async def _distribute(self, items: list[Planned], document: Callable[[Planned], Document]) -> None:
        for item in items:
            await asyncio.sleep(max(0.0, item.appear_at - time.time()))
            topic, body, content_type = document(item)
            for sub in [s for (t, _), s in self.subscribers.items() if t == topic]:
                self._spawn(self.push(item.number, sub, body, content_type))  # every subscriber at once

    async def push(self, number: int, sub: Subscriber, body: bytes, content_type: str) -> int | None:
        """POST ``body`` signed with the subscriber's secret; the delivery is recorded."""
        assert self._session is not None
        headers = {"Content-Type": content_type, "X-Hub-Signature": signature(sub.secret, body)}
        headers["Link"] = f'<{self.url}>; rel="hub", <{sub.topic}>; rel="self"'  # as hubs announce it
        sent = time.time()
        status: int | None = None
        try:
            async with self._session.post(sub.callback, data=body, headers=headers) as response:
                status = response.status
        except aiohttp.ClientError as exc:
            log.warning("push of item %d to %s failed: %s", number, sub.callback, exc)
        self.deliveries.append(Delivery(number, sub.callback, sent, time.time(), status))
        return status

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
