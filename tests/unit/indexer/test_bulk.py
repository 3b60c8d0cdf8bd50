"""Bulk writes without a server: byte-bounded chunks, per-item outcomes, and an unreachable or frozen
Elasticsearch surfacing as a retriable error within the client timeout (never a hang)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bench.messages import enriched
from wirewatch.core.errors import ServiceUnavailable
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import IndexedBatch
from wirewatch.services.indexer.bulk import DocumentRejected, _body, _chunks, write
from wirewatch.services.indexer.handler import IndexHandler


def _sizes(max_bytes: int, n: int = 40, text_bytes: int = 3000) -> list[int]:
    articles = [enriched(i, text="x" * text_bytes) for i in range(n)]
    chunks = _chunks("idx", articles, max_bytes)
    assert [a.id for c in chunks for a, _ in c] == [a.id for a in articles]  # all of them, in order
    return [len(_body(c)) for c in chunks]


def test_chunks_never_exceed_the_byte_budget_counting_action_lines() -> None:
    sizes = _sizes(max_bytes=10_000)
    assert len(sizes) > 1 and max(sizes) <= 10_000
    # a chunk is closed only when the next article would not fit
    one = len(_body(_chunks("idx", [enriched(0, text="x" * 3000)], 10**9)[0]))
    assert all(size + one > 10_000 for size in sizes[:-1])


def test_action_lines_count_towards_the_budget() -> None:
    [[(_, lines)]] = _chunks("idx", [enriched(0)], 10**9)
    action, body = lines.split(b"\n")[:2]
    # two sources fit, two sources plus their action lines do not: one article per chunk
    budget = 2 * (len(body) + 1) + len(action)
    chunks = _chunks("idx", [enriched(0), enriched(1), enriched(2)], budget)
    assert [len(c) for c in chunks] == [1, 1, 1]


def test_chunk_body_is_valid_ndjson_with_external_versions() -> None:
    [chunk] = _chunks("idx", [enriched(1), enriched(2)], 10**9)
    lines = _body(chunk).decode().splitlines()
    assert len(lines) == 4 and _body(chunk).endswith(b"\n")
    action = json.loads(lines[0])["index"]
    assert action["_id"] == "doc00001" and action["version_type"] == "external" and action["_index"] == "idx"
    assert json.loads(lines[1])["version"] == action["version"]


def test_an_article_larger_than_the_budget_goes_alone() -> None:
    articles = [enriched(0), enriched(1, text="y" * 50_000), enriched(2)]
    chunks = _chunks("idx", articles, 20_000)
    assert [[a.id for a, _ in c] for c in chunks] == [["doc00000"], ["doc00001"], ["doc00002"]]


def test_everything_fits_in_one_chunk_under_a_large_budget() -> None:
    assert len(_sizes(max_bytes=8 * 1024 * 1024)) == 1


class FakeEs:
    """Answers ``bulk`` with the queued per-item statuses, and the story look-up with nothing indexed."""

    def __init__(self, *statuses: list[int]) -> None:
        self.answers = list(statuses)
        self.bodies: list[bytes] = []

    async def bulk(self, *, body: bytes, refresh: str, require_alias: bool = False) -> Any:
        assert refresh in ("true", "wait_for")  # searchable when the request returns
        self.bodies.append(body)
        statuses = self.answers.pop(0)
        items = []
        for status in statuses:
            result: dict[str, Any] = {"status": status}
            if status == 400:
                result["error"] = {
                    "type": "document_parsing_exception",
                    "reason": "failed to parse field [source]",
                    "caused_by": {"type": "illegal_argument_exception", "reason": "immense term"},
                }
            items.append({"index": result})
        return type("Response", (), {"body": {"items": items}})()

    async def msearch(self, *, searches: list[dict[str, Any]]) -> Any:
        nothing = {"hits": {"hits": []}}
        return type("Response", (), {"body": {"responses": [nothing] * (len(searches) // 2)}})()


async def test_handler_announces_written_and_conflicting_ids_and_rejects_400s() -> None:
    es = FakeEs([201, 409, 400])
    handler = IndexHandler(es, alias="a", indexed_topic="indexed", max_bytes=10**9)  # type: ignore[arg-type]
    results = await handler([enriched(1), enriched(2), enriched(3)])
    announcement, nothing, rejected = results
    assert isinstance(announcement, list) and nothing == []
    assert [d.id for d in IndexedBatch.from_bytes(announcement[0].value).docs] == ["doc00001", "doc00002"]
    assert isinstance(rejected, DocumentRejected) and rejected.error_class == "document_rejected"
    assert (rejected.article_id, rejected.status) == ("doc00003", 400)
    assert rejected.reason.startswith("document_parsing_exception: failed to parse field [source]")
    assert "caused by illegal_argument_exception: immense term" in rejected.reason


async def test_items_answered_429_or_503_make_the_whole_batch_retriable() -> None:
    with pytest.raises(ServiceUnavailable, match="1 documents need a retry"):
        await write(FakeEs([201, 429]), "a", [enriched(1), enriched(2)], max_bytes=10**9)  # type: ignore[arg-type]
    with pytest.raises(ServiceUnavailable):
        await write(FakeEs([503]), "a", [enriched(1)], max_bytes=10**9)  # type: ignore[arg-type]


@pytest.fixture
async def frozen_server() -> AsyncIterator[str]:
    """Accepts connections and never answers, like a SIGSTOPped Elasticsearch."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    for writer in held:
        writer.close()
    server.close()


async def test_a_frozen_server_is_a_retriable_timeout_not_a_hang(frozen_server: str) -> None:
    es = make_es(CommonSettings(es_url=frozen_server), timeout=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(ServiceUnavailable, match="did not answer in time"):
            await asyncio.wait_for(write(es, "a", [enriched(1)], max_bytes=10**9), timeout=10)
    finally:
        await es.close()
    assert time.monotonic() - started < 3  # one attempt, no client-side retries piling up


async def test_a_refused_connection_is_retriable() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    es = make_es(CommonSettings(es_url=f"http://127.0.0.1:{port}"), timeout=2)
    try:
        with pytest.raises(ServiceUnavailable, match="unreachable"):
            await write(es, "a", [enriched(1)], max_bytes=10**9)
    finally:
        await es.close()


def test_document_bytes_equal_the_document_dict() -> None:
    import json as _json
    from datetime import UTC, datetime

    from bench.messages import enriched
    from wirewatch.services.indexer.documents import document_bytes, to_document

    article = enriched(7, duplicate_of="doc00001", location_points=[{"lat": 33.3, "lon": 44.4}])
    moment = datetime(2026, 11, 18, tzinfo=UTC)
    assert _json.loads(document_bytes(article, indexed_at=moment)) == to_document(article, indexed_at=moment)


def test_the_story_fields_go_on_the_document_and_cluster_id_follows_story_id() -> None:
    from wirewatch.services.indexer.documents import to_document

    alone = to_document(enriched(7))
    assert (alone["story_id"], alone["cluster_id"]) == ("doc00007", "doc00007")  # its own story until told
    fields = {"doc00007": {"story_id": "doc00001", "cluster_id": "doc00001", "story_keys": ["00:ab"]}}
    [[(_, lines)]] = _chunks("idx", [enriched(7)], 10**9, fields=fields)
    source = json.loads(lines.split(b"\n")[1])
    assert (source["story_id"], source["cluster_id"], source["story_keys"]) == ("doc00001", "doc00001", ["00:ab"])
