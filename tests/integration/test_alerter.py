"""The alerter on the real broker and server, posting to real local receivers: signed once per article,
retries that end in one delivery, dead letters with the reason while other rules keep being served,
Retry-After honoured and 4xx not retried, nothing posted twice after a restart and a full replay, two
replicas sharing the partitions, and every alert on the ``alerts`` topic.

Articles are indexed straight into the test's ``<prefix>-articles`` alias and announced on
``articles.indexed`` the way the indexer does, so only the alerter runs (as a subprocess)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.broker import produce, read_all
from bench.messages import enriched
from bench.workers import Workers
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.redaction import destination
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.rules import RuleStore, new_rule
from wirewatch.ops.observe import read_dead_letters
from wirewatch.schemas import STAGES, Alert, DeadLetter, IndexedBatch, IndexedDoc, Rule, alert_id_for
from wirewatch.services.alerter.signing import DELIVERY_HEADER, SIGNATURE_HEADER, verify
from wirewatch.services.indexer.documents import external_version, to_document

pytestmark = [pytest.mark.integration]
ALERTER = STAGES["alerter"]

SECRET = "integration-secret"
FAST = {
    "WIREWATCH_ALERTER_ATTEMPTS": "3",
    "WIREWATCH_ALERTER_BACKOFF_S": "0.05",
    "WIREWATCH_ALERTER_BACKOFF_MAX_S": "5",
    "WIREWATCH_ALERTER_TIMEOUT_S": "1.5",
    "WIREWATCH_ALERTER_CONCURRENCY": "8",
    "WIREWATCH_ALERTER_RULES_TTL_S": "0.5",
}


# --- receivers -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


@dataclass
class Attempt:
    at: float
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass
class Hook:
    """A webhook receiver answering with the scripted replies first, then 200; records every attempt."""

    script: list[Reply] = field(default_factory=list)
    always: Reply | None = None
    attempts: list[Attempt] = field(default_factory=list)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    runner: web.AppRunner | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def delivered(self) -> list[Attempt]:
        return [a for a in self.attempts if a.status < 300]

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(a.body) for a in self.delivered]

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        reply = self.script.pop(0) if self.script else (self.always or Reply())
        self.attempts.append(Attempt(time.monotonic(), 0 if reply.hang else reply.status, body, dict(request.headers)))
        if reply.hang:
            await self.released.wait()
        return web.Response(status=reply.status, headers=reply.headers, text="-")

    async def start(self) -> Hook:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self.released.set()
        if self.runner:
            await self.runner.cleanup()


def closed_port_url() -> str:
    """A URL nobody listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


# --- the stack -------------------------------------------------------------------------------------------


async def put_rules(settings: CommonSettings, *rules: Rule) -> None:
    es = make_es(settings)
    try:
        store = RuleStore(es, settings.index_name("rules"))
        for rule in rules:
            await store.put(rule)
    finally:
        await es.close()


async def index_articles(settings: CommonSettings, numbers: Sequence[int], **fields: Any) -> list[str]:
    """Write articles into the alias and make them searchable, as the indexer does."""
    articles = [enriched(n, **fields) for n in numbers]
    ops: list[dict[str, Any]] = []
    for article in articles:
        action = {"index": {"_index": settings.index_name("articles"), "_id": article.id}}
        ops += [action, to_document(article)]
    es = make_es(settings)
    try:
        response = await es.bulk(operations=ops, refresh="wait_for")
        assert not response.body["errors"], response.body["items"][:2]
    finally:
        await es.close()
    return [a.id for a in articles]


def announcement(settings: CommonSettings, numbers: Sequence[int]) -> IndexedBatch:
    docs = []
    for n in numbers:
        article = enriched(n)
        docs.append(IndexedDoc(id=article.id, version=external_version(article), fetched_at=article.fetched_at))
    return IndexedBatch(index=settings.index_name("articles"), docs=docs, searchable_at=datetime.now(UTC))


async def publish(
    settings: CommonSettings, numbers: Sequence[int], *, key: str | None = None, **fields: Any
) -> IndexedBatch:
    await index_articles(settings, numbers, **fields)
    batch = announcement(settings, numbers)
    await produce(settings, ALERTER.input, [batch], key=key or settings.index_name("articles"))
    return batch


async def ledger(settings: CommonSettings, rule: Rule) -> list[dict[str, Any]]:
    es = make_es(settings)
    try:
        await es.indices.refresh(index=settings.index_name("alerts"))
        response = await es.search(index=settings.index_name("alerts"), size=1000, query={"term": {"rule_id": rule.id}})
        return [hit["_source"] for hit in response.body["hits"]["hits"]]
    finally:
        await es.close()


async def dead_letters(settings: CommonSettings) -> list[DeadLetter]:
    return await read_dead_letters(settings)


async def alerts_on_topic(settings: CommonSettings) -> list[Alert]:
    return [Alert.from_bytes(raw) for raw in await read_all(settings, ALERTER.output)]


async def alerter_lag_zero(settings: CommonSettings) -> bool:
    from wirewatch.ops.observe import stage_status

    [alerter] = [s for s in await stage_status(settings) if s.stage == "alerter"]
    return alerter.lag == 0 and alerter.processed > 0


async def rewind_alerter_group(settings: CommonSettings) -> None:
    """Commit offset 0 on every partition of articles.indexed: the group starts over, as a fresh one would."""
    topic = settings.topic_name(ALERTER.input)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False, group_id=f"{settings.topic_prefix}alerter"
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or {0, 1, 2})]
        consumer.assign(tps)
        await consumer.commit({tp: 0 for tp in tps})
    finally:
        await consumer.stop()


def dump_logs(workers: Workers) -> None:
    for name in list(workers.procs) or ["alerter"]:
        print(f"--- {name} ---\n{workers.log_tail(name, 60)}")


# --- the tests -------------------------------------------------------------------------------------------


async def test_delivery_outcomes(initialised: CommonSettings, tmp_path: Path) -> None:
    """(a) signed, once, and nothing for a non-match; (b) 500, 500, then 200: received once; (c) a dead
    receiver is dead-lettered with the reason and the ledger says failed, while a hanging receiver's
    retries do not hold up another rule; (e) 429 + Retry-After honoured, 400 not retried; (g) every
    alert is on the alerts topic."""
    settings = initialised
    signed = await Hook().start()
    flaky = await Hook(script=[Reply(500), Reply(500)]).start()
    limited = await Hook(script=[Reply(429, {"Retry-After": "1"})]).start()
    rejecting = await Hook(always=Reply(400)).start()
    hanging = await Hook(always=Reply(hang=True)).start()
    steady = await Hook().start()
    hooks = [signed, flaky, limited, rejecting, hanging, steady]
    down = closed_port_url()
    rules = {
        "signed": new_rule("signed", "text:Kataib", webhooks=[signed.url], secret=SECRET),
        "flaky": new_rule("flaky", "title:alpha", webhooks=[flaky.url]),
        "limited": new_rule("limited", "title:alpha", webhooks=[limited.url]),
        "rejecting": new_rule("rejecting", "title:alpha", webhooks=[rejecting.url]),
        "down": new_rule("down", "title:alpha", webhooks=[down]),
        "hanging": new_rule("hanging", "title:omega", webhooks=[hanging.url]),
        "steady": new_rule("steady", "title:steady", webhooks=[steady.url]),
    }
    await put_rules(settings, *rules.values())
    workers = Workers(settings, tmp_path / "logs", extra_env=FAST)
    workers.start("alerter")
    try:
        await publish(settings, [1], text="Kataib Hezbollah welcomed the announcement.")
        await publish(settings, [2], text="Rain returns to the valley.")
        await publish(settings, [3], title="alpha story")
        # six alerts for a receiver that never answers: with 8 POST slots, it may hold 2 at most
        await publish(settings, range(10, 16), title="omega story")
        await eventually(lambda: len(hanging.attempts) >= 2, timeout=30, every=0.1, what="the hanging POSTs")
        started = time.monotonic()
        for n in range(20, 23):
            await publish(settings, [n], title="steady story")
        await eventually(
            lambda: len(steady.delivered) == 3,
            timeout=10,
            every=0.05,
            what="the steady rule's alerts while another receiver hangs",
        )
        assert time.monotonic() - started < 5, "the hanging receiver held up another rule's deliveries"

        await eventually(
            lambda: signed.delivered and flaky.delivered and limited.delivered,
            timeout=30,
            every=0.1,
            what="the signed, flaky and rate-limited deliveries",
        )
        failed = await eventually(
            lambda: _statuses(settings, rules["down"], rules["rejecting"], want="failed"),
            timeout=30,
            what="the failed deliveries in the ledger",
        )
        await asyncio.sleep(1.0)  # anything posted twice would have arrived by now

        # (a) exactly one POST, signed with the rule's secret, for the matching article only
        [hit] = signed.delivered
        assert verify(hit.body, SECRET, hit.headers.get(SIGNATURE_HEADER))
        assert not verify(hit.body, "another-secret", hit.headers.get(SIGNATURE_HEADER))
        payload = json.loads(hit.body)
        assert payload["article_id"] == "doc00001" and payload["rule_name"] == "signed"
        assert hit.headers[DELIVERY_HEADER] == alert_id_for(rules["signed"].id, "doc00001")
        # (b) two 500s, then one delivery
        assert [a.status for a in flaky.attempts] == [500, 500, 200]
        assert len(flaky.delivered) == 1
        # (e) the 429's Retry-After: 1 was waited for (the backoff alone would be ~0.05 s)
        assert [a.status for a in limited.attempts] == [429, 200]
        assert limited.attempts[1].at - limited.attempts[0].at >= 0.9
        # (e) a 400 is not retried
        assert [a.status for a in rejecting.attempts] == [400]
        # (c) the dead receiver: dead-lettered with the reason after the configured attempts; ledger failed
        by_rule = {entry["rule_name"]: entry for entry in failed}
        # a connection failure is recorded by class, never with the socket error (no port-scan oracle)
        assert by_rule["down"]["attempts"] == 3 and "connection failed" in by_rule["down"]["last_error"]
        assert "Connect call failed" not in by_rule["down"]["last_error"]
        assert by_rule["rejecting"]["attempts"] == 1 and "HTTP 400" in by_rule["rejecting"]["last_error"]
        letters = {
            json.loads(_b64(letter.payload_b64))["rule_name"]: letter
            for letter in await dead_letters(settings)
            if letter.stage == "alerter"
        }
        assert letters["down"].error_class == "delivery_failed"
        assert "after 3 attempts" in letters["down"].reason
        # the webhook named as the ledger and logs name it: host, redacted path, fingerprint; never the URL
        assert destination(down) in letters["down"].reason and letters["down"].item_id == "doc00003"
        assert down not in letters["down"].reason
        assert "HTTP 400 after 1 attempts" in letters["rejecting"].reason
        # the hanging receiver times out 3 times per alert and ends dead-lettered too
        hung = await eventually(
            lambda: _statuses(settings, rules["hanging"], want="failed", count=6),
            timeout=60,
            what="the hanging receiver's alerts to fail",
        )
        assert all("timeout after 3 attempts" in entry["last_error"] for entry in hung)
        # (g) every alert is on the alerts topic, once
        topic = await alerts_on_topic(settings)
        ledgered = [e["alert_id"] for r in rules.values() for e in await ledger(settings, r)]
        assert sorted(a.alert_id for a in topic) == sorted(ledgered)
        assert len(ledgered) == 1 + 4 + 6 + 3
    except BaseException:
        dump_logs(workers)
        raise
    finally:
        codes = workers.stop()
        for hook in hooks:
            await hook.stop()
    assert codes == {"alerter": 0}


def _b64(value: str) -> bytes:
    import base64

    return base64.b64decode(value)


async def _statuses(
    settings: CommonSettings,
    *rules: Rule,
    want: str,
    count: int | None = None,
) -> list[dict[str, Any]] | None:
    entries = [e for rule in rules for e in await ledger(settings, rule)]
    expected = count if count is not None else len(rules)
    done = [e for e in entries if e["status"] == want]
    return done if len(done) == expected else None


async def test_restart_and_full_replay_post_nothing_twice(initialised: CommonSettings, tmp_path: Path) -> None:
    """(d) deliver, stop, then replay everything (the same announcements again and the group rewound to
    the start, as a fresh consumer group would read it): no POST is repeated, no alert republished."""
    settings = initialised
    hook = await Hook().start()
    rule = new_rule("replayed", "title:replay", webhooks=[hook.url], secret=SECRET)
    await put_rules(settings, rule)
    workers = Workers(settings, tmp_path / "logs", extra_env=FAST)
    workers.start("alerter")
    try:
        batches = [await publish(settings, range(n, n + 3), title="replay story") for n in (1, 4, 7)]
        await eventually(lambda: len(hook.delivered) == 9, timeout=30, every=0.1, what="nine deliveries")
        await eventually(lambda: alerter_lag_zero(settings), timeout=30, what="the offsets to be committed")
        assert workers.stop() == {"alerter": 0}

        await produce(settings, ALERTER.input, batches, key=settings.index_name("articles"))
        await rewind_alerter_group(settings)
        workers.start("alerter")
        await eventually(lambda: alerter_lag_zero(settings), timeout=30, what="the replay to be consumed")
        await asyncio.sleep(1.5)
        assert len(hook.delivered) == 9
        assert len({a.headers[DELIVERY_HEADER] for a in hook.delivered}) == 9
        assert len(await alerts_on_topic(settings)) == 9
        assert {e["status"] for e in await ledger(settings, rule)} == {"delivered"}
    except BaseException:
        dump_logs(workers)
        raise
    finally:
        workers.stop()
        await hook.stop()


async def test_two_replicas_alert_each_article_once(initialised: CommonSettings, tmp_path: Path) -> None:
    """(f) two alerter processes in one group share the three partitions of articles.indexed; every
    matching article is posted exactly once."""
    settings = initialised
    hook = await Hook().start()
    rule = new_rule("shared", "title:shared", webhooks=[hook.url])
    await put_rules(settings, rule)
    workers = Workers(settings, tmp_path / "logs", extra_env=FAST)
    workers.start("alerter")
    workers.procs["alerter-2"] = workers.procs.pop("alerter")
    workers.start("alerter")
    try:
        await asyncio.sleep(4)  # let both join the group, so the partitions are split between them
        for n in range(1, 31, 3):
            # keys spread the announcements over the partitions; the same articles are announced twice
            # (once per key), so both replicas may see the same ids
            await publish(settings, range(n, n + 3), key=f"k{n}", title="shared story")
            again = announcement(settings, range(n, n + 3))
            await produce(settings, ALERTER.input, [again], key=f"j{n}")
        await eventually(lambda: len(hook.delivered) >= 30, timeout=45, every=0.1, what="thirty deliveries")
        await eventually(lambda: alerter_lag_zero(settings), timeout=30, what="both replicas to catch up")
        await asyncio.sleep(1.5)
        ids = [p["article_id"] for p in hook.payloads()]
        assert sorted(ids) == sorted(f"doc{n:05d}" for n in range(1, 31)), "an article alerted twice or never"
        assert workers.alive() == {"alerter-2": True, "alerter": True}
    except BaseException:
        dump_logs(workers)
        raise
    finally:
        codes = workers.stop()
        await hook.stop()
    assert set(codes.values()) == {0}
