"""The alert ledger (``<prefix>-alerts`` index): one document per alert id, so each rule fires once per
article across restarts, replays and replicas. It doubles as the durable delivery queue.

    pending ──deliver──► delivered
       │   └─last attempt fails──► failed (and dead-lettered)
       └─ a replica claims a pending alert by lease (``claimed_until``, optimistic concurrency)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import AsyncElasticsearch, ConflictError, NotFoundError

from schemas import Alert


class Ledger:
    def __init__(self, es: AsyncElasticsearch, index: str, *, claim_s: float) -> None:
        self.es = es
        self.index = index
        self.claim_s = claim_s

    def _lease(self) -> str:
        return (datetime.now(UTC) + timedelta(seconds=self.claim_s)).isoformat()

    async def record(self, alerts: Sequence[Alert], destinations: dict[str, list[str]]) -> list[Alert]:
        """Create a pending entry per alert; returns only the alerts that were new (not seen before)."""
        if not alerts:
            return []
        ops: list[dict[str, Any]] = []
        for alert in alerts:
            doc = alert.model_dump(mode="json") | {
                "status": "pending", "attempts": 0, "claimed_until": self._lease(),
                "destinations": destinations.get(alert.rule_id, []),
            }
            ops += [{"create": {"_index": self.index, "_id": alert.alert_id}}, doc]
        response = await self.es.bulk(operations=ops, refresh="wait_for")
        created: list[Alert] = []
        for alert, item in zip(alerts, response.body["items"], strict=True):
            status = item["create"]["status"]
            if status < 300:
                created.append(alert)
            elif status != 409:
                raise RuntimeError(f"alert ledger write failed: {item['create'].get('error')}")
        return created

    async def finish(self, alert_id: str, *, status: str, attempts: int, error: str | None = None) -> None:
        doc: dict[str, Any] = {"status": status, "attempts": attempts, "last_error": error}
        if status == "delivered":
            doc["delivered_at"] = datetime.now(UTC).isoformat()
        await self.es.update(index=self.index, id=alert_id, doc=doc, refresh="wait_for")

    async def claim_stale(self, limit: int = 100) -> list[Alert]:
        """Pending alerts whose lease ran out (their replica died mid-delivery): claim and return them."""
        try:
            response = await self.es.search(
                index=self.index, size=limit, seq_no_primary_term=True,
                query={"bool": {"filter": [{"term": {"status": "pending"}},
                                           {"range": {"claimed_until": {"lt": "now"}}}]}})
        except NotFoundError:
            return []
        claimed: list[Alert] = []
        for hit in response.body["hits"]["hits"]:
            try:
                await self.es.update(index=self.index, id=hit["_id"], doc={"claimed_until": self._lease()},
                                     if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"])
            except ConflictError:
                continue  # another replica claimed it first
            fields = {k: v for k, v in hit["_source"].items() if k in Alert.model_fields}
            claimed.append(Alert.model_validate(fields))
        return claimed
