"""A throttled rule on the real stack: the first match is posted at once, matches inside the window are
held (ledger ``throttled``) and arrive together as one digest when it ends, across an alerter restart."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from bench.workers import Workers
from tests.integration.test_alerter import FAST, Hook, dump_logs, ledger, publish, put_rules
from tests.support.polling import eventually
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.rules import new_rule
from wirewatch.schemas import Rule
from wirewatch.services.alerter.signing import SIGNATURE_HEADER, verify

pytestmark = [pytest.mark.integration]

WINDOW_S = 9.0


async def test_matches_inside_the_window_arrive_as_one_digest(initialised: CommonSettings, tmp_path: Path) -> None:
    settings = initialised
    hook = await Hook().start()
    rule = new_rule("quiet", "title:quiet", webhooks=[hook.url], secret="s3", throttle_minutes=WINDOW_S / 60)
    await put_rules(settings, rule)
    workers = Workers(settings, tmp_path / "logs", extra_env=FAST)
    workers.start("alerter")
    try:
        await publish(settings, [1], title="quiet story")
        await eventually(lambda: hook.delivered, timeout=30, every=0.05, what="the first alert")
        first = hook.delivered[0].at
        assert json.loads(hook.delivered[0].body)["article_id"] == "doc00001"
        # the window's state is in the ledger: a restarted alerter still holds the next matches back
        assert workers.stop() == {"alerter": 0}
        workers.start("alerter")
        await publish(settings, [2], title="quiet story")
        await publish(settings, [3], title="quiet story")
        held = await eventually(
            lambda: _with_status(settings, rule, "throttled", 2), timeout=30, what="two held alerts"
        )
        assert {e["article_id"] for e in held} == {"doc00002", "doc00003"}
        assert len(hook.delivered) == 1, "a match inside the window was posted on its own"

        await eventually(lambda: len(hook.delivered) == 2, timeout=30, every=0.1, what="the digest")
        digest = hook.delivered[1]
        assert digest.at - first >= WINDOW_S - 0.5, "the digest left before the window ended"
        assert verify(digest.body, "s3", digest.headers.get(SIGNATURE_HEADER))
        body = json.loads(digest.body)
        assert body["kind"] == "digest" and body["count"] == 2 and body["rule_name"] == "quiet"
        assert sorted(a["article_id"] for a in body["alerts"]) == ["doc00002", "doc00003"]
        entries = await eventually(
            lambda: _with_status(settings, rule, "delivered", 3), timeout=10, what="every alert delivered"
        )
        assert {e.get("digest_id") for e in entries if e["article_id"] != "doc00001"} == {body["digest_id"]}
        await asyncio.sleep(1.0)
        assert len(hook.delivered) == 2
        assert time.monotonic() - first < 60
    except BaseException:
        dump_logs(workers)
        raise
    finally:
        workers.stop()
        await hook.stop()


async def _with_status(settings: CommonSettings, rule: Rule, status: str, count: int) -> list[dict[str, Any]] | None:
    found = [e for e in await ledger(settings, rule) if e["status"] == status]
    return found if len(found) == count else None
