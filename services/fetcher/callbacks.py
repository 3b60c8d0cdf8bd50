"""The WebSub callback: an aiohttp server at ``WIREWATCH_FETCHER_CALLBACK_URL``'s path, one URL per feed.

``GET <path>/<feed id>?hub.mode=…&hub.topic=…&hub.challenge=…`` is a hub verifying intent: the challenge
is echoed (200) only for an intent :class:`~wirewatch.services.fetcher.websub.WebSub` is waiting for, else
404.
``POST <path>/<feed id>`` is pushed content: 410 when there is no subscription (the hub should drop it),
413 past the feed size cap, 403 when ``X-Hub-Signature`` does not match the subscription's secret
(nothing is ingested), else 202 at once while the content is parsed and ingested in the background.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from wirewatch.services.fetcher.websub import WebSub, signature_ok

log = logging.getLogger(__name__)

OnContent = Callable[[str, bytes, str | None], Coroutine[Any, Any, None]]


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
        app.router.add_get(path + "/{feed_id}", self.verify)
        app.router.add_post(path + "/{feed_id}", self.content)
        return app

    async def verify(self, request: web.Request) -> web.Response:
        feed_id, query = request.match_info["feed_id"], request.query
        mode, topic = query.get("hub.mode", ""), query.get("hub.topic", "")
        if mode == "denied":
            self.websub.denied(feed_id, topic)
            return web.Response(text="")
        challenge, lease = query.get("hub.challenge"), query.get("hub.lease_seconds", "")
        lease_s = int(lease) if lease.isdigit() else None
        if not challenge or not await self.websub.confirm(feed_id, mode, topic, lease_s):
            return web.Response(status=404, text="no such intent")
        return web.Response(text=challenge, content_type="text/plain")

    async def content(self, request: web.Request) -> web.Response:
        feed_id = request.match_info["feed_id"]
        secret = self.websub.secret_for(feed_id)
        if secret is None:
            return web.Response(status=410, text="not subscribed")
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
