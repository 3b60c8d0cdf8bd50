"""Every workspace error answers ``{error, detail}`` with its status: a bad query is a 400 naming the problem,
an outage a 503, never a stack trace (see :func:`install`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from wirewatch.core.errors import WirewatchError
from wirewatch.core.query import QueryError

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)


class WorkspaceError(WirewatchError):
    """A request the workspace refuses: ``status`` (404, 409, 400 …) and ``error``, a snake_case word."""

    error_class = "workspace_error"

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail


def not_found(what: str) -> WorkspaceError:
    return WorkspaceError(404, "not_found", what)


def bad_request(detail: str, error: str = "bad_request") -> WorkspaceError:
    return WorkspaceError(400, error, detail)


def body(error: str, detail: Any) -> dict[str, Any]:
    return {"error": error, "detail": detail}


def _json(status: int, error: str, detail: Any, headers: Mapping[str, str] | None = None) -> JSONResponse:
    from fastapi.responses import JSONResponse

    return JSONResponse(body(error, detail), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """The handlers that turn every failure into ``{error, detail}``."""
    from elastic_transport import ConnectionError as EsConnectionError
    from elastic_transport import ConnectionTimeout
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    async def workspace(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, WorkspaceError)
        return _json(exc.status, exc.error, exc.detail)

    async def query(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, QueryError)
        return _json(400, "bad_query", exc.reason)

    async def validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": str(e.get("msg"))} for e in exc.errors()
        ]
        return _json(422, "invalid_request", problems)

    async def http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        error = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
        return _json(exc.status_code, error.get(exc.status_code, "http_error"), exc.detail, exc.headers)

    async def outage(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("Elasticsearch unreachable: %s", type(exc).__name__)
        return _json(503, "elasticsearch_unavailable", "Elasticsearch did not answer in time or is not reachable")

    async def anything(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error in the workspace")
        return _json(500, "internal_error", f"an unexpected {type(exc).__name__}; the workspace log has the details")

    app.add_exception_handler(WorkspaceError, workspace)
    app.add_exception_handler(QueryError, query)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(HTTPException, http)
    app.add_exception_handler(ConnectionTimeout, outage)
    app.add_exception_handler(EsConnectionError, outage)
    app.add_exception_handler(Exception, anything)
