"""What a chaos drill does and when: its parameters, the seeded order of the faults between waves of
articles, and the planted poison with the dead letter each must produce.

A plan is a list of fault names: ``kill:NAME`` (kill -9 of one worker, restarted after a pause),
``freeze-es`` (SIGSTOP of Elasticsearch) and ``restart-kafka`` (the broker stopped and started again); on a
local cluster, ``kill-broker``, ``kill-es-node`` and ``stop-broker`` instead of the last two
(:mod:`bench.chaos.cluster`).
The articles are dealt into one wave before each fault and a last one after; the poison is planted
halfway through.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from bench.chaos.cluster import CLUSTER_FAULTS
from bench.workers import WORKERS
from wirewatch.schemas import STAGES

T = TypeVar("T")

STACK_FAULTS = ("freeze-es", "restart-kafka")


@dataclass(frozen=True)
class ChaosParams:
    """Everything a drill depends on; the seed decides the corpus and the moments of the faults."""

    seed: int = 0
    articles: int = 2000
    feeds: int = 50
    es_freeze_s: float = 30.0
    extra_kills: int | None = None  # kills beyond one per worker; None: 0–2, chosen by the seed
    faults: tuple[str, ...] | None = None  # an explicit plan (kill:NAME, freeze-es, restart-kafka); None: seeded
    gap_s: tuple[float, float] = (3.0, 9.0)  # random pause between a wave of articles and its fault
    restart_after_s: tuple[float, float] = (0.5, 3.0)  # a killed worker comes back after this long
    alert_share: float = 0.1
    drain_timeout_s: float = 900.0
    settle_s: float = 8.0  # wait after draining, so late duplicates are seen too
    ner_model: str | None = None  # None: the extractor's default
    node_down_s: float = 10.0  # a killed cluster node is started again after this long
    broker_stop_s: float = 25.0  # a SIGSTOPped broker: longer than its session (9 s) and the consumers' (10 s)

    def __post_init__(self) -> None:
        known = {*(f"kill:{w}" for w in WORKERS), *STACK_FAULTS, *CLUSTER_FAULTS}
        if unknown := [f for f in self.faults or () if f not in known]:
            raise ValueError(f"unknown faults {unknown}; known: {', '.join(sorted(known))}")


def fault_plan(params: ChaosParams, rng: random.Random, on_cluster: bool = False) -> list[str]:
    """The faults in a seeded order: each worker killed once (plus extra kills), then a freeze and a restart
    on one node, or the node faults of a cluster; or the explicit plan of ``params.faults``."""
    if params.faults is not None:
        return list(params.faults)
    extra = params.extra_kills if params.extra_kills is not None else rng.randint(0, 2)
    events = [f"kill:{w}" for w in WORKERS] + [f"kill:{rng.choice(WORKERS)}" for _ in range(extra)]
    events += list(CLUSTER_FAULTS if on_cluster else STACK_FAULTS)
    rng.shuffle(events)
    return events


def waves(articles: Sequence[T], faults: int) -> list[list[T]]:
    """The articles dealt round-robin into ``faults + 1`` waves: one before each fault, one after the last."""
    return [list(articles[i :: faults + 1]) for i in range(faults + 1)]


def plants_before(fault: int, faults: int) -> bool:
    """The poison is planted with the wave before the middle fault, so it meets a pipeline under fire."""
    return fault == faults // 2


# The poison -------------------------------------------------------------------------------------------

DEEP = 100_000


@dataclass(frozen=True)
class Poison:
    """One planted bad input and the dead letter it must produce (matched by item id, else by key)."""

    name: str
    stage: str
    error_class: str
    item_id: str | None = None
    key: str | None = None


def page_poison(tag: str) -> dict[str, tuple[str, bytes, str]]:
    """Poisoned feed items: name → (path, body, content type)."""
    return {
        "pdf-as-html": (
            f"/files/{tag}/annual-report.html",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 2000,
            "text/html; charset=utf-8",
        ),
        "empty-200": (f"/news/{tag}/empty.html", b"", "text/html; charset=utf-8"),
        "deep-nesting": (
            f"/news/{tag}/deep.html",
            b"<html><body>" + b"<div>" * DEEP + b"<p>deep</p>" + b"</div>" * DEEP + b"</body></html>",
            "text/html; charset=utf-8",
        ),
        "not-html": (
            f"/news/{tag}/data.html",
            json.dumps({"status": "ok", "items": list(range(300))}).encode(),
            "application/json",
        ),
    }


#: the parser's dead-letter label for each poisoned page
PAGE_POISON_OUTCOME = {
    "pdf-as-html": "not_html",
    "empty-200": "empty_page",
    "deep-nesting": "pathological",
    "not-html": "not_html",
}

#: raw records that fail their topic's schema: (relative topic, stage that dead-letters it, value); ``KEY``
#: in the value is replaced by the record's key; the topic is the stage's input
SCHEMA_POISON = (
    (STAGES["parser"].input, "parser", b'{"id": "KEY", "url": 42, "note": "fails the FetchedPage schema"}'),
    (STAGES["extractor"].input, "extractor", b'{"id": "KEY", "text": null, "note": "fails ParsedArticle"}'),
)
SCHEMA_POISON_OUTCOME = "schema_error"

#: what a hostile article (``bench.chaos.hostile``) may be dead-lettered as instead of being indexed: it
#: overran the extractor's time budget
HOSTILE_LETTERS = frozenset({"extract_timeout"})
