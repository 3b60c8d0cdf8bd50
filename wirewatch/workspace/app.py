"""``create_app(settings)``: the workspace's FastAPI app — the JSON API, the Atom feeds, the pages (when the
pages module is there), ``/healthz``, ``{error, detail}`` errors, and the host check of an open workspace."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from wirewatch.workspace import api, atom, errors
from wirewatch.workspace.data import Workspace
from wirewatch.workspace.security import Guard
from wirewatch.workspace.settings import WorkspaceSettings


def _pages(app: FastAPI) -> None:
    """Mount the HTML pages router of ``wirewatch.workspace.pages`` (the pages part) when it exists."""
    if importlib.util.find_spec("wirewatch.workspace.pages") is None:
        return
    pages = importlib.import_module("wirewatch.workspace.pages")
    app.include_router(pages.router)
    if hasattr(pages, "install"):
        pages.install(app)  # static files, the login redirect …


def create_app(settings: WorkspaceSettings | None = None, *, data: Workspace | None = None) -> FastAPI:
    """The app; ``data`` (tests) replaces the data layer built from ``settings``."""
    settings = settings or WorkspaceSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await app.state.data.close()

    app = FastAPI(
        title="Wirewatch workspace",
        summary="Search, entities, rules, feeds, alerts, dead letters and status over the live index",
        version="1",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.data = data or Workspace(settings)
    app.state.guard = Guard(settings)
    errors.install(app)

    @app.middleware("http")
    async def host_check(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if not app.state.guard.host_ok(request):
            detail = "an open workspace (no WIREWATCH_SERVE_TOKEN) answers only to a loopback host name"
            return JSONResponse(errors.body("bad_host", detail), status_code=421)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(api.router)
    app.include_router(atom.router)
    _pages(app)
    return app
