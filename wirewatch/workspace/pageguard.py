"""The pages' side of :mod:`wirewatch.workspace.security`: a page needs the login session when a token is set
(else a redirect to the login form), a form post its CSRF token, a change room under the write limit. The
checks themselves are the :class:`~wirewatch.workspace.security.Guard`'s; this module only answers the way a
browser without JavaScript understands (a redirect, a page saying why)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from fastapi.responses import RedirectResponse

from wirewatch.workspace.errors import WorkspaceError
from wirewatch.workspace.security import CSRF_FIELD, SESSION_COOKIE, guard_of

if TYPE_CHECKING:
    from fastapi import Request, Response

CSRF_ERROR = {"error": "csrf_failed", "detail": "the form is stale or came from another site: reload and retry"}


def required(request: Request) -> bool:
    """Whether this workspace has a token (and so a login form)."""
    return bool(guard_of(request).token)


def signed_in(request: Request) -> bool:
    return guard_of(request).session_ok(request)


def local_path(target: str) -> str:
    """``target`` if it is a path of this site (never ``//host`` or ``scheme:``), else ``/``: where the login
    form may send the browser back to."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def gate(request: Request) -> Response | None:
    """``None`` when the page may be shown; else a redirect to the login form (no session). The app's
    middleware has already refused a foreign Host."""
    if guard_of(request).session_ok(request):
        return None
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = here if request.method == "GET" else "/"
    return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)


def csrf_token(request: Request) -> str:
    """The token this page's forms carry (its cookie is set by :func:`finish`)."""
    return guard_of(request).csrf_token(request)


def finish(request: Request, response: Response) -> None:
    """Set the CSRF cookie the page's token is bound to, when the browser has none yet."""
    guard_of(request).csrf_token(request, response)


def form_csrf_ok(request: Request, form: Any) -> bool:
    given = form.get(CSRF_FIELD)
    return guard_of(request).csrf_ok(request, given if isinstance(given, str) else None)


def write_allowed(request: Request) -> dict[str, Any] | None:
    """``None`` when one more change is allowed; else the 429's ``{error, detail}``."""
    guard = guard_of(request)
    try:
        guard.writes.hit(guard.client_key(request))
    except WorkspaceError as exc:
        return {"error": exc.error, "detail": exc.detail}
    return None


def sign_in(request: Request, response: Response, token: str) -> bool:
    guard = guard_of(request)
    if not guard.password_ok(token):
        return False
    guard.set_session(response, request)
    return True


def sign_out(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE)
