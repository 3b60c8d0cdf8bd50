"""The JSON API under ``/api`` (the contract of issue 17; OpenAPI at ``/openapi.json``). Every route reads or
writes through :class:`~wirewatch.workspace.data.Workspace`; errors are ``{error, detail}``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from wirewatch.workspace.data import MAX_LIMIT, ArticleQuery, Workspace
from wirewatch.workspace.errors import bad_request
from wirewatch.workspace.rulespecs import RuleSpec
from wirewatch.workspace.security import api_access


def data_of(request: Request) -> Workspace:
    data = request.app.state.data
    assert isinstance(data, Workspace)
    return data


Data = Annotated[Workspace, Depends(data_of)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Names = Annotated[list[str], Query(max_length=20)]

router = APIRouter(prefix="/api", dependencies=[Depends(api_access)])


class Facet(BaseModel):
    name: str
    count: int


class Bucket(BaseModel):
    start: str | int
    count: int


class ArticlesPage(BaseModel):
    total: int
    items: list[dict[str, Any]]
    facets: dict[str, list[Facet]]
    histogram: list[Bucket]
    next_cursor: str | None


class Matches(BaseModel):
    total: int
    items: list[dict[str, Any]]


class FeedIn(BaseModel):
    url: str = Field(max_length=2000)
    name: str | None = Field(default=None, max_length=200)
    discover: bool = Field(default=True, description="search a site's page for its feeds, as `feeds add` does")


class ReplayIn(BaseModel):
    stage: str | None = None
    error_class: str | None = None


def moment(value: str | None, *, end_of_day: bool = False) -> datetime | None:
    """An ISO date or datetime (UTC when it names no zone); a bare date as ``until`` is the end of that day."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{value!r} is not an ISO date or datetime", "bad_date") from None
    if end_of_day and len(value.strip()) == 10:
        parsed = datetime.combine(date.fromisoformat(value) + timedelta(days=1), time()) - timedelta(milliseconds=1)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def article_query(
    q: Annotated[str, Query(max_length=4000, description="Lucene query_string syntax (KQL with syntax=kql)")] = "",
    person: Names = [],  # noqa: B006 -- FastAPI copies defaults per request
    org: Names = [],  # noqa: B006
    place: Names = [],  # noqa: B006
    source: Names = [],  # noqa: B006
    lang: Names = [],  # noqa: B006
    since: str | None = None,
    until: str | None = None,
    sort: Literal["relevance", "date"] = "relevance",
    limit: Limit = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    syntax: Literal["lucene", "kql"] = "lucene",
    group: bool = True,
) -> ArticleQuery:
    """The query parameters of ``/api/articles`` and ``/feeds/search.atom``."""
    start, end = moment(since), moment(until, end_of_day=True)
    if start and end and start > end:
        raise bad_request(f"since {since} is after until {until}", "bad_date")
    return ArticleQuery(
        q=q,
        persons=person,
        organizations=org,
        locations=place,
        sources=source,
        languages=lang,
        since=start,
        until=end,
        sort=sort,
        limit=limit,
        cursor=cursor,
        syntax=syntax,
        group=group,
    )


Search = Annotated[ArticleQuery, Depends(article_query)]


@router.get("/articles", response_model=ArticlesPage)
async def articles(data: Data, query: Search) -> dict[str, Any]:
    """Search the articles: items (one per story, copies folded, with highlights), facets, a histogram."""
    return await data.search_articles(query)


@router.get("/articles/{article_id}")
async def article(data: Data, article_id: str) -> dict[str, Any]:
    """One article in full: text, entities with mention offsets, copies, alerts fired."""
    return await data.get_article(article_id)


@router.get("/entities")
async def entities(
    data: Data,
    q: Annotated[str | None, Query(max_length=200)] = None,
    type: Annotated[str | None, Query(max_length=20, description="PERSON, ORG, LOC (or person, org, place) …")] = None,
    limit: Limit = 50,
) -> list[dict[str, Any]]:
    kind = {"PLACE": "LOC", "ORGANIZATION": "ORG"}.get(type.upper(), type.upper()) if type else None
    return await data.search_entities(q, kind, limit=limit)


@router.get("/entities/{entity_id}")
async def entity(data: Data, entity_id: str) -> dict[str, Any]:
    """The registry's entry: aliases, type and why, mentions per day, co-occurring, latest articles."""
    return await data.get_entity(entity_id)


@router.get("/rules")
async def rules(data: Data) -> list[dict[str, Any]]:
    return await data.list_rules()


@router.post("/rules", status_code=201)
async def create_rule(data: Data, spec: RuleSpec) -> dict[str, Any]:
    return await data.put_rule(spec, replace=False)


@router.get("/rules/{name}")
async def rule(data: Data, name: str) -> dict[str, Any]:
    return await data.get_rule(name)


@router.put("/rules/{name}")
async def replace_rule(data: Data, name: str, spec: RuleSpec) -> dict[str, Any]:
    if spec.name != name:
        raise bad_request(f"the body names rule {spec.name!r}, the path {name!r}", "name_mismatch")
    return await data.put_rule(spec, replace=True)


@router.delete("/rules/{name}", status_code=204)
async def delete_rule(data: Data, name: str) -> Response:
    await data.delete_rule(name)
    return Response(status_code=204)


@router.post("/rules/{name}/test", response_model=Matches)
async def test_rule(
    data: Data, name: str, limit: Limit = 20, hours: Annotated[float | None, Query(gt=0, le=24 * 365)] = None
) -> dict[str, Any]:
    """What the rule matches, newest indexed first (``hours``: only the articles indexed that recently)."""
    return await data.rule_matches(name, limit=limit, hours=hours)


@router.get("/feeds")
async def feeds(data: Data) -> list[dict[str, Any]]:
    """Every feed with its health (no secret: request header names only)."""
    return await data.list_feeds()


@router.post("/feeds", status_code=201)
async def add_feed(data: Data, feed: FeedIn) -> dict[str, Any]:
    return await data.add_feed(feed.url, name=feed.name, discover=feed.discover)


@router.delete("/feeds/{feed_id}", status_code=204)
async def remove_feed(data: Data, feed_id: str) -> Response:
    await data.remove_feed(feed_id)
    return Response(status_code=204)


@router.get("/alerts")
async def alerts(
    data: Data, rule: Annotated[str | None, Query(max_length=200)] = None, limit: Limit = 50
) -> list[dict[str, Any]]:
    """The alert ledger, newest first."""
    return await data.alerts(rule=rule, limit=limit)


@router.get("/deadletters")
async def deadletters(data: Data, stage: str | None = None, error_class: str | None = None) -> list[dict[str, Any]]:
    return await data.deadletters(stage=stage, error_class=error_class)


@router.post("/deadletters/replay")
async def replay(data: Data, selection: ReplayIn) -> dict[str, Any]:
    """Send the selected dead letters back through their stage (``wirewatch dlq replay``)."""
    return await data.replay_deadletters(stage=selection.stage, error_class=selection.error_class)


@router.get("/status")
async def status(data: Data) -> dict[str, Any]:
    """The figures of ``wirewatch status --json``."""
    return await data.status()
