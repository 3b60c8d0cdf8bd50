"""``wirewatch serve``: the analyst's workspace (web pages, JSON API, Atom feeds) in one uvicorn process.

fastapi, uvicorn and the workspace package are imported only when the command runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from wirewatch.cli._common import console

if TYPE_CHECKING:
    from wirewatch.workspace.settings import WorkspaceSettings


def workspace_settings(host: str | None = None, port: int | None = None) -> WorkspaceSettings:
    """The workspace's settings with ``--host``/``--port`` over the environment; a refused bind (off loopback
    without a token) is a usage error naming the problem."""
    from pydantic import ValidationError

    from wirewatch.workspace.settings import WorkspaceSettings

    given: dict[str, Any] = {k: v for k, v in (("serve_host", host), ("serve_port", port)) if v is not None}
    try:
        return WorkspaceSettings(**given)
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise click.UsageError(problems) from None


def local_host(host: str) -> str:
    """The address this machine reaches a server bound to ``host`` on: loopback for a wildcard bind."""
    wildcard = {"0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1", "": "127.0.0.1"}  # noqa: S104 - not a bind
    return wildcard.get(host, host).strip("[]")


def workspace_url(settings: WorkspaceSettings) -> str:
    """Where a browser on this machine opens the workspace (a wildcard bind is reached on loopback)."""
    host = local_host(settings.serve_host)
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    return f"http://{shown}:{settings.serve_port}/"


@click.command()
@click.option("--host", help="address to listen on (default WIREWATCH_SERVE_HOST, 127.0.0.1)")
@click.option("--port", type=click.IntRange(1, 65535), help="port (default WIREWATCH_SERVE_PORT, 8000)")
def serve(host: str | None, port: int | None) -> None:
    """Serve the workspace: search, entities, rules, feeds, alerts, dead letters, status; API under /api."""
    settings = workspace_settings(host, port)
    import uvicorn

    from wirewatch.workspace.app import create_app

    console.print(f"workspace on {workspace_url(settings)} (API docs at /docs)", markup=False)
    uvicorn.run(
        create_app(settings),
        host=settings.serve_host,
        port=settings.serve_port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
        server_header=False,
    )
