"""Saved-search rules, stored in the ``<prefix>-rules`` index: ``wirewatch rules`` writes them, every alerter
replica reads the same set."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch, NotFoundError
from pydantic import SecretStr

from wirewatch.schemas import Rule, RuleFilters

log = logging.getLogger(__name__)


def rule_id_for(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def new_rule(
    name: str,
    query: str,
    *,
    webhooks: list[str],
    secret: str | None = None,
    filters: RuleFilters | None = None,
    throttle_minutes: float | None = None,
    slack: bool = False,
) -> Rule:
    return Rule(
        id=rule_id_for(name),
        name=name,
        query=query,
        webhooks=webhooks,
        secret=SecretStr(secret) if secret is not None else None,
        filters=filters or RuleFilters(),
        throttle_minutes=throttle_minutes,
        slack=slack,
        created_at=datetime.now(UTC),
    )


def _to_doc(rule: Rule) -> dict[str, Any]:
    doc = rule.model_dump(mode="json")
    doc["secret"] = rule.secret.get_secret_value() if rule.secret else None
    return doc


class RuleStore:
    """CRUD over the rules index, plus a short-lived cache of the enabled rules for the matcher.

    The cache is refreshed in the background once it is older than ``ttl_s`` (stale while revalidating),
    so reloading a thousand rules never sits on an alert's path; only the very first load waits."""

    def __init__(self, es: AsyncElasticsearch, index: str, *, ttl_s: float = 2.0) -> None:
        self.es = es
        self.index = index
        self.ttl_s = ttl_s
        self._cache: list[Rule] = []
        self._loaded_at = -1e9
        self._loaded = False
        self._refresh: asyncio.Task[None] | None = None

    async def put(self, rule: Rule) -> None:
        await self.es.index(index=self.index, id=rule.id, document=_to_doc(rule), refresh="wait_for")
        self._loaded_at = -1e9

    async def remove(self, name_or_id: str) -> bool:
        for rid in {name_or_id, rule_id_for(name_or_id)}:
            try:
                await self.es.delete(index=self.index, id=rid, refresh="wait_for")
                return True
            except NotFoundError:
                continue
        return False

    async def get(self, name_or_id: str) -> Rule | None:
        for rule in await self.all():
            if name_or_id in (rule.name, rule.id):
                return rule
        return None

    async def all(self) -> list[Rule]:
        rules: list[Rule] = []
        response = await self.es.search(index=self.index, size=10000, sort=[{"name": "asc"}], query={"match_all": {}})
        for hit in response.body["hits"]["hits"]:
            rules.append(Rule.model_validate(hit["_source"]))
        return rules

    async def enabled(self) -> list[Rule]:
        if not self._loaded:
            await self._reload()
        elif self._stale() and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.create_task(self._reload_logged())
        return self._cache

    def _stale(self) -> bool:
        return time.monotonic() - self._loaded_at > self.ttl_s

    async def _reload(self) -> None:
        started = time.monotonic()
        self._cache = [r for r in await self.all() if r.enabled]
        self._loaded_at = started
        self._loaded = True

    async def _reload_logged(self) -> None:
        try:
            await self._reload()
        except Exception:
            log.exception("reloading the rules failed; matching keeps the %d rules it has", len(self._cache))
