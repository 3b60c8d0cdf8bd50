"""Saved-search rules, stored in the ``<prefix>-rules`` index: ``wirewatch rules`` writes them, every alerter
replica reads the same set.

A rule's signing secret and its webhook and Teams URLs are credentials (whoever has a Slack webhook URL can
post to the channel), so they are sealed (:mod:`wirewatch.core.secretbox`), with its e-mail addresses, before
they are written: the index, Kibana and snapshots see ``fernet:…`` only. Reading opens them; a rule written in
clear by an older version is read as it is and sealed the next time it is saved (``rules export
--include-secrets`` then ``rules import`` seals every rule at once). A value that does not open raises
:class:`~wirewatch.core.secretbox.SecretUndecryptable`: the alerter keeps the rules it had and logs it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch, NotFoundError
from pydantic import SecretStr

from wirewatch.core.secretbox import SecretBox, default_box
from wirewatch.schemas import Rule, RuleFilters

log = logging.getLogger(__name__)


def rule_id_for(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def new_rule(
    name: str,
    query: str,
    *,
    webhooks: list[str] | None = None,
    secret: str | None = None,
    filters: RuleFilters | None = None,
    **fields: Any,
) -> Rule:
    """A rule named ``name``; ``fields`` are any other :class:`~wirewatch.schemas.Rule` fields (kind, per,
    digest, destinations …), validated by the model."""
    return Rule.model_validate(
        {
            "id": rule_id_for(name),
            "name": name,
            "query": query,
            "webhooks": webhooks or [],
            "secret": SecretStr(secret) if secret is not None else None,
            "filters": filters or RuleFilters(),
            "created_at": datetime.now(UTC),
            **fields,
        }
    )


#: the destinations sealed like the secret: a webhook's or Teams channel's URL is its credential, and an
#: address is personal data no Kibana user needs
SEALED_LISTS = {"webhooks": "a webhook URL", "teams": "a Teams URL", "emails": "an e-mail address"}


def public_view(rule: Rule) -> dict[str, Any]:
    """A rule as shown (``rules list --json``, the workspace): no secret, and webhook and Teams URLs redacted with
    a fingerprint (the URL is the credential); e-mail addresses as they are."""
    from wirewatch.core.redaction import destination

    doc = rule.model_dump(mode="json", exclude={"secret"})
    redacted = {"webhooks": [destination(url) for url in rule.webhooks], "teams": [destination(u) for u in rule.teams]}
    return doc | redacted | {"signed": rule.secret is not None}


def email_problem(address: str) -> str | None:
    """Why ``address`` is no e-mail address a rule may send to (one ``@``, a local part and a domain, no spaces,
    commas, semicolons, angle brackets or quotes that would add recipients or headers), or ``None``."""
    local, _, domain = address.partition("@")
    if not local or not domain or "@" in domain or any(c.isspace() or c in ',;<>"' for c in address):
        return f"{address!r} is not an e-mail address"
    return None


def _to_doc(rule: Rule, box: SecretBox) -> dict[str, Any]:
    doc = rule.model_dump(mode="json")
    doc["secret"] = box.seal(rule.secret.get_secret_value()) if rule.secret else None
    for field in SEALED_LISTS:
        doc[field] = [box.seal(value) for value in getattr(rule, field)]
    return doc


def _from_doc(source: dict[str, Any], box: SecretBox) -> Rule:
    name = source.get("name")
    doc = dict(source)
    if doc.get("secret"):
        doc["secret"] = box.open(doc["secret"], field=f"the signing secret of rule {name!r}")
    for field, what in SEALED_LISTS.items():
        doc[field] = [box.open(value, field=f"{what} of rule {name!r}") for value in doc.get(field) or []]
    return Rule.model_validate(doc)


class RuleStore:
    """CRUD over the rules index, plus a short-lived cache of the enabled rules for the matcher.

    The cache is refreshed in the background once it is older than ``ttl_s`` (stale while revalidating),
    so reloading a thousand rules never sits on an alert's path; only the very first load waits."""

    def __init__(self, es: AsyncElasticsearch, index: str, *, ttl_s: float = 2.0, box: SecretBox | None = None) -> None:
        self.es = es
        self.index = index
        self._box = box
        self.ttl_s = ttl_s
        self._cache: list[Rule] = []
        self._loaded_at = -1e9
        self._loaded = False
        self._refresh: asyncio.Task[None] | None = None

    @property
    def box(self) -> SecretBox:
        """The secret box given, else the process's own (read from the settings when first needed)."""
        if self._box is None:
            self._box = default_box()
        return self._box

    async def put(self, rule: Rule) -> None:
        await self.es.index(index=self.index, id=rule.id, document=_to_doc(rule, self.box), refresh="wait_for")
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
            rules.append(_from_doc(hit["_source"], self.box))
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
