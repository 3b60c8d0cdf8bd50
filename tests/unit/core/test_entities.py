"""The entity registry's pure parts: keys, document ids, the type majority without the registry's own votes,
and the parsing of Elasticsearch's aggregation answers."""

from __future__ import annotations

from typing import Any

from wirewatch.core.entities import (
    confident_types_body,
    fold,
    key_of,
    majority,
    mention_id,
    parse_confident_types,
    parse_entry,
    parse_search,
    registry_key,
    resolve_body,
    search_body,
)
from wirewatch.schemas.articles import Entity


def test_keys_fold_spelling_variants_and_keep_the_extractors_key() -> None:
    assert fold("Kata'ib Ḥezbollah") == fold("kataib  hezbollah") == "kataib hezbollah"
    assert fold("Al-Sudani") == fold("al Sudani") == "al sudani"
    assert registry_key(Entity(name="Saraya al-Salam", type="ORG")) == "saraya al salam"
    assert registry_key(Entity(name="Mosul", type="LOC", key="geonames:99072")) == "geonames:99072"
    assert key_of("!!!") == "!!!", "a name that folds to nothing is still counted under something"


def test_mention_ids_are_stable_and_distinct() -> None:
    one = mention_id("kataib hezbollah", "doc00001")
    assert one == mention_id("kataib hezbollah", "doc00001")
    # pinned: a changed id would make every replay write a second document for each (key, article)
    assert one == "c0fe4286904aa86dbb7aeb58e766f2df"
    assert len({one, mention_id("kataib hezbollah", "doc00002"), mention_id("kataib hezbolla", "hdoc00001")}) == 3
    # the separator keeps (key, id) pairs apart that concatenate alike
    assert mention_id("ab", "c") != mention_id("a", "bc")


def test_majority_breaks_ties_in_favour_of_the_main_types() -> None:
    assert majority({}) is None
    assert majority({"ORG": 3, "PERSON": 5}) == "PERSON"
    assert majority({"LOC": 2, "ORG": 2}) == "ORG"
    assert majority({"NORP": 2, "EVENT": 2}) == "EVENT"


def _terms(counts: dict[str, int], **sub: Any) -> dict[str, Any]:
    return {"buckets": [{"key": k, "doc_count": n, **sub} for k, n in counts.items()]}


def _entry_answer(types: dict[str, int], own: dict[str, int]) -> dict[str, Any]:
    return {
        "hits": {"total": {"value": sum(types.values())}, "hits": []},
        "aggregations": {
            "names": _terms({"Kataib Hezbollah": 5, "Kata'ib Hizballah": 2}),
            "aliases": _terms({"KH": 3, "Kataib Hezbollah": 1}),
            "types": _terms(types),
            "own": {"doc_count": sum(own.values()), "types": _terms(own)},
            "reasons": _terms({"registry": 4, "shape": 2, "model": 1}),
            "first": {"value": 1.0, "value_as_string": "2026-11-01T00:00:00.000Z"},
            "last": {"value": 2.0, "value_as_string": "2026-11-18T00:00:00.000Z"},
            "mentions": {"value": 19.0},
            "per_day": {
                "buckets": [
                    {"key_as_string": "2026-11-01T00:00:00.000Z", "doc_count": 1, "mentions": {"value": 4.0}},
                    {"key_as_string": "2026-11-18T00:00:00.000Z", "doc_count": 6, "mentions": {"value": 15.0}},
                ]
            },
            "co": _terms({"baghdad": 4}),
            "latest": {"hits": {"hits": [{"_source": {"article_id": "doc1", "title": "T", "seen_at": "2026-11-18"}}]}},
            "countries": _terms({}),
            "external": _terms({"Q123": 7}),
            "geo": {"one": {"hits": {"hits": []}}},
        },
    }


def test_the_type_is_the_majority_of_votes_the_registry_did_not_cast() -> None:
    # four articles where the registry retyped the name as PERSON, three where something else said ORG
    entry = parse_entry("kataib hezbollah", _entry_answer({"PERSON": 4, "ORG": 3}, {"ORG": 3}))
    assert entry is not None
    assert entry.type == "ORG"
    assert entry.votes == {"ORG": 3} and entry.registry_votes == {"PERSON": 4}
    assert entry.name == "Kataib Hezbollah"
    assert entry.aliases == ["Kata'ib Hizballah", "KH"]
    assert (entry.articles, entry.mentions) == (7, 19)
    assert [(d.day, d.articles, d.mentions) for d in entry.per_day] == [("2026-11-01", 1, 4), ("2026-11-18", 6, 15)]
    assert entry.first_seen == "2026-11-01T00:00:00.000Z" and entry.external_id == "Q123"
    assert entry.reasons == {"registry": 4, "shape": 2, "model": 1}
    assert [a.id for a in entry.latest] == ["doc1"]
    assert entry.to_json()["co_occurring"] == [{"key": "baghdad", "name": "baghdad", "type": None, "articles": 4}]


def test_only_registry_votes_still_give_a_type_and_no_documents_no_entry() -> None:
    entry = parse_entry("x", _entry_answer({"LOC": 2}, {}))
    assert entry is not None and entry.type == "LOC" and entry.votes == {}
    assert parse_entry("x", {"hits": {"total": {"value": 0}, "hits": []}, "aggregations": {}}) is None


def test_per_day_keeps_the_latest_days() -> None:
    entry = parse_entry("k", _entry_answer({"ORG": 7}, {"ORG": 7}), days=1)
    assert entry is not None and [d.day for d in entry.per_day] == ["2026-11-18"]


def test_confident_types_need_the_share_and_never_count_registry_votes() -> None:
    body = confident_types_body(min_articles=3, limit=100)
    assert {"bool": {"must_not": [{"term": {"why": "registry"}}]}} in body["query"]["bool"]["filter"]
    assert body["aggs"]["keys"]["terms"]["min_doc_count"] == 3
    answer = {
        "aggregations": {
            "keys": {
                "buckets": [
                    {"key": "kataib hezbollah", "doc_count": 10, "types": _terms({"ORG": 9, "PERSON": 1})},
                    {"key": "jordan", "doc_count": 10, "types": _terms({"LOC": 6, "PERSON": 4})},
                    {"key": "mosul", "doc_count": 4, "types": _terms({"LOC": 4})},
                ]
            }
        }
    }
    assert parse_confident_types(answer, min_share=0.8) == {"kataib hezbollah": "ORG", "mosul": "LOC"}
    assert parse_confident_types(answer, min_share=0.6) == {"kataib hezbollah": "ORG", "jordan": "LOC", "mosul": "LOC"}
    assert parse_confident_types({}, min_share=0.8) == {}


def test_search_and_resolve_query_by_the_folded_name() -> None:
    body = search_body("Kata'ib", "ORG", limit=10)
    should = body["query"]["bool"]["filter"][-1]["bool"]["should"]
    assert {"prefix": {"names_folded": "kataib"}} in should
    assert {"term": {"type": "ORG"}} in body["query"]["bool"]["filter"]
    assert body["aggs"]["keys"]["terms"]["size"] == 30, "a type filter asks for more: the majority decides later"
    assert len(search_body(None, None, limit=10)["query"]["bool"]["filter"]) == 1
    terms = resolve_body("KATA'IB Hezbollah")["query"]["bool"]["should"]
    assert {"term": {"names_folded": "kataib hezbollah"}} in terms
    found = parse_search(
        {"aggregations": {"keys": {"buckets": [{"key": "k", "doc_count": 2, "names": _terms({"K": 2}), "last": {}}]}}}
    )
    assert [(s.key, s.name, s.articles, s.last_seen) for s in found] == [("k", "K", 2, None)]
