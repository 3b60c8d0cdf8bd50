"""Who may use the workspace, and how often it may be changed.

- With ``WIREWATCH_SERVE_TOKEN`` set (required off loopback): ``/api`` wants ``Authorization: Bearer <token>``
  (or, for reads, the pages' login session); the pages want the login session, a signed cookie the login
  form sets (:meth:`Guard.issue_session`).
- Without a token (loopback only): requests must name a loopback host (no DNS rebinding), and a browser may
  not send an API write from a page of another site (``Sec-Fetch-Site``/``Origin``, :func:`cross_site`).
- Every state-changing form post carries a CSRF token (:meth:`Guard.csrf_token`, checked by
  :func:`check_csrf`): a signed double-submit cookie. API requests with the bearer token need none.
- Writes are rate-limited per client (:class:`RateLimiter`, ``WIREWATCH_SERVE_WRITES_PER_MINUTE``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import defaultdict, deque

from fastapi import Request, Response  # at run time: FastAPI reads the dependencies' annotations

from wirewatch.workspace.errors import WorkspaceError
from wirewatch.workspace.settings import WorkspaceSettings, is_loopback

SESSION_COOKIE = "wirewatch_session"
CSRF_COOKIE = "wirewatch_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_HOURS = 12
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: the host name Starlette's test client sends (never a browser's: it does not resolve)
TEST_HOST = "testserver"


class RateLimiter:
    """At most ``per_minute`` events per key in any 60 s (a sliding window of timestamps)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def hit(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        seen = self._seen[key]
        while seen and seen[0] <= now - 60:
            seen.popleft()
        if len(seen) >= self.per_minute:
            retry = max(1, int(seen[0] + 60 - now) + 1)
            raise WorkspaceError(429, "rate_limited", f"at most {self.per_minute} changes a minute; retry in {retry} s")
        seen.append(now)


class Guard:
    """The token, the session and CSRF signatures, and the write limiter of one app."""

    def __init__(self, settings: WorkspaceSettings) -> None:
        self.settings = settings
        self.token = settings.token()
        # sessions and CSRF tokens are signed with a key of the token (they survive a restart), else of the process
        seed = self.token.encode() if self.token else secrets.token_bytes(32)
        self.key = hashlib.sha256(b"wirewatch-workspace\x00" + seed).digest()
        self.writes = RateLimiter(settings.serve_writes_per_minute)

    def _sign(self, value: str) -> str:
        return hmac.new(self.key, value.encode(), hashlib.sha256).hexdigest()

    # --- token and session ------------------------------------------------------------------------------

    def bearer_ok(self, request: Request) -> bool:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return bool(self.token) and scheme.lower() == "bearer" and _same(given.strip(), self.token or "")

    def password_ok(self, given: str) -> bool:
        return bool(self.token) and _same(given.strip(), self.token or "")

    def issue_session(self) -> str:
        expires = str(int(time.time()) + SESSION_HOURS * 3600)
        return f"{expires}.{self._sign('session:' + expires)}"

    def session_ok(self, request: Request) -> bool:
        """A login session is needed only with a token; without one every loopback visitor is the analyst."""
        if not self.token:
            return True
        expires, _, signature = request.cookies.get(SESSION_COOKIE, "").partition(".")
        if not expires.isdigit() or int(expires) < time.time():
            return False
        return _same(signature, self._sign("session:" + expires))

    def set_session(self, response: Response, request: Request) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self.issue_session(),
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    # --- CSRF -------------------------------------------------------------------------------------------

    def csrf_token(self, request: Request, response: Response | None = None) -> str:
        """The token a form must post back (hidden field ``csrf_token``); sets its cookie on ``response`` when
        the browser has none yet (call it while rendering a page with a form)."""
        seed = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_seed", None)
        if not seed:
            seed = secrets.token_urlsafe(24)
            request.state.csrf_seed = seed
        if response is not None and request.cookies.get(CSRF_COOKIE) != seed:
            response.set_cookie(
                CSRF_COOKIE, seed, httponly=True, samesite="strict", secure=request.url.scheme == "https"
            )
        return self._sign("csrf:" + seed)

    def csrf_ok(self, request: Request, given: str | None) -> bool:
        seed = request.cookies.get(CSRF_COOKIE)
        return bool(seed and given) and _same(given or "", self._sign("csrf:" + (seed or "")))

    # --- requests ---------------------------------------------------------------------------------------

    def host_ok(self, request: Request) -> bool:
        """Without a token, only a loopback Host (a page of another site rebinding its name to 127.0.0.1
        sends its own name)."""
        if self.token:
            return True
        host = (request.url.hostname or "").lower()
        return is_loopback(host) or host in (TEST_HOST, self.settings.serve_host.lower())

    def client_key(self, request: Request) -> str:
        if self.bearer_ok(request):
            return "bearer"
        return request.client.host if request.client else "?"


def cross_site(request: Request) -> bool:
    """A browser's request from a page of another origin (``Sec-Fetch-Site``, else ``Origin``); clients that
    are not browsers (curl, scripts) send neither header."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    return origin.lower() != own.lower()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def guard_of(request: Request) -> Guard:
    guard = request.app.state.guard
    assert isinstance(guard, Guard)
    return guard


# --- FastAPI dependencies ---------------------------------------------------------------------------------


async def api_access(request: Request) -> None:
    """Every ``/api`` route: the bearer token when one is set (reads also accept the pages' session);
    without a token, writes must be JSON. Writes count against the rate limit."""
    guard = guard_of(request)
    write = request.method not in SAFE_METHODS
    if guard.token and not guard.bearer_ok(request) and (write or not guard.session_ok(request)):
        raise WorkspaceError(401, "unauthorized", "send Authorization: Bearer <WIREWATCH_SERVE_TOKEN>")
    if write and not guard.token and cross_site(request):
        raise WorkspaceError(403, "cross_site", "a page of another site may not change the workspace")
    if write:
        guard.writes.hit(guard.client_key(request))


async def page_session(request: Request) -> None:
    """Pages: the login session when a token is set; a 401 the pages router turns into the login form."""
    if not guard_of(request).session_ok(request):
        raise WorkspaceError(401, "login_required", "log in with the workspace token")


async def check_csrf(request: Request) -> None:
    """State-changing form posts: the ``csrf_token`` field (or ``X-CSRF-Token`` header) must match the
    browser's CSRF cookie; counts against the write rate limit."""
    guard = guard_of(request)
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not guard.csrf_ok(request, given):
        raise WorkspaceError(403, "csrf_failed", "the form is stale or came from another site: reload and retry")
    guard.writes.hit(guard.client_key(request))


async def page_or_bearer(request: Request) -> None:
    """Atom feeds: a feed reader sends the bearer token, a browser has the login session."""
    guard = guard_of(request)
    if guard.token and not (guard.bearer_ok(request) or guard.session_ok(request)):
        raise WorkspaceError(401, "unauthorized", "send Authorization: Bearer <WIREWATCH_SERVE_TOKEN>")
