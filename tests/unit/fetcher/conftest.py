"""Fixtures for the fetcher's unit tests: real aiohttp servers on loopback ports, fixture files."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path

import pytest
from aiohttp import web

from wirewatch.services.fetcher.http import SafeFetcher, Timeouts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
FAST = Timeouts(connect_s=1.0, read_s=1.0, total_s=2.0)

Serve = Callable[..., Awaitable[str]]


def fixture_bytes(name: str) -> bytes:
    """The raw bytes of ``tests/fixtures/feeds/<name>``."""
    return (FIXTURES / name).read_bytes()


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """``await serve(app, host="127.0.0.1")`` starts ``app`` on a free port and returns its base URL."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application, host: str = "127.0.0.1") -> str:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        await web.TCPSite(runner, host, 0).start()
        runners.append(runner)
        return f"http://{host}:{runner.addresses[0][1]}"

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def fetcher() -> AsyncIterator[SafeFetcher]:
    """A fetcher allowed to reach loopback (the test servers), with short timeouts."""
    async with SafeFetcher(allow_private_networks=True, timeouts=FAST) as client:
        yield client


def app_with(routes: Mapping[str, Callable[[web.Request], Awaitable[web.StreamResponse]]]) -> web.Application:
    """An application answering GET on each path with its handler."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    return app
