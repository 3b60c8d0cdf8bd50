"""Chaos drills: a synthetic news corpus on 50 local feeds, poison and hostile inputs planted among it, and
faults while it flows — kill -9 of every worker, a frozen Elasticsearch (SIGSTOP), a restarted Kafka
broker — then what arrived is counted against what was sent. Run by ``python -m bench.chaos`` and
``tests/chaos/test_chaos.py``.

    articles ──► Site (feeds, pages) ──► 5 workers ──► Elasticsearch / Receiver (webhooks) / deadletters
                     plan: waves of articles, each followed by one fault; poison and hostile inputs halfway
    measure: searchable once each with entities · alerts once each, signed · dead letters = planted poison
             · hostile articles indexed within their caps or dead-lettered for their budget · sitemap capped

Modules: ``articles`` (the corpus, its pages and feeds, the rule), ``plan`` (parameters, which faults
when, the poison), ``hostile`` (the hardening issue's span, roll-call and sitemap bomb), ``faults`` (the
stack of one's own and what is done to it), ``measure`` (counting and the report), ``drill`` (one run from
setup to report).
"""

from __future__ import annotations

from bench.chaos.drill import run_chaos
from bench.chaos.faults import NotOwnStack, OwnStack
from bench.chaos.measure import ChaosReport
from bench.chaos.plan import ChaosParams

__all__ = ["ChaosParams", "ChaosReport", "NotOwnStack", "OwnStack", "run_chaos"]
