"""Stories around each bulk write: which story each article of the batch joins, and the story documents.

    1. fingerprint  each article's shingles and band keys (``wirewatch/core/stories.py``)
    2. look up      ONE ``_msearch`` per batch: the batch's ids (an article already indexed keeps its story:
                    replays and retries change nothing), and the indexed articles sharing a band key with
                    the batch's (one query per :data:`GROUP` articles, those sharing most keys first),
                    each article then keeping those fetched within :data:`WINDOW` of it that share most keys
    3. decide       :func:`~wirewatch.core.stories.assign`: copies within the batch cluster together, the
                    story id is the id of the story's first article
    4. (the bulk write, with ``story_id``, ``cluster_id`` = ``story_id`` and ``story_keys`` on each document)
    5. summarise    ONE search aggregating the touched stories' articles (the write refreshed them), then one
                    bulk of ``<prefix>-stories`` documents, each recomputed whole, so writing it twice or
                    late changes nothing; its external version is the member count, so a summary computed
                    from fewer members never overwrites one computed from more. A new article alone in its
                    story (most of them) needs neither: its story document is built from the article, as the
                    aggregation would build it, and goes in step 4's bulk request with the article

Two replicas indexing two copies of a new story at the same instant: neither sees the other's copy (each
looks before the other's write is refreshed), so each starts a story of its own. The next copy to arrive
joins the one it resembles most (on a tie, the earlier), and the two early copies keep their ids: no story
moves once assigned (a replay must not change it), so such a split, possible only among articles indexed
within one bulk round trip of each other, stays. A later re-check that merges the later story into the
earlier is not done.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import AsyncElasticsearch

from wirewatch.core.errors import ServiceUnavailable
from wirewatch.core.stories import Assignment, Fingerprint, Member, assign, fingerprint
from wirewatch.schemas import EnrichedArticle
from wirewatch.services.indexer.bulk import unavailable

log = logging.getLogger(__name__)

#: an article joins stories whose articles were fetched within this of it
WINDOW = timedelta(days=3)
#: candidates compared per article (ranked by band keys shared): copies share most keys
CANDIDATES = 5
#: a story document lists at most this many member ids (``article_count`` has them all)
MEMBER_CAP = 50
SOURCE_CAP = 50
TOP_ENTITIES = 5
#: the articles template's ``ignore_above`` of the entity facets
KEYWORD_MAX = 256
CANDIDATE_SOURCE = ["id", "story_id", "cluster_id", "text", "fetched_at", "story_keys"]
#: fingerprints a worker remembers: a few minutes of the stream (each about 6 KB, 25 KB once compared: the
#: shingle hashes of 500 words as an array and as a set, and the keys), so at most ~50 MB
REMEMBERED = 2_000
_FINGERPRINTS: OrderedDict[tuple[str, datetime, int], Fingerprint] = OrderedDict()
#: articles whose keys go in one query: 24 keys each, one clause a key, under the 1,024 clauses a query
#: may hold on the smallest servers
GROUP = 40
ENTITY_FIELDS = {"persons": "persons", "organizations": "organizations", "locations": "locations"}


def story_fields(assignment: Assignment, print_: Fingerprint) -> dict[str, Any]:
    """What the indexer adds to an article's document."""
    return {"story_id": assignment.story_id, "cluster_id": assignment.story_id, "story_keys": list(print_.keys)}


@dataclass
class StoryPlan:
    """Each article's story fields (by id), and the articles new to the index that start a story of their
    own which nothing else in the batch joined: their story documents need no aggregation."""

    fields: dict[str, dict[str, Any]]
    alone: set[str]


async def assign_stories(es: AsyncElasticsearch, alias: str, articles: Sequence[EnrichedArticle]) -> StoryPlan:
    """Each article's story, from one ``_msearch``."""
    latest = {article.id: article for article in articles}  # a batch may hold two versions of one article
    prints = {id_: _remembered(id_, article.fetched_at, article.text) for id_, article in latest.items()}
    keyed = [article for article in latest.values() if prints[article.id].keys]
    groups = [keyed[i : i + GROUP] for i in range(0, len(keyed), GROUP)]
    searches: list[dict[str, Any]] = [{"index": alias}, _stored_query(list(latest))]
    for group in groups:
        searches += [{"index": alias}, _candidate_query(group, prints)]
    responses = await _msearch(es, searches)
    stored = _stored(responses[0])
    candidates = _candidates(groups, prints, responses[1:])
    batch = [Member(a.id, a.fetched_at, prints[a.id]) for a in latest.values()]
    assigned = assign(batch, candidates, stored)
    sizes = Counter(done.story_id for done in assigned.values())
    alone = {id_ for id_, done in assigned.items() if id_ not in stored and done.story_id == id_ and sizes[id_] == 1}
    return StoryPlan({id_: story_fields(done, prints[id_]) for id_, done in assigned.items()}, alone)


def _remembered(article_id: str, fetched_at: datetime, text: str) -> Fingerprint:
    """The fingerprint of an article's text, remembered for the next batches, where the article comes back
    as a candidate of its copies. The text is part of the key: one fetch (id and fetch time) may come back with
    another text (re-parsed by a newer parser on a replay), and its old fingerprint would split its story."""
    key = (article_id, fetched_at, hash(text))
    found = _FINGERPRINTS.pop(key, None) or fingerprint(text)
    _FINGERPRINTS[key] = found  # the most recent last
    while len(_FINGERPRINTS) > REMEMBERED:
        _FINGERPRINTS.popitem(last=False)
    return found


def _stored_query(ids: list[str]) -> dict[str, Any]:
    return {"size": len(ids), "_source": ["id", "story_id", "cluster_id"], "query": {"ids": {"values": ids}}}


def _candidate_query(group: Sequence[EnrichedArticle], prints: dict[str, Fingerprint]) -> dict[str, Any]:
    """The indexed articles sharing a band key with an article of ``group``, fetched within the window of one
    of them, those sharing the most keys first: a copy shares many, an article that merely repeats a
    phrase one or two, so a busy index's chance collisions never crowd a copy out of the hits (one query
    for the group: hundreds of small searches cost the server far more than one with their keys together)."""
    keys = sorted({key for article in group for key in prints[article.id].keys})
    earliest = min(a.fetched_at for a in group) - WINDOW
    latest = max(a.fetched_at for a in group) + WINDOW
    return {
        "size": CANDIDATES * len(group),
        "_source": CANDIDATE_SOURCE,
        "query": {
            "bool": {
                "should": [{"constant_score": {"filter": {"term": {"story_keys": key}}}} for key in keys],
                "minimum_should_match": 1,
                "filter": [{"range": {"fetched_at": {"gte": earliest.isoformat(), "lte": latest.isoformat()}}}],
            }
        },
    }


async def _msearch(es: AsyncElasticsearch, searches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with unavailable():
        response = await es.msearch(searches=searches)
    answers: list[dict[str, Any]] = response.body["responses"]
    failed = [answer["error"] for answer in answers if "error" in answer]
    if failed:
        # a missing alias or an overloaded shard: the batch waits, as for the bulk write itself
        raise ServiceUnavailable(f"story look-up failed: {str(failed[0])[:300]}")
    return answers


def _hits(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [hit["_source"] for hit in answer["hits"]["hits"]]


def _story_of(source: dict[str, Any]) -> str:
    # articles indexed before stories existed carry only cluster_id (the parser's duplicate link)
    return str(source.get("story_id") or source.get("cluster_id") or source["id"])


def _stored(answer: dict[str, Any]) -> dict[str, str]:
    return {source["id"]: _story_of(source) for source in _hits(answer)}


def _candidates(
    groups: Sequence[Sequence[EnrichedArticle]], prints: dict[str, Fingerprint], answers: Sequence[dict[str, Any]]
) -> dict[str, list[Member]]:
    """Each article's candidates among its group's hits: those within its window sharing a band key with it,
    the :data:`CANDIDATES` sharing most (the earliest on a tie)."""
    fingerprints: dict[str, Fingerprint] = {}  # a story's earlier copies are candidates of every copy in the batch
    found: dict[str, list[Member]] = {}
    for group, answer in zip(groups, answers, strict=True):
        # by id: during a migration the alias spans two versions, which may both hold an article
        unique = {source["id"]: source for source in _hits(answer)}
        hits = [(source, datetime.fromisoformat(source["fetched_at"])) for source in unique.values()]
        for article in group:
            keys = set(prints[article.id].keys)
            ranked = sorted(
                (-len(keys.intersection(source.get("story_keys") or ())), fetched_at, source["id"], source)
                for source, fetched_at in hits
                if source["id"] != article.id and abs(fetched_at - article.fetched_at) <= WINDOW
            )
            members = []
            for shared, fetched_at, id_, source in ranked[:CANDIDATES]:
                if shared == 0:
                    break
                if id_ not in fingerprints:
                    fingerprints[id_] = _remembered(id_, fetched_at, source.get("text") or "")
                members.append(Member(id_, fetched_at, fingerprints[id_], _story_of(source)))
            found[article.id] = members
    return found


# 5. The story documents ---------------------------------------------------------------------------


def _story_lines(index: str, doc: dict[str, Any]) -> bytes:
    """A story document's action and source lines; its version is its member count (see step 5)."""
    action = {"_index": index, "_id": doc["story_id"], "version": doc["article_count"]}
    action |= {"version_type": "external_gte", "require_alias": False}
    return json.dumps({"index": action}).encode() + b"\n" + json.dumps(doc).encode() + b"\n"


def alone_lines(index: str, articles: Sequence[EnrichedArticle], plan: StoryPlan) -> dict[str, list[bytes]]:
    """The story documents of the new articles alone in their story, by article id: they go in the
    articles' own bulk request (no round trip of their own, no aggregation)."""
    return {a.id: [_story_lines(index, alone_document(a))] for a in articles if a.id in plan.alone}


async def write_stories(
    es: AsyncElasticsearch, alias: str, index: str, written: Sequence[EnrichedArticle], plan: StoryPlan
) -> int:
    """Recompute the documents of the stories of several articles (or of a replayed one) that the
    ``written`` articles belong to; returns how many were written."""
    ids = sorted({plan.fields[a.id]["story_id"] for a in written if a.id not in plan.alone})
    if not ids:
        return 0
    with unavailable():
        response = await es.search(index=alias, size=0, query={"terms": {"story_id": ids}}, aggs=_aggregations(ids))
    buckets = response.body["aggregations"]["stories"]["buckets"]
    if not buckets:
        return 0
    with unavailable():
        body = b"".join(_story_lines(index, story_document(bucket)) for bucket in buckets)
        answer = await es.bulk(body=body)  # type: ignore[arg-type]
    return _count_written(answer.body["items"])


def _aggregations(ids: list[str]) -> dict[str, Any]:
    per_story: dict[str, Any] = {
        "first_seen": {"min": {"field": "fetched_at"}},
        "last_seen": {"max": {"field": "fetched_at"}},
        "members": {
            "top_hits": {
                "size": MEMBER_CAP,
                "sort": [{"fetched_at": "asc"}, {"id": "asc"}],
                "_source": ["id", "title"],
            }
        },
        "sources": {"terms": {"field": "source", "size": SOURCE_CAP}},
        "source_count": {"cardinality": {"field": "source"}},
    }
    for name, field in ENTITY_FIELDS.items():
        per_story[name] = {"terms": {"field": field, "size": TOP_ENTITIES}}
    return {"stories": {"terms": {"field": "story_id", "size": len(ids)}, "aggs": per_story}}


def story_document(bucket: dict[str, Any]) -> dict[str, Any]:
    """One story as ``<prefix>-stories`` holds it, from its aggregation bucket."""
    members = [hit["_source"] for hit in bucket["members"]["hits"]["hits"]]
    doc: dict[str, Any] = {
        "story_id": bucket["key"],
        "first_seen": bucket["first_seen"]["value_as_string"],
        "last_seen": bucket["last_seen"]["value_as_string"],
        "headline": members[0].get("title") if members else None,
        "article_ids": [member["id"] for member in members],
        "article_count": bucket["doc_count"],
        "sources": [b["key"] for b in bucket["sources"]["buckets"]],
        "source_count": bucket["source_count"]["value"],
    }
    for name in ENTITY_FIELDS:
        doc[name] = [b["key"] for b in bucket[name]["buckets"]]
    return doc


def _es_date(moment: datetime) -> str:
    """A date as Elasticsearch's aggregations print it (``2026-12-01T09:00:00.000Z``)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _top(values: Sequence[str]) -> list[str]:
    # what a terms aggregation over one article gives: each value once (keyword ignore_above: 256), by key
    return sorted({value for value in values if len(value) <= KEYWORD_MAX})[:TOP_ENTITIES]


def alone_document(article: EnrichedArticle) -> dict[str, Any]:
    """The story document of an article alone in its story: the one :func:`story_document` would compute."""
    seen = _es_date(article.fetched_at)
    sources = [article.source] if article.source else []
    doc: dict[str, Any] = {
        "story_id": article.id,
        "first_seen": seen,
        "last_seen": seen,
        "headline": article.title,
        "article_ids": [article.id],
        "article_count": 1,
        "sources": sources,
        "source_count": len(sources),
    }
    for name in ENTITY_FIELDS:
        doc[name] = _top(getattr(article, name))
    return doc


def _count_written(items: list[dict[str, Any]]) -> int:
    written = 0
    retry = []
    for item in items:
        result = item["index"]
        status = int(result["status"])
        if status < 300:
            written += 1
        elif status == 409:
            continue  # a summary of more members is there already
        elif status == 429 or status >= 500:
            retry.append(f"{result.get('_id')}: {status}")
        else:
            log.error("story document %s refused: %s", result.get("_id"), str(result.get("error"))[:300])
    if retry:
        raise ServiceUnavailable(f"{len(retry)} story documents need a retry ({', '.join(retry[:3])})")
    return written
