"""wirewatch.workspace.articles: a search hit as the API lists it, facets and the timeline (no Elasticsearch)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wirewatch.workspace.articles import (
    FACETS,
    MARKS,
    ArticleQuery,
    article_item,
    entity_item,
    facet_counts,
    histogram_buckets,
    interval_for,
)

PRE, POST = MARKS


def test_a_hit_lists_its_snippet_highlights_and_the_other_copies_of_its_story() -> None:
    hit = {
        "_id": "a1",
        "_score": 2.5,
        "_source": {"title": "Port closed", "description": "ignored", "persons": None},
        "highlight": {"text": [f"the {PRE}port{POST} shut"], "title": [f"{PRE}Port{POST} closed"]},
        "inner_hits": {
            "copies": {
                "hits": {
                    "hits": [
                        {"_id": "a1", "_source": {"url": "u1"}},
                        {"_id": "a2", "_source": {"url": "u2", "source": "wire"}},
                    ]
                }
            }
        },
    }
    item = article_item(hit)
    assert item["id"] == "a1" and item["score"] == 2.5 and item["persons"] == [] and item["authors"] == []
    assert item["snippet"] == "the port shut"
    assert item["highlights"] == [
        [{"text": "the ", "match": False}, {"text": "port", "match": True}, {"text": " shut", "match": False}]
    ]
    assert item["title_highlight"] == [{"text": "Port", "match": True}, {"text": " closed", "match": False}]
    assert [c["id"] for c in item["copies"]] == ["a2"] and item["copies"][0]["source"] == "wire"


def test_without_highlights_the_snippet_is_the_description_cut_short() -> None:
    item = article_item({"_id": "b", "_source": {"description": "x" * 400}})
    assert item["snippet"] == "x" * 300 and item["highlights"] == [] and item["title_highlight"] is None


def test_every_facet_is_present_and_buckets_keep_their_counts() -> None:
    facets = facet_counts({"sources": {"buckets": [{"key": "wire", "doc_count": 3}]}})
    assert set(facets) == set(FACETS) and facets["sources"] == [{"name": "wire", "count": 3}]
    assert facets["persons"] == []
    buckets = histogram_buckets({"histogram": {"buckets": [{"key": 0, "key_as_string": "2026-01-01", "doc_count": 2}]}})
    assert buckets == [{"start": "2026-01-01", "count": 2}]


def test_the_timeline_bucket_grows_with_the_span() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert interval_for(ArticleQuery()) == "day"
    assert interval_for(ArticleQuery(since=now - timedelta(hours=30), until=now)) == "hour"
    assert interval_for(ArticleQuery(since=now - timedelta(days=400), until=now)) == "week"
    assert interval_for(ArticleQuery(since=now - timedelta(days=2000), until=now)) == "month"


def test_an_entity_lists_its_mentions_as_offsets() -> None:
    entity = entity_item({"name": "Ada", "type": "PER", "extra": 1, "mentions": [{"start": 4, "end": 7, "x": 0}]})
    assert entity["name"] == "Ada" and "extra" not in entity
    assert entity["mentions"] == [{"start": 4, "end": 7, "text": None}]
