"""The analyst's workspace, ``wirewatch serve``: a FastAPI app beside the pipeline (not a stage) with a JSON
API, Atom feeds of searches and rules, and server-rendered pages.

- ``settings``: :class:`WorkspaceSettings` (where it binds, its token, its bounds);
- ``data``: the one data layer the API, the Atom feeds and the pages call (searches, the entity registry,
  rules, feeds, alerts, dead letters, status), built on ``wirewatch.core`` stores and ``wirewatch.ops``;
- ``security``: the bearer token, the login session, CSRF tokens, the write rate limit;
- ``api``, ``atom``, ``pages``: the routers; ``app``: :func:`create_app` mounts them; ``errors``: ``{error, detail}``.

Nothing below this package imports it (``wirewatch.cli.serve`` loads it lazily): fastapi and jinja2 are only
imported when the workspace runs.
"""
