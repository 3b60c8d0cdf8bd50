"""Alerts of digest rules (``rule.digest``), held in the alert ledger until their digest is due.

A held alert keeps its ledger entry (so it is recorded, published and deduplicated like any other) with
status ``held``, ``digest_due`` (the due instant of the digest it waits for, from
:mod:`~wirewatch.services.alerter.schedule`) and ``claimed_until`` (that instant, then a lease while a replica
sends the digest):

    pending ──rule has a digest──► held ──due, claimed──► delivered (digest_id) | failed (and dead-lettered)

The digest's id comes from the rule and ``digest_due`` alone, so a digest retried after a crash carries the
same id (``webhook-id``, ``Idempotency-Key``) however many alerts it holds by then. Time is the injected
clock's, for the due instant, the claim and the lease alike, so tests choose it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from elasticsearch import AsyncElasticsearch, ConflictError, NotFoundError

from wirewatch.schemas import Alert
from wirewatch.services.alerter.throttle import Clock, utcnow

HELD = "held"


@dataclass(frozen=True)
class Held:
    """An alert whose digest is due, with the due instant it was held for."""

    alert: Alert
    due: datetime


class DigestQueue:
    def __init__(self, es: AsyncElasticsearch, index: str, *, claim_s: float, clock: Clock = utcnow) -> None:
        self.es = es
        self.index = index
        self.claim_s = claim_s
        self.clock = clock

    async def hold(self, alert_ids: Sequence[str], due: datetime) -> None:
        """Keep the alerts back for the digest due at ``due``."""
        if not alert_ids:
            return
        doc = {"status": HELD, "digest_due": due.isoformat(), "claimed_until": due.isoformat()}
        ops: list[dict[str, object]] = []
        for alert_id in alert_ids:
            ops += [{"update": {"_index": self.index, "_id": alert_id, "retry_on_conflict": 5}}, {"doc": doc}]
        response = await self.es.bulk(operations=ops)
        if response.body.get("errors"):
            failed = [i["update"] for i in response.body["items"] if i["update"]["status"] >= 300]
            raise RuntimeError(f"holding {len(failed)} alerts for their digest failed: {failed[0].get('error')}")

    async def claim_due(self, limit: int = 1000) -> list[Held]:
        """Held alerts whose digest is due (and not leased by another replica): claim and return them."""
        now = self.clock()
        try:
            response = await self.es.search(
                index=self.index,
                size=limit,
                seq_no_primary_term=True,
                # a ledger from before digests (init not run since) has no digest_due: nothing is held there
                sort=[{"digest_due": {"order": "asc", "unmapped_type": "date"}}, {"matched_at": "asc"}],
                query={
                    "bool": {
                        "filter": [
                            {"term": {"status": HELD}},
                            {"range": {"claimed_until": {"lte": now.isoformat()}}},
                        ]
                    }
                },
            )
        except NotFoundError:
            return []
        lease = (now + timedelta(seconds=self.claim_s)).isoformat()
        claimed: list[Held] = []
        for hit in response.body["hits"]["hits"]:
            try:
                await self.es.update(
                    index=self.index,
                    id=hit["_id"],
                    doc={"claimed_until": lease},
                    if_seq_no=hit["_seq_no"],
                    if_primary_term=hit["_primary_term"],
                )
            except ConflictError:
                continue  # another replica claimed it first
            source = hit["_source"]
            alert = Alert.model_validate({k: v for k, v in source.items() if k in Alert.model_fields})
            claimed.append(Held(alert, datetime.fromisoformat(source["digest_due"])))
        return claimed

    async def carried(self, digest_id: str) -> bool:
        """Whether a digest with this id went out already (delivered, or failed and dead-lettered)."""
        try:
            response = await self.es.count(
                index=self.index,
                query={
                    "bool": {
                        "filter": [{"term": {"digest_id": digest_id}}],
                        "must_not": [{"term": {"status": HELD}}],
                    }
                },
            )
        except NotFoundError:
            return False
        return bool(response.body["count"])
