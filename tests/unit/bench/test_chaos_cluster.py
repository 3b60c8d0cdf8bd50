"""When a cluster drill calls the cluster fully replicated again after a node fault (``bench/chaos/cluster.py``):
once the node is back and every replica is in sync, or earlier only after it was SEEN short of replicas (a
cluster that does not answer, or still shows the lost node in sync, has not recovered)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bench.chaos import cluster as chaos_cluster
from bench.chaos.cluster import ClusterFaults
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.stack.layout import Layout
from wirewatch.ops.stack.settings import StackSettings


def faults(tmp_path: Path) -> ClusterFaults:
    stack = StackSettings(state_dir=tmp_path)
    return ClusterFaults(
        CommonSettings(state_dir=tmp_path), stack, Layout.of(stack), replication_timeout_s=2.0, poll_s=0
    )


def answers(monkeypatch: pytest.MonkeyPatch, *said: bool | None) -> None:
    """``fully_replicated`` answers ``said`` in order, then keeps its last answer."""
    sequence = iter(said)
    last: list[bool | None] = [None]

    async def scripted(settings: CommonSettings) -> bool | None:
        last[0] = next(sequence, last[0])
        return last[0]

    monkeypatch.setattr(chaos_cluster, "fully_replicated", scripted)


async def test_a_stale_whole_answer_before_the_node_is_back_does_not_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers(monkeypatch, None, True, True)  # the lost broker still listed in sync, never seen short
    back = asyncio.Event()
    assert await faults(tmp_path)._replicated(time.monotonic(), back) is None


async def test_short_then_whole_without_the_node_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers(monkeypatch, True, None, False, False, True)  # replicas re-created on the other nodes
    assert await faults(tmp_path)._replicated(time.monotonic(), asyncio.Event()) is not None


async def test_once_the_node_is_back_the_first_whole_answer_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers(monkeypatch, None, True)
    back = asyncio.Event()
    back.set()
    assert await faults(tmp_path)._replicated(time.monotonic(), back) is not None
