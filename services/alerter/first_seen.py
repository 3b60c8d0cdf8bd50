"""First-seen rules (``rule.entity_type``): an entity of that type named in one of the batch's articles that
match the rule, whose earliest mention in the entity registry (``<prefix>-entity-mentions``, written in the
same bulk request as the article) is in this batch: no mention outside the batch is older (an article is seen
when it was published, else fetched, as the registry counts it).

The alert id is keyed on the rule and the entity key: once per entity, ever. Comparing times rather than
asking "any other mention?" keeps it right when the alerter lags behind the indexer (a later batch already
indexed does not hide the entity's first appearance). Here: an article's mentions, the registry request and
the decision; ``volume.VolumeRules`` runs the search and remembers the keys found known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wirewatch.core.entities import ACTIVE, key_of
from wirewatch.schemas import ENTITY_KINDS, Alert, Rule, keyed_alert_id


@dataclass(frozen=True)
class Mention:
    key: str
    name: str
    type: str
    article_id: str
    seen_at: float  # epoch milliseconds


def mentions_of(hit: dict[str, Any]) -> list[Mention]:
    """An article's entities as the registry counts them (see ``services/indexer/mentions.py``): one per key,
    typed by its most mentioned spelling, seen when the article was published (else fetched)."""
    src = hit["_source"]
    seen = src.get("published_at") or src.get("fetched_at")
    if not seen:
        return []
    seen_at = datetime.fromisoformat(str(seen).replace("Z", "+00:00")).timestamp() * 1000
    main: dict[str, dict[str, Any]] = {}
    for entity in src.get("entities") or []:
        key = key_of(str(entity.get("name") or ""), entity.get("key"))
        if key and (key not in main or int(entity.get("count") or 0) > int(main[key].get("count") or 0)):
            main[key] = entity
    return [Mention(key, str(e.get("name") or key), str(e.get("type")), hit["_id"], seen_at) for key, e in main.items()]


def earliest_body(keys: Sequence[str], batch_ids: Sequence[str]) -> dict[str, Any]:
    """Each key's earliest mention outside the batch (keys without one are absent from the answer)."""
    return {
        "size": 0,
        "query": {
            "bool": {
                "filter": [ACTIVE, {"terms": {"key": list(keys)}}],
                "must_not": [{"terms": {"article_id": list(batch_ids)}}],
            }
        },
        "aggs": {
            "keys": {
                "terms": {"field": "key", "size": len(keys)},
                "aggs": {"first": {"min": {"field": "seen_at"}}},
            }
        },
    }


def first_seen_alert(rule: Rule, mention: Mention, base: Alert) -> Alert:
    """``base``: the alert of the article that named the entity first."""
    return base.model_copy(
        update={
            "alert_id": keyed_alert_id(rule.id, "first_seen", mention.key),
            "kind": "first_seen",
            "article_ids": [base.article_id] if base.article_id else [],
            "entity_key": mention.key,
            "entity_name": mention.name,
            "entity_type": rule.entity_type,
        }
    )


def new_keys(mentions: Sequence[Mention], earliest: dict[str, float]) -> set[str]:
    """Keys whose earliest mention in the batch is no later than their earliest mention outside it."""
    first_here: dict[str, float] = {}
    for mention in mentions:
        at = mention.seen_at
        first_here[mention.key] = min(at, first_here.get(mention.key, at))
    return {key for key, at in first_here.items() if key not in earliest or at <= earliest[key]}


def first_mentions(
    rules: Sequence[Rule], matched: dict[str, list[str]], fresh: Sequence[Mention]
) -> list[tuple[Rule, Mention]]:
    """Each rule's new entities of its type, named in an article it matched: the earliest mention of each (then
    the lowest article id), once per rule. ``fresh``: the mentions of keys first seen in this batch."""
    ordered = sorted(fresh, key=lambda m: (m.seen_at, m.article_id))
    fired: list[tuple[Rule, Mention]] = []
    for rule in rules:
        assert rule.entity_type is not None
        kind = ENTITY_KINDS[rule.entity_type]
        own = set(matched[rule.id])
        seen: set[str] = set()
        for mention in ordered:
            if mention.type == kind and mention.key not in seen and mention.article_id in own:
                seen.add(mention.key)
                fired.append((rule, mention))
    return fired
