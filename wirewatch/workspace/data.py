"""The workspace's one data layer: the JSON API, the Atom feeds and the pages all call :class:`Workspace`.

It reads only through what the CLI uses: ``wirewatch.core.query`` (validation, the query builder),
``wirewatch.core.entities`` (the registry), the rule and feed stores, ``wirewatch.ops.observe`` (status,
dead letters) and ``wirewatch.ops.deadletters`` (replay). Every search goes to the articles (or alerts)
alias of this installation only, with a size cap and an Elasticsearch timeout. What a search asks and how a
hit is listed live in :mod:`wirewatch.workspace.articles` (re-exported here: ``ArticleQuery``, cursors).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from wirewatch.core.query import HIGHLIGHT, QueryError, build_query, sort_clause
from wirewatch.workspace.articles import (
    ARTICLE_FIELDS,
    COLLAPSE,
    FACET_SIZE,
    FACETS,
    LIST_FIELDS,
    MAX_LIMIT,
    MAX_OFFSET,
    ArticleQuery,
    article_item,
    decode_cursor,
    encode_cursor,
    entity_item,
    facet_counts,
    histogram_buckets,
    interval_for,
    segments,
)
from wirewatch.workspace.errors import bad_request, not_found
from wirewatch.workspace.rulespecs import RuleSpec, public_rule, rule_from_spec

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch

    from wirewatch.core.stores.feeds import FeedStore
    from wirewatch.core.stores.rules import RuleStore
    from wirewatch.schemas import DeadLetter, Rule
    from wirewatch.workspace.settings import WorkspaceSettings

__all__ = ["MAX_LIMIT", "ArticleQuery", "Workspace", "decode_cursor", "encode_cursor", "segments"]

#: what the alert ledger lists of each alert
ALERT_FIELDS = [
    "alert_id",
    "rule_name",
    "rule_id",
    "kind",
    "title",
    "source",
    "status",
    "attempts",
    "matched_at",
    "published_at",
    "url",
    "article_id",
    "story_id",
    "persons",
    "organizations",
    "locations",
]


class Workspace:
    """The data behind every route; one per app (one Elasticsearch client, closed by :meth:`close`)."""

    def __init__(self, settings: WorkspaceSettings, es: AsyncElasticsearch | None = None) -> None:
        from wirewatch.core.es import make_es

        self.settings = settings
        self.es = es if es is not None else make_es(settings, timeout=settings.serve_search_timeout_s + 5)

    async def close(self) -> None:
        await self.es.close()

    # --- stores ---------------------------------------------------------------------------------------------

    def rules_store(self) -> RuleStore:
        from wirewatch.core.stores.rules import RuleStore

        return RuleStore(self.es, self.settings.index_name("rules"))

    def feeds_store(self) -> FeedStore:
        from wirewatch.core.stores.feeds import FeedStore

        return FeedStore(self.es, self.settings.index_name("feeds"))

    async def _search(self, index_family: str, **body: Any) -> dict[str, Any]:
        """One bounded search of this installation's ``index_family``; a query Elasticsearch refuses is a
        :class:`QueryError` with its reason (a 400), never its stack trace."""
        from elasticsearch import BadRequestError, NotFoundError

        timeout = f"{int(self.settings.serve_search_timeout_s * 1000)}ms"
        try:
            response = await self.es.search(index=self.settings.index_name(index_family), timeout=timeout, **body)
        except NotFoundError:
            return {"hits": {"total": {"value": 0}, "hits": []}, "aggregations": {}}
        except BadRequestError as exc:
            raise QueryError(f"Elasticsearch cannot run the query: {_reason(exc)}") from exc
        return dict(response.body)

    # --- articles -------------------------------------------------------------------------------------------

    async def search_articles(self, query: ArticleQuery) -> dict[str, Any]:
        """``{total, items, facets, histogram, next_cursor}`` for one search (see :class:`ArticleQuery`)."""
        if not 1 <= query.limit <= MAX_LIMIT:
            raise bad_request(f"limit must be between 1 and {MAX_LIMIT}", "bad_limit")
        offset = decode_cursor(query.cursor)
        aggs: dict[str, Any] = {name: {"terms": {"field": f, "size": FACET_SIZE}} for name, f in FACETS.items()} | {
            "histogram": {"date_histogram": {"field": "published_at", "calendar_interval": interval_for(query)}}
        }
        body = await self._search(
            "articles",
            query=build_query(query.lucene(), query.filters()),
            size=query.limit,
            from_=offset,
            sort=sort_clause(query.sort),
            highlight=HIGHLIGHT,
            source_includes=LIST_FIELDS,
            track_total_hits=True,
            collapse=COLLAPSE if query.group else None,
            aggs=aggs,
        )
        hits = body["hits"]["hits"]
        total = int(body["hits"]["total"]["value"])
        following = offset + len(hits)
        more = len(hits) == query.limit and following < min(total, MAX_OFFSET)
        return {
            "total": total,
            "items": [article_item(h) for h in hits],
            "facets": facet_counts(body.get("aggregations", {})),
            "histogram": histogram_buckets(body.get("aggregations", {})),
            "next_cursor": encode_cursor(following) if more else None,
        }

    async def get_article(self, article_id: str) -> dict[str, Any]:
        """The article in full: text, entities with their mentions as offsets in the text, copies (same story),
        and the alerts it fired."""
        body = await self._search("articles", query={"ids": {"values": [article_id]}}, size=1)
        hits = body["hits"]["hits"]
        if not hits:
            raise not_found(f"no article with id {article_id!r}")
        source = hits[0]["_source"]
        article = {k: source.get(k) for k in ARTICLE_FIELDS} | {"id": hits[0]["_id"]}
        article["entities"] = [entity_item(e) for e in source.get("entities") or []]
        story = source.get("story_id") or source.get("cluster_id")
        article["copies"] = await self._copies(story, hits[0]["_id"]) if story else []
        article["alerts"] = await self.alerts(article_id=hits[0]["_id"], limit=50)
        return article

    async def _copies(self, story_id: str, but: str) -> list[dict[str, Any]]:
        body = await self._search(
            "articles",
            query={"bool": {"filter": [{"term": {"cluster_id": story_id}}], "must_not": [{"ids": {"values": [but]}}]}},
            size=50,
            sort=[{"fetched_at": "asc"}],
            source_includes=["url", "source", "title", "published_at"],
        )
        return [{"id": h["_id"], **h["_source"]} for h in body["hits"]["hits"]]

    async def articles_by_ids(self, ids: list[str]) -> list[dict[str, Any]]:
        """The listed articles (those that exist), in the order given."""
        body = await self._search(
            "articles", query={"ids": {"values": ids}}, size=len(ids), source_includes=LIST_FIELDS
        )
        found = {h["_id"]: article_item(h) for h in body["hits"]["hits"]}
        return [found[i] for i in ids if i in found]

    # --- entities -------------------------------------------------------------------------------------------

    async def search_entities(
        self, q: str | None = None, entity_type: str | None = None, *, limit: int = 50
    ) -> list[dict[str, Any]]:
        from wirewatch.core import entities

        if not 1 <= limit <= MAX_LIMIT:
            raise bad_request(f"limit must be between 1 and {MAX_LIMIT}", "bad_limit")
        index = entities.index_name(self.settings.index_prefix)
        found = await entities.search(self.es, q, entity_type, limit=limit, index=index)
        return [s.to_json() for s in found]

    async def get_entity(self, entity_id: str) -> dict[str, Any]:
        """The registry's entry: aliases, type and why (votes, reasons), mentions per day, co-occurring
        entities, latest articles."""
        from wirewatch.core import entities

        entry = await entities.lookup(self.es, entity_id, index=entities.index_name(self.settings.index_prefix))
        if entry is None:
            raise not_found(f"no entity {entity_id!r} in the registry")
        return entry.to_json()

    # --- rules ----------------------------------------------------------------------------------------------

    async def list_rules(self) -> list[dict[str, Any]]:
        """Every rule, without secrets (webhook and Teams URLs redacted, as ``rules list --json``)."""
        return [public_rule(r) for r in await self.rules_store().all()]

    async def _rule(self, name: str) -> Rule:
        rule = await self.rules_store().get(name)
        if rule is None:
            raise not_found(f"no rule named {name!r}")
        return rule

    async def get_rule(self, name: str) -> dict[str, Any]:
        return public_rule(await self._rule(name))

    async def put_rule(self, spec: RuleSpec, *, replace: bool) -> dict[str, Any]:
        """Store a rule checked as ``wirewatch rules add`` checks it (query, destinations through the outbound
        policy, schedule); without ``replace``, a rule of that name is a 409."""
        from wirewatch.workspace.errors import WorkspaceError

        if not replace and await self.rules_store().get(spec.name) is not None:
            raise WorkspaceError(409, "conflict", f"a rule named {spec.name!r} exists: PUT /api/rules/{{name}}")
        rule = await rule_from_spec(spec, self.settings)
        await self.rules_store().put(rule)
        return public_rule(rule)

    async def delete_rule(self, name: str) -> None:
        if not await self.rules_store().remove(name):
            raise not_found(f"no rule named {name!r}")

    async def rule_matches(self, name: str, *, limit: int = 20, hours: float | None = None) -> dict[str, Any]:
        """What a stored rule matches, newest indexed first (``rules test``; the rule's Atom feed)."""
        return await self._matches(await self._rule(name), limit=limit, hours=hours)

    async def preview_rule(self, spec: RuleSpec, *, limit: int = 20, hours: float = 24) -> dict[str, Any]:
        """What a rule not yet saved would have matched in the last ``hours`` (the pages' live preview)."""
        from wirewatch.core.stores.rules import new_rule
        from wirewatch.schemas import RuleFilters

        query = spec.lucene()
        rule = new_rule(spec.name or "preview", query, filters=RuleFilters(**spec.filters.model_dump()))
        return await self._matches(rule, limit=limit, hours=hours)

    async def _matches(self, rule: Rule, *, limit: int, hours: float | None) -> dict[str, Any]:
        from wirewatch.core.query import validate_query
        from wirewatch.services.alerter import rule_filters

        if not 1 <= limit <= MAX_LIMIT:
            raise bad_request(f"limit must be between 1 and {MAX_LIMIT}", "bad_limit")
        validate_query(rule.query)  # a rule stored before queries were checked: say why the alerter skips it
        filters = rule_filters(rule, ids=[])
        query = build_query(rule.query, filters)
        if hours is not None:
            since = (datetime.now(UTC) - timedelta(hours=hours)).isoformat()
            query["bool"]["filter"].append({"range": {"indexed_at": {"gte": since}}})
        body = await self._search(
            "articles",
            query=query,
            size=limit,
            highlight=HIGHLIGHT,
            sort=[{"indexed_at": {"order": "desc", "missing": "_last"}}, {"id": "desc"}],
            source_includes=[*LIST_FIELDS, "indexed_at", "entities"],
            track_total_hits=True,
        )
        items = [article_item(h) | {"indexed_at": h["_source"].get("indexed_at")} for h in body["hits"]["hits"]]
        return {"total": int(body["hits"]["total"]["value"]), "items": items}

    # --- feeds ----------------------------------------------------------------------------------------------

    async def list_feeds(self) -> list[dict[str, Any]]:
        """Every feed with its health, no secret (header names only, as ``feeds list --json``)."""
        from elasticsearch import NotFoundError

        try:
            return [r.to_public() for r in await self.feeds_store().all()]
        except NotFoundError:
            return []

    async def add_feed(self, url: str, *, name: str | None = None, discover: bool = True) -> dict[str, Any]:
        """Add the feed at ``url``; with ``discover``, a site's page is searched for its feeds (the fetcher's
        onboarding, as ``feeds add``) and the first found is added. ``{added: [...], found: [...]}``."""
        from wirewatch.workspace.feedadding import add_feed

        return await add_feed(self.feeds_store(), url, name=name, discover=discover)

    async def remove_feed(self, feed_id: str) -> None:
        if not await self.feeds_store().remove(feed_id):
            raise not_found(f"no feed with id {feed_id!r}")

    # --- alerts, dead letters, status -----------------------------------------------------------------------

    async def alerts(
        self, *, article_id: str | None = None, rule: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """The alert ledger, newest match first."""
        if not 1 <= limit <= MAX_LIMIT:
            raise bad_request(f"limit must be between 1 and {MAX_LIMIT}", "bad_limit")
        filters: list[dict[str, Any]] = []
        if article_id:
            filters.append({"term": {"article_id": article_id}})
        if rule:
            filters.append({"bool": {"should": [{"term": {"rule_name": rule}}, {"term": {"rule_id": rule}}]}})
        body = await self._search(
            "alerts",
            query={"bool": {"filter": filters}},
            size=limit,
            sort=[{"matched_at": {"order": "desc", "missing": "_last"}}],
            source_includes=ALERT_FIELDS,
        )
        return [{"id": h["_id"], **h["_source"]} for h in body["hits"]["hits"]]

    async def _letters(self, stage: str | None, error_class: str | None) -> list[DeadLetter]:
        from wirewatch.ops.deadletters import select
        from wirewatch.ops.observe import read_dead_letters

        return select(await read_dead_letters(self.settings), stage=stage, since=None, error_class=error_class)

    async def deadletters(self, *, stage: str | None = None, error_class: str | None = None) -> list[dict[str, Any]]:
        """Dead letters, oldest first, numbered as ``dlq list`` numbers them (payloads left out)."""
        from wirewatch.ops.deadletters import kind_of

        letters = await self._letters(stage, error_class)
        return [
            {"number": n} | d.model_dump(mode="json", exclude={"payload_b64"}) | {"kind": kind_of(d)}
            for n, d in enumerate(letters)
        ]

    async def replay_deadletters(self, *, stage: str | None = None, error_class: str | None = None) -> dict[str, Any]:
        """Send the selected letters back through their stage, by the code of ``wirewatch dlq replay``."""
        from collections import Counter

        from wirewatch.ops.deadletters import NOT_REPLAYED, kind_of, replay

        letters = await self._letters(stage, error_class)
        kept = Counter(kind for d in letters if (kind := kind_of(d)) in NOT_REPLAYED)
        sent, requeued, skipped = await replay(letters, self.settings)
        notes = [f"skipped {count} {kind} letter(s): {NOT_REPLAYED[kind]}" for kind, count in sorted(kept.items())]
        return {"replayed": sent, "requeued_alerts": requeued, "skipped": skipped, "notes": notes}

    async def status(self) -> dict[str, Any]:
        """The figures of ``wirewatch status --json``."""
        from wirewatch.ops.observe import pipeline_status

        return (await pipeline_status(self.settings)).as_dict()


def _reason(exc: Any) -> str:
    """The most specific reason Elasticsearch gave (the root cause of a failed query parse)."""
    error = exc.body.get("error", {}) if isinstance(exc.body, dict) else {}
    cause = error.get("caused_by") or {}
    while isinstance(cause.get("caused_by"), dict):
        cause = cause["caused_by"]
    causes = error.get("root_cause") or []
    found = cause or (causes[0] if causes else error)
    return str(found.get("reason") or "refused")[:300] if isinstance(found, dict) else "refused"
