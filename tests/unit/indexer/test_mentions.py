"""The entity registry documents the indexer writes with each article: one per (key, article), tombstones for
keys a newer fetch dropped, nothing for an article the index already holds newer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bench.messages import enriched
from wirewatch.core.entities import mention_id
from wirewatch.core.errors import ServiceUnavailable
from wirewatch.schemas import EnrichedArticle
from wirewatch.schemas.articles import Entity
from wirewatch.services.indexer.bulk import write
from wirewatch.services.indexer.documents import external_version
from wirewatch.services.indexer.mentions import MAX_CO_KEYS, Stored, mention_lines, plan, stored_keys

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def entity(name: str, type_: str = "ORG", count: int = 1, **fields: Any) -> Entity:
    return Entity.model_validate({"name": name, "type": type_, "count": count, **fields})


def article(n: int, *names: str, hours: int = 0) -> EnrichedArticle:
    fetched = NOW + timedelta(hours=hours)
    return enriched(n, fetched_at=fetched, entities=[entity(name) for name in names])


def docs(lines: list[bytes]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    pairs = []
    for line in lines:
        action, source = line.decode().splitlines()
        pairs.append((json.loads(action)["index"], json.loads(source)))
    return pairs


def test_one_document_per_key_with_the_articles_version_and_id() -> None:
    a = enriched(
        1,
        entities=[
            entity("Kataib Hezbollah", count=3, why="shape"),
            entity("Kata'ib Hezbollah", count=1, aliases=["KH"]),
            entity("Baghdad", "LOC", count=2, key="geonames:98182", geo={"lat": 33.3, "lon": 44.4}),
        ],
    )
    pairs = docs(mention_lines("reg", a, (), NOW))
    assert len(pairs) == 2, "two spellings folding alike are one entity of the article"
    (action, kh), (_, baghdad) = pairs
    assert action["_id"] == mention_id("kataib hezbollah", "doc00001") and action["_index"] == "reg"
    assert action["version"] == external_version(a) and action["version_type"] == "external"
    assert action["require_alias"] is False
    assert (kh["name"], kh["type"], kh["why"], kh["count"]) == ("Kataib Hezbollah", "ORG", "shape", 4)
    assert kh["aliases"] == ["KH", "Kata'ib Hezbollah"] and kh["names_folded"] == ["kataib hezbollah", "kh"]
    assert kh["co_keys"] == ["geonames:98182"] and baghdad["co_keys"] == ["kataib hezbollah"]
    assert baghdad["key"] == "geonames:98182" and baghdad["geo"] == {"lat": 33.3, "lon": 44.4}
    assert kh["active"] is True and kh["seen_at"] == a.fetched_at.isoformat()


def test_co_occurring_keys_are_bounded_most_mentioned_first() -> None:
    many = [entity(f"Group {i:03d}", count=i) for i in range(100)]
    pairs = docs(mention_lines("reg", enriched(1, entities=many), (), NOW))
    first = pairs[0][1]
    assert len(first["co_keys"]) == MAX_CO_KEYS
    assert first["co_keys"][:2] == ["group 099", "group 098"]


def test_dropped_keys_become_tombstones_with_the_newer_version() -> None:
    newer = article(1, "Kataib Hezbollah", hours=1)
    pairs = docs(mention_lines("reg", newer, {"kataib hezbollah", "saraya al salam"}, NOW))
    assert [s.get("active") for _, s in pairs] == [True, False]
    action, tombstone = pairs[1]
    assert action["_id"] == mention_id("saraya al salam", "doc00001")
    assert action["version"] == external_version(newer)
    assert tombstone == {
        "key": "saraya al salam",
        "article_id": "doc00001",
        "version": external_version(newer),
        "indexed_at": NOW.isoformat(),
        "active": False,
    }


def test_backfill_rewrites_the_same_version() -> None:
    again = enriched(1, lane="backfill", entities=[entity("Saraya al-Salam")])
    [(action, _)] = docs(mention_lines("reg", again, (), NOW))
    assert action["version_type"] == "external_gte"


def test_plan_new_replayed_newer_and_older_articles() -> None:
    a1, b1 = article(1, "A", "B"), article(2, "C")
    stored = {"doc00002": Stored(external_version(b1), frozenset({"c"}))}
    assert plan([a1, b1], stored) == {0: set(), 1: {"c"}}, "a replay rewrites (and tombstones nothing new)"
    older = article(3, "D")
    stored["doc00003"] = Stored(external_version(older) + 1, frozenset({"e"}))
    assert plan([older], stored) == {}, "the index holds a newer copy: nothing is written"


def test_plan_keeps_the_newest_copy_of_a_batch_and_tombstones_what_the_others_named() -> None:
    first, second = article(1, "A", "B"), article(1, "A", hours=1)
    assert plan([second, first], {}) == {0: {"a", "b"}}
    same = article(1, "A")
    assert plan([first, same], {}) == {1: {"a", "b"}}, "on equal versions the last copy wins"


class MentionsEs:
    """Answers the stored-keys search with nothing, and ``bulk`` with one status per action line."""

    def __init__(self, article_status: int = 201, mention_status: int = 201) -> None:
        self.statuses = (article_status, mention_status)
        self.bodies: list[bytes] = []

    async def search(self, **_: Any) -> Any:
        return type("Response", (), {"body": {"hits": {"hits": []}}})()

    async def bulk(self, *, body: bytes, refresh: str, require_alias: bool = False) -> Any:
        self.bodies.append(body)
        items = []
        for line in body.splitlines()[::2]:
            index = json.loads(line)["index"]["_index"]
            status = self.statuses[0] if index == "a" else self.statuses[1]
            items.append({"index": {"status": status, "error": {"type": "x", "reason": "y"}}})
        return type("Response", (), {"body": {"items": items}})()


async def test_write_sends_the_registry_documents_after_each_article() -> None:
    es = MentionsEs()
    batch = [article(1, "A", "B"), article(2), article(3, "C")]
    outcome = await write(es, "a", batch, max_bytes=10**9, mentions="reg")  # type: ignore[arg-type]
    assert [a.id for a in outcome.written] == ["doc00001", "doc00002", "doc00003"]
    indices = [json.loads(line)["index"]["_index"] for line in es.bodies[0].splitlines()[::2]]
    assert indices == ["a", "reg", "reg", "a", "a", "reg"]


async def test_a_refused_registry_document_never_fails_its_article_but_an_overload_retries() -> None:
    refused = await write(MentionsEs(mention_status=400), "a", [article(1, "A")], max_bytes=10**9, mentions="r")  # type: ignore[arg-type]
    assert [a.id for a in refused.written] == ["doc00001"] and not refused.rejected
    with pytest.raises(ServiceUnavailable, match="entity registry"):
        await write(MentionsEs(mention_status=429), "a", [article(1, "A")], max_bytes=10**9, mentions="r")  # type: ignore[arg-type]


async def test_stored_keys_are_read_in_slices_under_the_result_window() -> None:
    sizes: list[int] = []

    class Es:
        async def search(self, *, query: dict[str, Any], size: int, **_: Any) -> Any:
            sizes.append(size)
            ids = query["ids"]["values"]
            hits = [{"_id": i, "_source": {"version": 5, "entities": [{"name": "Kata'ib", "key": None}]}} for i in ids]
            return type("Response", (), {"body": {"hits": {"hits": hits}}})()

    found = await stored_keys(Es(), "a", [f"doc{i}" for i in range(4500)])  # type: ignore[arg-type]
    assert sizes == [4000, 4000, 1000] and max(sizes) <= 10_000
    assert len(found) == 4500 and found["doc7"] == Stored(5, frozenset({"kataib"}))
