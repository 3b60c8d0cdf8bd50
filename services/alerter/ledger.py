"""The alert ledger (``<prefix>-alerts`` index): one document per alert id, so each rule fires once per
article across restarts, replays and replicas. It doubles as the durable delivery queue. A per-story rule
has one entry per story (:mod:`~wirewatch.services.alerter.stories`): later copies are joined to it
(:meth:`Ledger.join`), they do not make entries of their own.

    pending ──deliver──► delivered
       │   └─last attempt fails──► failed (and dead-lettered)
       └─ throttled rule, window open ──► throttled ──window ends, digest sent──► delivered (digest_id)
                                                   └─digest fails──► failed (and dead-lettered)

``claimed_until`` is a lease: a pending alert belongs to the replica that recorded it until then, after
which any replica may claim it (optimistic concurrency) and deliver it; for a throttled alert it is the
time its digest is due. ``published`` turns true once the alert is on the ``alerts`` topic, so a replay
republishes what a crash lost without publishing anything twice. Writes do not wait for a refresh:
nothing on the alert path searches the ledger (creation is by id, which is real time), and waiting would
add up to a second to every alert. Webhooks are recorded as ``destinations`` in their redacted form with a
fingerprint (:func:`wirewatch.core.redaction.destination`): a webhook URL is a credential, the ledger is not
a place for one.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import AsyncElasticsearch, ConflictError, NotFoundError

from wirewatch.core.errors import ServiceUnavailable
from wirewatch.core.redaction import destination, scrub
from wirewatch.schemas import Alert
from wirewatch.services.alerter.stories import Members, merged

log = logging.getLogger(__name__)

#: reads and guarded writes of one batch's story joins before contention counts as a retriable failure
JOIN_ATTEMPTS = 10
JOIN_BACKOFF_S = 0.02


@dataclass
class Recorded:
    """The outcome of recording alerts: new ones, and ones the ledger already had (replays, replicas)."""

    new: list[Alert] = field(default_factory=list)
    seen: list[Alert] = field(default_factory=list)


class Ledger:
    def __init__(self, es: AsyncElasticsearch, index: str, *, claim_s: float) -> None:
        self.es = es
        self.index = index
        self.claim_s = claim_s

    def _lease(self) -> str:
        return (datetime.now(UTC) + timedelta(seconds=self.claim_s)).isoformat()

    async def record(self, alerts: Sequence[Alert], destinations: dict[str, list[str]]) -> Recorded:
        """Create a pending entry per alert; tells the new alerts from those recorded before."""
        recorded = Recorded()
        if not alerts:
            return recorded
        ops: list[dict[str, Any]] = []
        for alert in alerts:
            doc = alert.model_dump(mode="json") | {
                "status": "pending",
                "attempts": 0,
                "claimed_until": self._lease(),
                "published": False,
                "destinations": [destination(url) for url in destinations.get(alert.rule_id, [])],
            }
            ops += [{"create": {"_index": self.index, "_id": alert.alert_id}}, doc]
        response = await self.es.bulk(operations=ops)
        for alert, item in zip(alerts, response.body["items"], strict=True):
            status = item["create"]["status"]
            if status < 300:
                recorded.new.append(alert)
            elif status == 409:
                recorded.seen.append(alert)
            elif status == 429 or status >= 500:
                error = item["create"].get("error")
                raise ServiceUnavailable(f"alert ledger write answered {status}: {error}")
            else:
                raise RuntimeError(f"alert ledger write failed: {item['create'].get('error')}")
        return recorded

    async def join(self, additions: Mapping[str, Members]) -> dict[str, Alert]:
        """Add articles and sources to story alerts (alert id → members), each a read-modify-write guarded by
        ``if_seq_no``/``if_primary_term`` and retried on conflict (the dispatcher and other replicas update the
        same entries); an entry that already holds them all is not written. Returns each entry as stored."""
        stored: dict[str, Alert] = {}
        todo = dict(additions)
        for attempt in range(JOIN_ATTEMPTS):
            if not todo:
                return stored
            if attempt:  # lost a race: step aside a random moment, so the writers of one story spread out
                await asyncio.sleep(random.uniform(0, JOIN_BACKOFF_S * attempt))
            response = await self.es.mget(index=self.index, ids=list(todo))
            ops: list[dict[str, Any]] = []
            writing: dict[str, Alert] = {}
            for doc in response.body["docs"]:
                if not doc.get("found"):
                    log.warning("story alert %s to join is not in the ledger; its copies are not added", doc["_id"])
                    continue
                source = doc["_source"]
                members = merged(source.get("article_ids") or [], source.get("sources") or [], todo[doc["_id"]])
                if members is None:
                    stored[doc["_id"]] = _alert(source)
                    continue
                update = {"article_ids": members.article_ids, "sources": members.sources}
                meta = {"_index": self.index, "_id": doc["_id"]}
                guard = {"if_seq_no": doc["_seq_no"], "if_primary_term": doc["_primary_term"]}
                ops += [{"update": meta | guard}, {"doc": update}]
                writing[doc["_id"]] = _alert(source | update)
            todo = await self._guarded(ops, writing, stored, todo)
        if todo:
            raise ServiceUnavailable(f"story alerts kept changing under {JOIN_ATTEMPTS} joins: {sorted(todo)[:3]}")
        return stored

    async def _guarded(
        self, ops: list[dict[str, Any]], writing: dict[str, Alert], stored: dict[str, Alert], todo: dict[str, Members]
    ) -> dict[str, Members]:
        """Run the guarded updates of :meth:`join`; what lost a race is returned to be read and merged again."""
        if not ops:
            return {}
        response = await self.es.bulk(operations=ops)
        again: dict[str, Members] = {}
        for (alert_id, alert), item in zip(writing.items(), response.body["items"], strict=True):
            status = item["update"]["status"]
            if status < 300:
                stored[alert_id] = alert
            elif status == 409:
                again[alert_id] = todo[alert_id]
            elif status == 429 or status >= 500:
                raise ServiceUnavailable(f"story alert join answered {status}: {item['update'].get('error')}")
            else:
                raise RuntimeError(f"story alert join failed: {item['update'].get('error')}")
        return again

    async def unpublished(self, alerts: Sequence[Alert]) -> list[Alert]:
        """Of alerts recorded before, those never confirmed on the ``alerts`` topic (a crash in between)."""
        if not alerts:
            return []
        ids = [a.alert_id for a in alerts]
        response = await self.es.mget(index=self.index, ids=ids, source=["published"])
        done = {d["_id"] for d in response.body["docs"] if d.get("found") and d["_source"].get("published")}
        return [a for a in alerts if a.alert_id not in done]

    async def published(self, alerts: Sequence[Alert]) -> None:
        await self._update([a.alert_id for a in alerts], {"published": True})

    async def finish(
        self,
        alert_ids: Sequence[str],
        *,
        status: str,
        attempts: int,
        error: str | None = None,
        digest_id: str | None = None,
    ) -> None:
        """Record the outcome of a delivery (of one alert, or of the digest that carried several)."""
        await self._update(alert_ids, outcome(status, attempts, error, digest_id))

    async def apply(self, updates: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Partial updates of many alerts in one bulk request."""
        ops: list[dict[str, Any]] = []
        for alert_id, doc in updates:
            # the dispatcher (delivered) and the handler (published) update one alert concurrently
            ops += [{"update": {"_index": self.index, "_id": alert_id, "retry_on_conflict": 5}}, {"doc": doc}]
        await self._bulk(ops)

    async def hold(self, alert_ids: Sequence[str], until: datetime) -> None:
        """Throttled: keep the alerts back until their digest is due."""
        await self._update(alert_ids, {"status": "throttled", "claimed_until": until.isoformat()})

    async def release(self, alert_ids: Sequence[str]) -> None:
        """Give up the lease on pending alerts (a clean stop), so the next alerter resumes them at once."""
        await self._update(alert_ids, {"claimed_until": datetime.now(UTC).isoformat()})

    async def _update(self, alert_ids: Sequence[str], doc: dict[str, Any]) -> None:
        await self.apply([(alert_id, doc) for alert_id in alert_ids])

    async def _bulk(self, ops: list[dict[str, Any]]) -> None:
        if not ops:
            return
        response = await self.es.bulk(operations=ops)
        if response.body.get("errors"):
            failed = [i["update"] for i in response.body["items"] if i["update"]["status"] >= 300]
            reason = f"alert ledger update failed for {len(failed)}: {failed[0].get('error')}"
            if any(f["status"] in (409, 429) or f["status"] >= 500 for f in failed):
                raise ServiceUnavailable(reason)  # contention or overload: retried with backoff
            raise RuntimeError(reason)

    async def claim_stale(self, limit: int = 100) -> list[Alert]:
        """Pending alerts whose lease ran out (their replica died mid-delivery): claim and return them."""
        return await self._claim("pending", limit)

    async def claim_due(self, limit: int = 1000) -> list[Alert]:
        """Throttled alerts whose digest is due: claim and return them."""
        return await self._claim("throttled", limit)

    async def _claim(self, status: str, limit: int) -> list[Alert]:
        try:
            response = await self.es.search(
                index=self.index,
                size=limit,
                seq_no_primary_term=True,
                sort=[{"claimed_until": "asc"}],
                query={
                    "bool": {"filter": [{"term": {"status": status}}, {"range": {"claimed_until": {"lte": "now"}}}]}
                },
            )
        except NotFoundError:
            return []
        claimed: list[Alert] = []
        for hit in response.body["hits"]["hits"]:
            try:
                await self.es.update(
                    index=self.index,
                    id=hit["_id"],
                    doc={"claimed_until": self._lease()},
                    if_seq_no=hit["_seq_no"],
                    if_primary_term=hit["_primary_term"],
                )
            except ConflictError:
                continue  # another replica claimed it first
            claimed.append(_alert(hit["_source"]))
        return claimed

    async def window_of(self, rule_id: str) -> tuple[datetime | None, datetime | None]:
        """A throttled rule's state: when its last message went out, and when its held alerts are due."""
        try:
            response = await self.es.search(
                index=self.index,
                size=0,
                query={"term": {"rule_id": rule_id}},
                aggs={
                    "last": {"max": {"field": "delivered_at"}},
                    "held": {
                        "filter": {"term": {"status": "throttled"}},
                        "aggs": {"due": {"min": {"field": "claimed_until"}}},
                    },
                },
            )
        except NotFoundError:
            return None, None
        aggs = response.body["aggregations"]
        return _millis(aggs["last"].get("value")), _millis(aggs["held"]["due"].get("value"))


def outcome(status: str, attempts: int, error: str | None = None, digest_id: str | None = None) -> dict[str, Any]:
    """The ledger fields a finished delivery sets."""
    doc: dict[str, Any] = {"status": status, "attempts": attempts, "last_error": scrub(error) if error else error}
    if status == "delivered":
        doc["delivered_at"] = datetime.now(UTC).isoformat()
    if digest_id is not None:
        doc["digest_id"] = digest_id
    return doc


def _alert(source: dict[str, Any]) -> Alert:
    """The alert a ledger entry holds (without its delivery state)."""
    return Alert.model_validate({k: v for k, v in source.items() if k in Alert.model_fields})


def _millis(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC)
