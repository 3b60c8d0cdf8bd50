"""Chaos on the real stack: articles flow from 50 local feeds while every worker is killed with SIGKILL,
Elasticsearch is frozen (SIGSTOP) and the Kafka broker restarts; afterwards nothing is lost, nothing is
duplicated, and only the planted poison is in the dead-letter topic (the drill is ``bench/chaos/``).

Destructive for the stack it runs on, so it runs only when asked, on a stack of one's own::

    WIREWATCH_CHAOS=1 WIREWATCH_KAFKA_BOOTSTRAP=localhost:29092 WIREWATCH_KAFKA_CONTROLLER_PORT=29093 \\
    WIREWATCH_ES_URL=http://localhost:29200 WIREWATCH_ES_TRANSPORT_PORT=29300 \\
    WIREWATCH_STATE_DIR=/tmp/ww-chaos \\
    .venv/bin/python -m pytest tests/chaos -p no:cacheprovider

(start that stack first with ``wirewatch stack up`` and the same variables). The same drill at full size
is ``python -m bench.chaos``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.chaos import ChaosParams, NotOwnStack, OwnStack, run_chaos
from bench.workers import WORKERS
from wirewatch.core.settings import CommonSettings

pytestmark = [pytest.mark.slow, pytest.mark.chaos]

#: smaller than the bench (2,000 articles, 30 s freeze) so the test takes minutes, not a quarter hour; a
#: 20 s freeze still outlasts most of the indexer's 30 s request timeout window, so retries are exercised
TEST_PARAMS = ChaosParams(
    seed=int(os.environ.get("WIREWATCH_CHAOS_SEED", "7")),
    articles=300,
    feeds=50,
    es_freeze_s=20.0,
    extra_kills=1,
    gap_s=(2.0, 6.0),
    drain_timeout_s=600.0,
)


@pytest.fixture
def own_stack(stack_settings: CommonSettings) -> OwnStack:
    if not os.environ.get("WIREWATCH_CHAOS"):
        pytest.skip(
            "chaos drills freeze Elasticsearch and restart Kafka: set WIREWATCH_CHAOS=1 and point "
            "WIREWATCH_* at a stack of your own"
        )
    try:
        return OwnStack.of(stack_settings)
    except NotOwnStack as exc:
        pytest.fail(f"WIREWATCH_CHAOS is set but the stack is not one this drill may disturb: {exc}", pytrace=False)


@pytest.mark.timeout(1800)
async def test_nothing_lost_nothing_duplicated_nothing_let_in(
    own_stack: OwnStack, initialised: CommonSettings, tmp_path: Path
) -> None:
    report = await run_chaos(initialised, TEST_PARAMS, tmp_path)
    print("\n".join(report.lines()))
    # the drill really happened
    assert set(report.kills) == set(WORKERS) and len(report.kills) >= 3
    assert report.es_frozen_s >= TEST_PARAMS.es_freeze_s and report.kafka_outage_s > 0
    assert len(report.planted) == 6
    # and nothing broke
    assert report.drained_s is not None, f"not drained within {TEST_PARAMS.drain_timeout_s:.0f} s"
    assert report.lost_articles == [] and report.duplicated_articles == 0 and report.unexpected_articles == 0
    assert report.entity_misses == []
    assert report.lost_alerts == [] and report.duplicated_alerts == 0 and report.unexpected_alerts == []
    assert report.bad_signatures == 0
    assert set(report.matched) == {p.name for p in report.planted} and report.wrong_outcome == []
    assert report.unexpected_letters == []
    assert all(report.alive.values()) and not any(report.lag.values())
    assert report.failures() == []
