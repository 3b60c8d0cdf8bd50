"""Serves ``demo/site`` on loopback, with ``{{BASE}}`` in every file replaced by the server's own URL,
and receives the demo rule's webhooks."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

SITE = Path(__file__).parent / "site"
TYPES = {".xml": "application/rss+xml", ".json": "application/feed+json", ".opml": "text/x-opml"}


def content_type(path: Path) -> str:
    if path.name.endswith(".cp1252.html"):
        return "text/html"  # no charset in the header: the page's own <meta> must be read
    if path.name == "atom.xml":
        return "application/atom+xml"
    if path.suffix in TYPES:
        return TYPES[path.suffix]
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


@dataclass
class DemoServer:
    port: int
    alerts: list[bytes] = field(default_factory=list)
    requests: int = 0
    _runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def hook_url(self) -> str:
        return self.base + "/_hooks/alerts"

    async def _file(self, request: web.Request) -> web.Response:
        self.requests += 1
        path = (SITE / request.match_info["tail"]).resolve()
        if path.is_dir():
            path = path / "index.html"
        if SITE.resolve() not in path.parents or not path.is_file():
            return web.Response(status=404, text="not found")
        body = path.read_bytes().replace(b"{{BASE}}", self.base.encode("ascii"))
        return web.Response(body=body, headers={"Content-Type": content_type(path)})

    async def _hook(self, request: web.Request) -> web.Response:
        self.alerts.append(await request.read())
        return web.Response(text="ok")

    async def start(self) -> DemoServer:
        app = web.Application()
        app.router.add_post("/_hooks/alerts", self._hook)
        app.router.add_get("/{tail:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
