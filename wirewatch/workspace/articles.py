"""What an articles search asks and what it answers: :class:`ArticleQuery`, the fields a result lists, the
facets and the timeline, cursors, and a hit as the API lists it (highlights as plain segments, copies of the
same story folded in). Pure functions over Elasticsearch's responses; :mod:`wirewatch.workspace.data` runs the
searches."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from wirewatch.core.query import HIGHLIGHT, Filters
from wirewatch.workspace.errors import bad_request

#: what a result lists of each article (the full text only on the article's own request)
LIST_FIELDS = [
    "id",
    "url",
    "title",
    "authors",
    "published_at",
    "fetched_at",
    "source",
    "language",
    "description",
    "persons",
    "organizations",
    "locations",
    "story_id",
    "cluster_id",
]
ARTICLE_FIELDS = [*LIST_FIELDS, "text", "standfirst", "entities", "feed_id", "indexed_at", "section", "tags"]
#: facet name → article field
FACETS = {
    "persons": "persons",
    "organizations": "organizations",
    "locations": "locations",
    "sources": "source",
    "languages": "language",
}
MAX_LIMIT = 100
#: how deep a cursor may page (Elasticsearch's result window, well below its default of 10,000)
MAX_OFFSET = 5000
FACET_SIZE = 10
#: syndicated copies of one story share a cluster id (= story_id): one result per story, its copies folded in
COLLAPSE = {
    "field": "cluster_id",
    "inner_hits": {
        "name": "copies",
        "size": 5,
        "_source": ["id", "url", "source", "title", "published_at"],
        "sort": [{"fetched_at": "asc"}],
    },
}


#: the markers the shared highlighter puts around a hit (``wirewatch.core.query.HIGHLIGHT``)
MARKS: tuple[str, str] = (
    str(cast("list[str]", HIGHLIGHT["pre_tags"])[0]),
    str(cast("list[str]", HIGHLIGHT["post_tags"])[0]),
)


@dataclass
class ArticleQuery:
    """One articles search: ``q`` (Lucene, or KQL with ``syntax="kql"``), facet filters, a window, an order."""

    q: str = ""
    persons: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    sort: Literal["relevance", "date"] = "relevance"
    limit: int = 20
    cursor: str | None = None
    syntax: Literal["lucene", "kql"] = "lucene"
    group: bool = True  # one result per story, its copies folded in

    def filters(self) -> Filters:
        return Filters(
            persons=self.persons,
            organizations=self.organizations,
            locations=self.locations,
            sources=self.sources,
            languages=self.languages,
            since=self.since,
            until=self.until,
        )

    def lucene(self) -> str:
        """``q`` as Wirewatch runs it, or a :class:`QueryError` naming the offending term (a 400)."""
        from wirewatch.core.kql import to_lucene

        return to_lucene(self.q or "*", self.syntax) or "*"


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"from": offset}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["from"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise bad_request("the cursor is not one this API gave", "bad_cursor") from exc
    if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise bad_request(f"a cursor pages at most {MAX_OFFSET} results deep", "bad_cursor")
    return offset


def segments(fragment: str) -> list[dict[str, Any]]:
    """A highlighted fragment (``«hit»`` markers) as plain segments ``{text, match}``: nothing to unescape."""
    pre, post = MARKS
    out: list[dict[str, Any]] = []
    for i, part in enumerate(fragment.split(pre)):
        if i == 0:
            out.append({"text": part, "match": False})
            continue
        hit, _, rest = part.partition(post)
        out += [{"text": hit, "match": True}, {"text": rest, "match": False}]
    return [s for s in out if s["text"]]


def _plain(fragment: str) -> str:
    return fragment.replace(MARKS[0], "").replace(MARKS[1], "")


def article_item(hit: dict[str, Any]) -> dict[str, Any]:
    """One search hit as the API lists it: the article, its snippet with highlights, its folded copies."""
    source = hit.get("_source", {})
    highlight = hit.get("highlight", {})
    fragments = highlight.get("text") or []
    snippet_text = " … ".join(fragments) if fragments else (source.get("description") or "")[:300]
    copies = [
        {"id": c["_id"], **{k: c["_source"].get(k) for k in ("url", "source", "title", "published_at")}}
        for c in hit.get("inner_hits", {}).get("copies", {}).get("hits", {}).get("hits", [])
        if c["_id"] != hit["_id"]
    ]
    item = {k: source.get(k) for k in LIST_FIELDS} | {"id": hit["_id"]}
    item["authors"] = source.get("authors") or []
    for name in ("persons", "organizations", "locations"):
        item[name] = source.get(name) or []
    return item | {
        "score": hit.get("_score"),
        "snippet": _plain(snippet_text),
        "highlights": [segments(f) for f in fragments],
        "title_highlight": segments(highlight["title"][0]) if highlight.get("title") else None,
        "copies": copies,
    }


def interval_for(query: ArticleQuery) -> str:
    """The timeline's bucket: hours over a couple of days, days over months, then weeks, then months (the
    server has no auto_date_histogram; an unbounded search is read by day)."""
    if query.since is None:
        return "day"
    span = (query.until or datetime.now(UTC)) - query.since
    for limit, interval in ((timedelta(days=2), "hour"), (timedelta(days=120), "day"), (timedelta(days=1100), "week")):
        if span <= limit:
            return interval
    return "month"


def facet_counts(aggs: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each facet's buckets as ``{name, count}``, every facet present (empty when the search had none)."""
    return {
        name: [{"name": b["key"], "count": b["doc_count"]} for b in aggs.get(name, {}).get("buckets", [])]
        for name in FACETS
    }


def histogram_buckets(aggs: dict[str, Any]) -> list[dict[str, Any]]:
    """The timeline's buckets as ``{start, count}``."""
    buckets = aggs.get("histogram", {}).get("buckets", [])
    return [{"start": b.get("key_as_string") or b["key"], "count": b["doc_count"]} for b in buckets]


def entity_item(entity: dict[str, Any]) -> dict[str, Any]:
    """One entity of an article, its mentions as offsets in the text."""
    return {k: entity.get(k) for k in ("name", "type", "key", "why", "count", "aliases", "label", "country_code")} | {
        "mentions": [
            {"start": m["start"], "end": m["end"], "text": m.get("text")} for m in entity.get("mentions") or []
        ]
    }
