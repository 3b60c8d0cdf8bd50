"""A race the chaos drill surfaced (a stray alerter dead letter, ``version_conflict_engine_exception``):
the dispatcher records a delivery (``Ledger.finish``) while the batch handler marks the same alert
published (``Ledger.published``). Both are partial updates of one ledger document; on the real
Elasticsearch they must both land, never fail the batch (which dead-letters the whole IndexedBatch and
leaves its alerts unpublished on ``alerts``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import Alert
from wirewatch.services.alerter.ledger import Ledger

pytestmark = [pytest.mark.integration]


def alert(n: int) -> Alert:
    return Alert(
        alert_id=f"race{n:04d}",
        rule_id="r1",
        rule_name="race",
        matched_at=datetime.now(UTC),
        article_id=f"doc{n:04d}",
        url=f"https://news.example/{n}",
    )


async def test_delivery_and_publication_of_one_alert_at_once_both_land(initialised: CommonSettings) -> None:
    es = make_es(initialised)
    try:
        ledger = Ledger(es, initialised.index_name("alerts"), claim_s=60)
        alerts = [alert(n) for n in range(40)]
        recorded = await ledger.record(alerts, {"r1": ["http://127.0.0.1:9/hook"]})
        assert len(recorded.new) == len(alerts)
        for a in alerts:  # as AlertHandler._announce and Dispatcher._send do, concurrently, per alert
            await asyncio.gather(ledger.published([a]), ledger.finish([a.alert_id], status="delivered", attempts=1))
        docs = (await es.mget(index=initialised.index_name("alerts"), ids=[a.alert_id for a in alerts])).body["docs"]
        assert all(d["_source"]["published"] and d["_source"]["status"] == "delivered" for d in docs)
    finally:
        await es.close()
