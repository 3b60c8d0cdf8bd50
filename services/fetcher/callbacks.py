"""The WebSub callback: an aiohttp server at ``WIREWATCH_FETCHER_CALLBACK_URL``'s path, one URL per
subscription: ``<path>/<feed id>/<token>``, the token random per subscription (see ``websub.py``).

``GET …?hub.mode=…&hub.topic=…&hub.challenge=…[&hub.lease_seconds=…]`` is a hub verifying intent. Every
parameter is checked first: an unknown mode, no topic, no (or an oversized) challenge, or a lease that is
not a positive number of seconds of at most 18 digits is 400, and nothing is consumed. Then the challenge
is echoed (200) only for an intent :class:`~wirewatch.services.fetcher.websub.WebSub` is waiting for with
that token and topic, else 404. ``hub.mode=denied`` is 200 when it cancelled such a pending intent, else 404.
``POST …`` is pushed content: 410 when there is no subscription (the hub should drop it), 404 for a wrong
token, 413 past the feed size cap, 403 when ``X-Hub-Signature`` does not match the subscription's secret
(nothing is ingested), else 202 at once while the content is parsed and ingested in the background.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from wirewatch.services.fetcher.websub import WebSub, signature_ok

log = logging.getLogger(__name__)

OnContent = Callable[[str, bytes, str | None], Coroutine[Any, Any, None]]
MODES = frozenset({"subscribe", "unsubscribe", "denied"})
MAX_CHALLENGE = 1024
_LEASE = re.compile(r"[0-9]{1,18}")  # ASCII digits only (str.isdigit takes "²"), far below any overflow


def parse_lease(value: str | None) -> int | None:
    """``hub.lease_seconds``: ``None`` when absent; ValueError unless a positive whole number of seconds."""
    if value is None or value == "":
        return None
    if not _LEASE.fullmatch(value) or int(value) <= 0:
        raise ValueError(f"hub.lease_seconds must be a positive number of seconds, got {value[:40]!r}")
    return int(value)


class Callbacks:
    """The routes, and the background tasks ingesting pushed content."""

    def __init__(self, websub: WebSub, on_content: OnContent, *, max_bytes: int) -> None:
        self.websub = websub
        self.on_content = on_content
        self.max_bytes = max_bytes
        self.rejected = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def app(self) -> web.Application:
        path = urlsplit(self.websub.callback_base).path.rstrip("/")
        app = web.Application()
        app.router.add_get(path + "/{feed_id}/{token}", self.verify)
        app.router.add_post(path + "/{feed_id}/{token}", self.content)
        return app

    async def verify(self, request: web.Request) -> web.Response:
        feed_id, token, query = request.match_info["feed_id"], request.match_info["token"], request.query
        mode, topic = query.get("hub.mode", ""), query.get("hub.topic", "")
        if mode not in MODES or not topic:
            return web.Response(status=400, text="hub.mode and hub.topic are required")
        if mode == "denied":
            found = self.websub.denied(feed_id, token, topic)
            return web.Response(text="") if found else web.Response(status=404, text="no such intent")
        challenge = query.get("hub.challenge", "")
        if not challenge or len(challenge) > MAX_CHALLENGE:
            return web.Response(status=400, text=f"hub.challenge is required (at most {MAX_CHALLENGE} characters)")
        try:
            lease_s = parse_lease(query.get("hub.lease_seconds"))
        except ValueError as exc:
            return web.Response(status=400, text=str(exc))
        if not await self.websub.confirm(feed_id, token, mode, topic, lease_s):
            return web.Response(status=404, text="no such intent")
        return web.Response(text=challenge, content_type="text/plain")

    async def content(self, request: web.Request) -> web.Response:
        feed_id, token = request.match_info["feed_id"], request.match_info["token"]
        if feed_id not in self.websub.active:
            return web.Response(status=410, text="not subscribed")
        secret = self.websub.secret_for(feed_id, token)
        if secret is None:
            return web.Response(status=404, text="no such subscription")
        body = await _read_capped(request, self.max_bytes)
        if body is None:
            return web.Response(status=413, text="too large")
        if not signature_ok(secret, body, request.headers.get("X-Hub-Signature")):
            self.rejected += 1
            log.warning("push for feed %s rejected: bad or no X-Hub-Signature (%d bytes)", feed_id, len(body))
            return web.Response(status=403, text="bad signature")
        task = asyncio.create_task(self.on_content(feed_id, body, request.headers.get("Content-Type")))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.Response(status=202, text="accepted")


async def _read_capped(request: web.Request, max_bytes: int) -> bytes | None:
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > max_bytes:
            return None
    return bytes(body)


async def serve(callbacks: Callbacks, host: str, port: int) -> web.AppRunner:
    """Start listening; the caller cleans the runner up."""
    runner = web.AppRunner(callbacks.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("WebSub callback listening on %s:%d for %s", host, port, callbacks.websub.callback_base)
    return runner
