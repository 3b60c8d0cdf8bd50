"""One query builder for ``wirewatch search``, ``rules test`` and the alerter, so a saved search matches
exactly what the same search shows (Lucene syntax, as in Kibana's query bar)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: fields a bare term searches, like Kibana's default "all fields" but weighted towards the headline
DEFAULT_FIELDS = [
    "title^3",
    "description^2",
    "text",
    "persons^2",
    "organizations^2",
    "locations^2",
    "authors",
    "source",
]
HIGHLIGHT = {
    "pre_tags": ["«"],
    "post_tags": ["»"],
    "fields": {"text": {"fragment_size": 160, "number_of_fragments": 2}, "title": {"number_of_fragments": 0}},
}


@dataclass
class Filters:
    persons: Sequence[str] = field(default_factory=list)
    organizations: Sequence[str] = field(default_factory=list)
    locations: Sequence[str] = field(default_factory=list)
    sources: Sequence[str] = field(default_factory=list)
    languages: Sequence[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    ids: Sequence[str] = field(default_factory=list)

    def clauses(self) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = []
        for name, values in (
            ("persons", self.persons),
            ("organizations", self.organizations),
            ("locations", self.locations),
            ("source", self.sources),
            ("language", self.languages),
        ):
            # each value must match (AND across values, as analysts expect from stacked facet filters);
            # names are stored as written, but nobody should have to type "Kataib Hezbollah" exactly so
            clauses.extend({"term": {name: {"value": v, "case_insensitive": True}}} for v in values)
        if self.since or self.until:
            window = {k: v.isoformat() for k, v in (("gte", self.since), ("lte", self.until)) if v}
            clauses.append({"range": {"published_at": window}})
        if self.ids:
            clauses.append({"ids": {"values": list(self.ids)}})
        return clauses


def build_query(query: str | None, filters: Filters | None = None) -> dict[str, Any]:
    must: list[dict[str, Any]] = []
    if query and query.strip() not in ("", "*"):
        must.append(
            {"query_string": {"query": query, "fields": DEFAULT_FIELDS, "lenient": True, "default_operator": "OR"}}
        )
    return {"bool": {"must": must or [{"match_all": {}}], "filter": (filters or Filters()).clauses()}}


def sort_clause(order: str) -> list[Any]:
    if order == "date":
        return [{"published_at": {"order": "desc", "missing": "_last"}}, "_score"]
    return ["_score", {"published_at": {"order": "desc", "missing": "_last"}}]
