"""Real local HTTP servers on loopback: a site serving fixed feeds and pages, and a webhook receiver.

The chaos drill serves its outlets and receives its alerts through them; integration and end-to-end tests
use the same two.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


async def serve(app: web.Application, backlog: int = 128) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on a free loopback port; returns the runner (to clean up) and the port. A benchmark's
    burst of POSTs needs a longer ``backlog`` of pending connections than aiohttp's 128."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=backlog)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


@dataclass
class Site:
    """Serves fixed bodies by path; records every request it received (``requests``, which a caller may
    clear) and counts them by path for the whole run (``counts``)."""

    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    runner: web.AppRunner | None = None
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def put(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8") -> str:
        self.files[path] = (body.encode() if isinstance(body, str) else body, content_type)
        return self.base + path

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.path_qs, dict(request.headers)))
        self.counts[request.path] += 1
        found = self.files.get(request.path_qs) or self.files.get(request.path)
        if found is None:
            return web.Response(status=404, text="not here")
        body, content_type = found
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def start(self) -> Site:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self.runner, self.port = await serve(app)
        return self

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()


@dataclass
class Receiver:
    """A webhook receiver: answers with the queued statuses first (e.g. 500, 500), then 200."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    attempts: int = 0
    runner: web.AppRunner | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        body = await request.read()
        if self.statuses:
            return web.Response(status=self.statuses.pop(0))
        self.received.append((body, dict(request.headers)))
        return web.Response(status=200, text="ok")

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body, _ in self.received]

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self.runner, self.port = await serve(app)
        return self

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()
