"""The workspace's feeds, dead letters and replay on the real stack (issue 17, API part): feeds added and removed
through the CLI's store with their health and no secret; dead letters listed as ``dlq list`` lists them and
replayed through the code of ``dlq replay`` (a record goes back to the topic it came from, a failed feed poll
is skipped with the note)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from wirewatch.core.deadletters import dead_letter
from wirewatch.core.errors import SchemaError
from wirewatch.core.kafka import MAX_MESSAGE_BYTES, client_options, read_topic
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES
from wirewatch.services.fetcher import HTTPStatusError
from wirewatch.workspace.app import create_app
from wirewatch.workspace.settings import WorkspaceSettings

pytestmark = [pytest.mark.integration]
PAYLOAD = b'{"not": "a page the parser can read"}'


@pytest.fixture
def client(initialised: CommonSettings) -> Iterator[TestClient]:
    settings = WorkspaceSettings.model_validate(initialised.model_dump())
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as test_client:
        yield test_client


async def _send_letters(settings: CommonSettings) -> None:
    from aiokafka import AIOKafkaProducer

    record = dead_letter(
        "parser", SchemaError("bad page"), PAYLOAD, topic=settings.topic_name(STAGES["parser"].input), key="k1"
    )
    poll = dead_letter("fetcher", HTTPStatusError("HTTP 500", status=500), b"feed", topic="feedpoll:f1")
    producer = AIOKafkaProducer(acks="all", max_request_size=MAX_MESSAGE_BYTES, **client_options(settings))
    await producer.start()
    try:
        for letter in (record, poll):
            await producer.send_and_wait(settings.topic_name(STAGES[letter.stage].deadletters), letter.to_bytes())
    finally:
        await producer.stop()


async def test_dead_letters_are_listed_and_replayed_by_the_dlq_code(
    initialised: CommonSettings, client: TestClient
) -> None:
    await _send_letters(initialised)
    listed = client.get("/api/deadletters").json()
    assert [(d["number"], d["stage"], d["kind"], d["error_class"]) for d in listed] == [
        (0, "parser", "record", "schema_error"),
        (1, "fetcher", "feed_poll", "http_status"),
    ]
    assert all("payload_b64" not in d for d in listed)
    assert [d["stage"] for d in client.get("/api/deadletters", params={"stage": "parser"}).json()] == ["parser"]

    replayed = client.post("/api/deadletters/replay", json={})
    assert replayed.status_code == 200, replayed.text
    body = replayed.json()
    assert (body["replayed"], body["requeued_alerts"], body["skipped"]) == (1, 0, 1)
    assert len(body["notes"]) == 1 and body["notes"][0].startswith("skipped 1 feed_poll letter(s)")
    records = await read_topic(initialised, initialised.topic_name(STAGES["parser"].input))
    assert [(r.key, r.value) for r in records] == [(b"k1", PAYLOAD)]

    status = client.get("/api/status").json()
    assert status["dead_letters"] == {"parser": 1, "fetcher": 1}


def test_feeds_are_added_listed_with_health_and_removed(client: TestClient) -> None:
    added = client.post("/api/feeds", json={"url": "https://news.example/feed.xml", "name": "News", "discover": False})
    assert added.status_code == 201, added.text
    [feed] = added.json()["added"]
    assert feed["new"] is True
    again = client.post("/api/feeds", json={"url": "https://news.example/feed.xml", "discover": False})
    assert again.json()["added"][0]["new"] is False
    [listed] = client.get("/api/feeds").json()
    assert listed["id"] == feed["id"] and listed["name"] == "News" and listed["consecutive_failures"] == 0
    assert listed["request_headers"] == []
    bad = client.post("/api/feeds", json={"url": "javascript:alert(1)", "discover": False})
    assert bad.status_code == 400 and bad.json()["error"] == "bad_url"
    assert client.delete(f"/api/feeds/{feed['id']}").status_code == 204
    assert client.get("/api/feeds").json() == []
    assert client.delete(f"/api/feeds/{feed['id']}").json()["error"] == "not_found"
