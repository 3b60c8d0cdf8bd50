"""The workspace's server-rendered pages (an :class:`~fastapi.APIRouter` that ``app.py`` mounts): search,
article, entity, rules, feeds, alerts, dead letters, status, and the login form when a token is set.

Every page reads through :class:`~wirewatch.workspace.data.Workspace` (the API's own data layer) and renders a
Jinja2 template with autoescaping (:mod:`wirewatch.workspace.rendering`). Pages work without JavaScript: a
facet is a link, a state change is a form ``POST`` carrying a CSRF token, answered by a redirect (303) to the
page that shows the result. Errors show on the page with the API's ``{error, detail}``, never a trace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from wirewatch.core.entities import TYPE_NAMES
from wirewatch.core.query import QueryError
from wirewatch.workspace import pageguard as guard
from wirewatch.workspace.errors import WorkspaceError
from wirewatch.workspace.rendering import STATIC, daily, mark_entities, render
from wirewatch.workspace.searchform import SearchForm, rule_spec, watch_params

if TYPE_CHECKING:
    from wirewatch.workspace.data import Workspace

router = APIRouter(include_in_schema=False)
#: the pages run no script at all and load nothing from elsewhere: an escaping slip still executes nothing
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

#: what a redirect after a form post says (a code in the URL, never text a link could inject)
FLASHES = {
    "rule_created": "Rule created.",
    "rule_deleted": "Rule deleted.",
    "feed_removed": "Feed removed.",
    "signed_out": "Signed out.",
}


def _workspace(request: Request) -> Workspace:
    workspace: Workspace = request.app.state.data
    return workspace


def _page(request: Request, template: str, page: str, title: str, code: int = 200, **context: Any) -> HTMLResponse:
    flash_code = request.query_params.get("done")
    flash = {"kind": "ok", "text": FLASHES[flash_code]} if flash_code in FLASHES else None
    html = render(
        template,
        page=page,
        title=title,
        flash=context.pop("flash", flash),
        error=context.pop("error", None),
        csrf_token=guard.csrf_token(request),
        signed_in=guard.signed_in(request),
        auth_required=guard.required(request),
        **context,
    )
    response = HTMLResponse(
        html, status_code=code, headers={"Cache-Control": "no-store", "Content-Security-Policy": CSP}
    )
    guard.finish(request, response)
    return response


def _problem(exc: Exception) -> tuple[int, dict[str, Any]]:
    """The status and ``{error, detail}`` the API would answer with."""
    if isinstance(exc, WorkspaceError):
        return exc.status, {"error": exc.error, "detail": exc.detail}
    if isinstance(exc, QueryError):
        return 400, {"error": "bad_query", "detail": exc.reason}
    raise exc


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _failed(request: Request, exc: Exception, title: str) -> HTMLResponse:
    status, error = _problem(exc)
    return _page(request, "error.html", "", title, status, error=error)


# --- static, login -----------------------------------------------------------------------------------------


@router.get("/static/workspace.css")
async def stylesheet() -> FileResponse:
    return FileResponse(STATIC / "workspace.css", media_type="text/css", headers={"Cache-Control": "max-age=300"})


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _page(request, "login.html", "", "Sign in", next=guard.local_path(next))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    target = guard.local_path(str(form.get("next") or "/"))
    if not guard.form_csrf_ok(request, form):
        return _page(request, "login.html", "", "Sign in", 403, next=target, error=guard.CSRF_ERROR)
    if (limited := guard.write_allowed(request)) is not None:  # guessing the token counts as writing
        return _page(request, "login.html", "", "Sign in", 429, next=target, error=limited)
    response = _redirect(target)
    if not guard.sign_in(request, response, str(form.get("token") or "")):
        error = {"error": "unauthorized", "detail": "that is not the workspace's token"}
        return _page(request, "login.html", "", "Sign in", 401, next=target, error=error)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    if not guard.form_csrf_ok(request, form):
        return _page(request, "error.html", "", "Refused", 403, error=guard.CSRF_ERROR)
    response = _redirect("/login?done=signed_out")
    guard.sign_out(response)
    return response


# --- search, article, entity -------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def search(request: Request) -> Response:
    if (gate := guard.gate(request)) is not None:
        return gate
    form = SearchForm.from_params(request.query_params)
    empty: dict[str, Any] = {"total": 0, "items": [], "facets": {}, "histogram": [], "next_cursor": None}
    try:
        if form.problems:
            raise WorkspaceError(400, "bad_date", "; ".join(form.problems))
        result, status, error = await _workspace(request).search_articles(form.query()), 200, None
    except (WorkspaceError, QueryError) as exc:
        result, (status, error) = empty, _problem(exc)
    return _page(request, "search.html", "search", form.q or "Search", status, error=error, **form.context(result))


@router.get("/articles/{article_id}", response_class=HTMLResponse)
async def article(request: Request, article_id: str) -> Response:
    if (gate := guard.gate(request)) is not None:
        return gate
    try:
        found = await _workspace(request).get_article(article_id)
    except (WorkspaceError, QueryError) as exc:
        return _failed(request, exc, "Article")
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entity in found.get("entities") or []:
        by_type.setdefault(str(entity.get("type")), []).append(entity)
    context: dict[str, Any] = {
        "article": found,
        "entities_by_type": by_type,
        "marked_text": mark_entities(found.get("text") or "", found.get("entities") or []),
    }
    return _page(request, "article.html", "search", found.get("title") or found.get("url") or "Article", **context)


@router.get("/entities", response_class=HTMLResponse)
async def entities(request: Request, q: str = "", type: str = "") -> Response:
    if (gate := guard.gate(request)) is not None:
        return gate
    kind = type if type in TYPE_NAMES else ""
    try:
        wanted = TYPE_NAMES.get(kind)
        found, status, error = await _workspace(request).search_entities(q.strip() or None, wanted), 200, None
    except (WorkspaceError, QueryError) as exc:
        found, (status, error) = [], _problem(exc)
    return _page(request, "entities.html", "entities", "Entities", status, error=error, found=found, q=q, type=kind)


@router.get("/entities/{key:path}", response_class=HTMLResponse)
async def entity(request: Request, key: str) -> Response:
    if (gate := guard.gate(request)) is not None:
        return gate
    try:
        entry = await _workspace(request).get_entity(key)
    except (WorkspaceError, QueryError) as exc:
        return _failed(request, exc, "Entity")
    labels = {"PERSON": "person", "ORG": "organisation", "LOC": "place"}
    per_day = daily([{"start": d.get("day"), "count": d.get("mentions")} for d in entry.get("per_day") or []])
    context: dict[str, Any] = {
        "entity": entry,
        "type_label": labels.get(str(entry.get("type")), entry.get("type") or ""),
        "per_day": per_day,
        "search_params": watch_params(entry, for_rule=False),
        "watch_params": watch_params(entry, for_rule=True),
    }
    return _page(request, "entity.html", "search", str(entry.get("name") or key), **context)


# --- rules -------------------------------------------------------------------------------------------------


@router.get("/rules", response_class=HTMLResponse)
async def rules(request: Request, test: str | None = None) -> Response:
    if (gate := guard.gate(request)) is not None:
        return gate
    workspace, tested, error, status = _workspace(request), None, None, 200
    if test:
        try:
            tested = {"name": test} | await workspace.rule_matches(test, limit=20)
        except (WorkspaceError, QueryError) as exc:
            status, error = _problem(exc)
    listed = await workspace.list_rules()
    return _page(request, "rules.html", "rules", "Rules", status, rules=listed, tested=tested, error=error)


@router.get("/rules/new", response_class=HTMLResponse)
async def new_rule(request: Request) -> Response:
    if (gate := guard.gate(request)) is not None:
        return gate
    form = SearchForm.from_params(request.query_params, split=True)
    return await _rule_form(request, form, request.query_params.get("name"))


async def _rule_form(
    request: Request, form: SearchForm, name: str | None, *, status: int = 200, error: dict[str, Any] | None = None
) -> HTMLResponse:
    preview: dict[str, Any] = {"total": 0, "items": []}
    try:
        preview = await _workspace(request).preview_rule(rule_spec(form, name or "preview", ""), hours=24)
    except (WorkspaceError, QueryError) as exc:
        status, error = _problem(exc) if error is None else (status, error)
    context = form.context(None) | {"name": name or form.suggested_name(), "preview": preview}
    return _page(request, "rule_new.html", "rules", "New rule", status, error=error, **context)


@router.post("/rules")
async def create_rule(request: Request) -> Response:
    if (gate := guard.gate(request)) is not None:
        return gate
    form_data = await request.form()
    form = SearchForm.from_form(form_data)
    name = str(form_data.get("name") or "").strip()
    if not guard.form_csrf_ok(request, form_data):
        return await _rule_form(request, form, name, status=403, error=guard.CSRF_ERROR)
    if (limited := guard.write_allowed(request)) is not None:
        return await _rule_form(request, form, name, status=429, error=limited)
    try:
        spec = rule_spec(form, name, str(form_data.get("send_to") or ""))
        await _workspace(request).put_rule(spec, replace=False)
    except (WorkspaceError, QueryError) as exc:
        status, error = _problem(exc)
        return await _rule_form(request, form, name, status=status, error=error)
    return _redirect("/rules?done=rule_created")


@router.post("/rules/preview")
async def preview_rule(request: Request) -> Response:
    """The rule form again with what its current fields would have matched (a post: the destinations typed
    in are never put in a URL; they are not shown back either)."""
    if (gate := guard.gate(request)) is not None:
        return gate
    form_data = await request.form()
    return await _rule_form(request, SearchForm.from_form(form_data), str(form_data.get("name") or "").strip())


@router.post("/rules/{name}/delete")
async def delete_rule(request: Request, name: str) -> Response:
    return await _write(request, lambda w: w.delete_rule(name), "/rules?done=rule_deleted", "Rules")


# --- feeds, alerts, dead letters, status -------------------------------------------------------------------


@router.get("/feeds", response_class=HTMLResponse)
async def feeds(request: Request) -> Response:
    if (gate := guard.gate(request)) is not None:
        return gate
    return _page(request, "feeds.html", "feeds", "Feeds", feeds=await _workspace(request).list_feeds(), found=None)


@router.post("/feeds")
async def add_feed(request: Request) -> Response:
    form = await request.form()
    url, name = str(form.get("url") or "").strip(), str(form.get("name") or "").strip() or None

    async def show(added: dict[str, Any]) -> Response:
        """The feeds with what was added (and what else the page offered, and any note), not a redirect:
        the note names the URL, which a crafted link must not be able to put on a page."""
        urls = ", ".join(a["url"] for a in added.get("added") or [])
        text = f"Feed added: {urls}" + (f" — {added['note']}" if added.get("note") else "")
        feeds = await _workspace(request).list_feeds()
        flash = {"kind": "ok", "text": text}
        return _page(request, "feeds.html", "feeds", "Feeds", flash=flash, feeds=feeds, found=added.get("found"))

    return await _write(request, lambda w: w.add_feed(url, name=name), show, "Feeds", form)


@router.post("/feeds/{feed_id}/delete")
async def remove_feed(request: Request, feed_id: str) -> Response:
    return await _write(request, lambda w: w.remove_feed(feed_id), "/feeds?done=feed_removed", "Feeds")


@router.get("/alerts", response_class=HTMLResponse)
async def alerts(request: Request, rule: str | None = None) -> Response:
    if (gate := guard.gate(request)) is not None:
        return gate
    listed = await _workspace(request).alerts(rule=rule or None, limit=100)
    return _page(request, "alerts.html", "alerts", "Alerts", alerts=listed)


@router.get("/deadletters", response_class=HTMLResponse)
async def deadletters(request: Request) -> Response:
    if (gate := guard.gate(request)) is not None:
        return gate
    return await _letters_page(request)


async def _letters_page(request: Request, **context: Any) -> HTMLResponse:
    letters = await _workspace(request).deadletters()
    counts: dict[str, int] = {}
    for letter in letters:
        counts[letter["stage"]] = counts.get(letter["stage"], 0) + 1
    shown = letters[-200:]  # the newest; `wirewatch dlq list` has them all
    return _page(request, "deadletters.html", "deadletters", "Dead letters", letters=shown, counts=counts, **context)


@router.post("/deadletters/replay")
async def replay(request: Request) -> Response:
    form = await request.form()
    stage = str(form.get("stage") or "") or None

    async def show(report: dict[str, Any]) -> Response:
        text = (
            f"{report['replayed']} sent back through their stage, {report['requeued_alerts']} alert(s) re-queued, "
            f"{report['skipped']} skipped." + "".join(f" {note}." for note in report.get("notes") or [])
        )
        return await _letters_page(request, flash={"kind": "ok", "text": text})

    return await _write(request, lambda w: w.replay_deadletters(stage=stage), show, "Dead letters", form)


@router.get("/status", response_class=HTMLResponse)
async def status(request: Request) -> Response:
    if (gate := guard.gate(request)) is not None:
        return gate
    return _page(request, "status.html", "status", "Status", status=await _workspace(request).status())


async def _write(request: Request, action: Any, then: Any, title: str, form: Any = None) -> Response:
    """A state change from a form: signed in, a valid CSRF token, under the write rate limit; then
    ``then(result)`` (a 303 to the page showing it, or that page itself), or the refusal on a page of its own."""
    if (gate := guard.gate(request)) is not None:
        return gate
    form = form if form is not None else await request.form()
    if not guard.form_csrf_ok(request, form):
        return _page(request, "error.html", "", title, 403, error=guard.CSRF_ERROR)
    if (limited := guard.write_allowed(request)) is not None:
        return _page(request, "error.html", "", title, 429, error=limited)
    try:
        result = await action(_workspace(request))
    except (WorkspaceError, QueryError) as exc:
        return _failed(request, exc, title)
    return await then(result) if callable(then) else _redirect(then)
