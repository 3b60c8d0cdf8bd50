"""The search page's state as URL parameters (``q``, ``sort``, ``cursor`` and the facet filters ``person``,
``org``, ``place``, ``source``, ``lang``, each repeatable, as the API names them): read from a request, turned
into the data layer's :class:`~wirewatch.workspace.data.ArticleQuery` or a rule, and written back into the
links of the page (a facet adds a filter, a chip removes one, a bar of the timeline narrows the search to its
bucket with ``since``/``until``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from wirewatch.workspace.data import ArticleQuery
from wirewatch.workspace.rendering import FACET_PARAMS, TYPE_PARAMS
from wirewatch.workspace.rulespecs import FacetFilters, RuleSpec

Params = ImmutableMultiDict[str, Any]

LABELS = {"person": "person", "org": "organisation", "place": "place", "source": "source", "lang": "language"}
#: filters a page accepts per parameter (the API's own cap is 50)
MAX_VALUES = 20
MAX_VALUE_CHARS = 300


def _values(params: Params, name: str, *, split: bool) -> list[str]:
    found: list[str] = []
    for raw in params.getlist(name):
        parts = str(raw).split(";") if split else [str(raw)]
        found.extend(p.strip()[:MAX_VALUE_CHARS] for p in parts if p.strip())
    return list(dict.fromkeys(found))[:MAX_VALUES]


def _moment(params: Params, name: str, problems: list[str]) -> datetime | None:
    """An ISO date or datetime parameter (UTC when it names no zone); a wrong one is a problem to show."""
    raw = str(params.get(name) or "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        problems.append(f"{name}={raw[:40]!r} is not an ISO date or datetime")
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def phrase(text: str) -> str:
    """``text`` as one quoted Lucene phrase (backslashes and quotes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class SearchForm:
    q: str = ""
    sort: str = "relevance"
    cursor: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)  # URL parameter → values
    since: datetime | None = None
    until: datetime | None = None
    problems: list[str] = field(default_factory=list)  # parameters that could not be read

    @classmethod
    def from_params(cls, params: Params, *, split: bool = False) -> SearchForm:
        sort = str(params.get("sort") or "relevance")
        filters = {name: v for name in FACET_PARAMS if (v := _values(params, name, split=split))}
        problems: list[str] = []
        return cls(
            q=str(params.get("q") or "").strip(),
            sort=sort if sort in ("relevance", "date") else "relevance",
            cursor=str(params.get("cursor") or "") or None,
            filters=filters,
            since=_moment(params, "since", problems),
            until=_moment(params, "until", problems),
            problems=problems,
        )

    @classmethod
    def from_form(cls, form: Params) -> SearchForm:
        """The rule form, whose filter fields hold names separated by ``;``."""
        return cls.from_params(form, split=True)

    def query(self, limit: int = 20) -> ArticleQuery:
        f = self.filters
        return ArticleQuery(
            q=self.q,
            persons=f.get("person", []),
            organizations=f.get("org", []),
            locations=f.get("place", []),
            sources=f.get("source", []),
            languages=f.get("lang", []),
            sort="date" if self.sort == "date" else "relevance",
            since=self.since,
            until=self.until,
            limit=limit,
            cursor=self.cursor,
        )

    def params(self, **changes: Any) -> dict[str, Any]:
        """This search as URL parameters (no cursor: a changed search starts from its first page)."""
        current: dict[str, Any] = {"q": self.q, "sort": "" if self.sort == "relevance" else self.sort}
        window = {k: v.isoformat() for k, v in (("since", self.since), ("until", self.until)) if v}
        return current | {name: list(values) for name, values in self.filters.items()} | window | changes

    def with_filter(self, name: str, value: str) -> dict[str, Any]:
        values = self.filters.get(name, [])
        return self.params(**{name: values if value in values else [*values, value]})

    def without_filter(self, name: str, value: str) -> dict[str, Any]:
        return self.params(**{name: [v for v in self.filters.get(name, []) if v != value]})

    def active(self) -> list[dict[str, Any]]:
        chips = [
            {"label": LABELS[name], "value": value, "without": self.without_filter(name, value)}
            for name, values in self.filters.items()
            for value in values
        ]
        if self.since or self.until:
            start = self.since.strftime("%Y-%m-%d %H:%M") if self.since else "the start"
            end = self.until.strftime("%Y-%m-%d %H:%M") if self.until else "now"
            chips.append(
                {"label": "published", "value": f"{start} – {end}", "without": self.params(since="", until="")}
            )
        return chips

    def windows(self, histogram: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """For each timeline bucket, this search narrowed to it (its start to the next bucket's; the last
        bucket as wide as the one before it, or a day)."""
        starts: list[datetime | None] = []
        for bucket in histogram:
            try:
                starts.append(datetime.fromisoformat(str(bucket.get("start"))))
            except ValueError:
                starts.append(None)
        known = [s for s in starts if s is not None]
        steps = [b - a for a, b in pairwise(known) if b > a]
        width = min(steps) if steps else timedelta(days=1)
        links: list[dict[str, Any]] = []
        for start in starts:
            if start is None:
                links.append({})
                continue
            until = start + width - timedelta(milliseconds=1)
            links.append(self.params(since=start.isoformat(), until=until.isoformat()))
        return links

    def suggested_name(self) -> str:
        names = [v for values in self.filters.values() for v in values]
        return " · ".join([self.q, *names] if self.q else names)[:120] or ""

    def context(self, result: Mapping[str, Any] | None) -> dict[str, Any]:
        """What search.html and rule_new.html show of this search."""
        return {
            "q": self.q,
            "sort": self.sort,
            "filters": self.filters,
            "active": self.active(),
            "current": self.params(),
            "add_filter": self.with_filter,
            "current_with": lambda **changes: self.params(**changes),
            "result": result,
            "windows": self.windows(list((result or {}).get("histogram") or [])),
        }


def rule_spec(form: SearchForm, name: str, send_to: str) -> RuleSpec:
    """The rule a search page's form describes: its query (or, with facet filters only, their names as phrases,
    the filters themselves keeping the match exact) and where alerts go (e-mail addresses and webhook URLs)."""
    query = form.q
    if not query or query == "*":
        names = [v for key in ("person", "org", "place") for v in form.filters.get(key, [])]
        query = " AND ".join(phrase(v) for v in names) or "*"
    targets = send_to.replace(",", " ").split()
    emails = [t for t in targets if "@" in t and "://" not in t]
    webhooks = [t for t in targets if t not in emails]
    named = {FACET_PARAMS[key]: values for key, values in form.filters.items()}
    return RuleSpec(name=name, query=query, filters=FacetFilters(**named), webhooks=webhooks, emails=emails)


def watch_params(entry: Mapping[str, Any], *, for_rule: bool) -> dict[str, Any]:
    """An entity's articles as a search (its type's filter), or a rule watching it (its name as a phrase too)."""
    name = str(entry.get("name") or "")
    param = TYPE_PARAMS.get(str(entry.get("type") or ""))
    params: dict[str, Any] = {param: [name]} if param else {"q": phrase(name)}
    if for_rule:
        params |= {"name": f"watch {name}"[:200], "q": phrase(name)}
    return params
