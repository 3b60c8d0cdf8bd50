"""``wirewatch serve``: the analyst's workspace (web pages, JSON API, Atom feeds) in one uvicorn process.

fastapi, uvicorn and the workspace package are imported only when the command runs."""

from __future__ import annotations

from typing import Any

import click

from wirewatch.cli._common import console


@click.command()
@click.option("--host", help="address to listen on (default WIREWATCH_SERVE_HOST, 127.0.0.1)")
@click.option("--port", type=click.IntRange(1, 65535), help="port (default WIREWATCH_SERVE_PORT, 8000)")
def serve(host: str | None, port: int | None) -> None:
    """Serve the workspace: search, entities, rules, feeds, alerts, dead letters, status; API under /api."""
    from pydantic import ValidationError

    from wirewatch.workspace.settings import WorkspaceSettings

    given: dict[str, Any] = {k: v for k, v in (("serve_host", host), ("serve_port", port)) if v is not None}
    try:
        settings = WorkspaceSettings(**given)
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise click.UsageError(problems) from None
    import uvicorn

    from wirewatch.workspace.app import create_app

    shown = f"[{settings.serve_host}]" if ":" in settings.serve_host else settings.serve_host
    console.print(f"workspace on http://{shown}:{settings.serve_port}/ (API docs at /docs)", markup=False)
    uvicorn.run(
        create_app(settings),
        host=settings.serve_host,
        port=settings.serve_port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
        server_header=False,
    )
