"""Spike rules (``rule.spike``): the request that counts every spike rule's window and baseline at once, the
decision, and the alert.

A rule's matches whose ``fetched_at`` lies in the window ending at the batch's newest fetch time are counted
against the baseline rate (matches per window over the baseline period before it). It fires when the window
holds at least ``min_count`` and more than ``factor`` × the baseline rate. *One alert per window*: the alert
id is keyed on the rule and the window-length slot the window ends in, and after a spike alert the rule stays
quiet until a window has passed since that alert's window ended (the last one is read from the ledger on first
use). A surge that lasts for hours fires once per window length, one that straddles a slot boundary fires
once. The window ends at the data's time, not the clock's: a replayed batch computes the same window and the
same alert id (the ledger turns it away). Two replicas that see a surge's batches at a slot boundary may each
fire once (the price of not serialising through the ledger). ``volume.VolumeRules`` runs the searches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from wirewatch.core.query import build_query
from wirewatch.schemas import Alert, Rule, SpikeSpec, keyed_alert_id
from wirewatch.services.alerter.matching import rule_filters

#: the article field the volume of a window is counted on: when Wirewatch learnt of the article
TIME_FIELD = "fetched_at"


@dataclass(frozen=True)
class SpikeCounts:
    window: int
    baseline: int


def baseline_rate(spec: SpikeSpec, baseline: int) -> float:
    """The baseline's matches per window."""
    return baseline * spec.window_s / spec.baseline_s


def is_spike(spec: SpikeSpec, counts: SpikeCounts) -> bool:
    return counts.window >= spec.min_count and counts.window > spec.factor * baseline_rate(spec, counts.baseline)


def spike_slot(spec: SpikeSpec, end: datetime) -> str:
    """The window-length slot ``end`` falls in: part of the alert id, so replicas agree."""
    return str(int(end.timestamp() // spec.window_s))


def spike_body(rules: Sequence[Rule], end: datetime) -> dict[str, Any]:
    """The matches of each rule's window ending at ``end`` and of its baseline before it, in one search: rules
    of one window and baseline share a ``filters`` aggregation (a filter per rule) under a ``date_range`` of
    the two periods, so each query is parsed once however many periods are counted."""
    groups: dict[tuple[float, float], dict[str, Any]] = {}
    for rule in rules:
        assert rule.spike is not None
        clause = build_query(rule.query, rule_filters(rule, []))
        groups.setdefault((rule.spike.window_s, rule.spike.baseline_s), {})[rule.id] = clause
    aggs: dict[str, Any] = {}
    earliest = end
    for number, ((window_s, baseline_s), filters) in enumerate(groups.items()):
        window_start = end - timedelta(seconds=window_s)
        baseline_start = window_start - timedelta(seconds=baseline_s)
        earliest = min(earliest, baseline_start)
        # date_range's "to" is exclusive: the window includes the batch's own newest article
        ranges = [
            {"key": "baseline", "from": baseline_start.isoformat(), "to": window_start.isoformat()},
            {"key": "window", "from": window_start.isoformat(), "to": (end + timedelta(milliseconds=1)).isoformat()},
        ]
        aggs[f"spec{number}"] = {
            "filters": {"filters": filters},
            "aggs": {"periods": {"date_range": {"field": TIME_FIELD, "ranges": ranges}}},
        }
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {"range": {TIME_FIELD: {"gte": earliest.isoformat(), "lte": end.isoformat()}}},
        "aggs": aggs,
    }


def spike_counts(answer: dict[str, Any]) -> dict[str, SpikeCounts]:
    """:func:`spike_body`'s answer: the counts of each rule."""
    counts: dict[str, SpikeCounts] = {}
    for spec in answer.get("aggregations", {}).values():
        for rule_id, bucket in spec["buckets"].items():
            periods = {p["key"]: int(p["doc_count"]) for p in bucket["periods"]["buckets"]}
            counts[rule_id] = SpikeCounts(periods.get("window", 0), periods.get("baseline", 0))
    return counts


def spike_alert(rule: Rule, counts: SpikeCounts, end: datetime, article_ids: Sequence[str], base: Alert) -> Alert:
    """``base``: the alert of the batch's first matching article, whose link and title the spike carries."""
    assert rule.spike is not None
    spec = rule.spike
    rate = baseline_rate(spec, counts.baseline)
    return base.model_copy(
        update={
            "alert_id": keyed_alert_id(rule.id, "spike", spike_slot(spec, end)),
            "kind": "spike",
            "title": f"{counts.window} matches of {rule.name!r} in the window (baseline {rate:.1f} per window)",
            "snippet": base.title,
            "article_ids": list(article_ids),
            "count": counts.window,
            "baseline": round(rate, 3),
            "window_start": end - timedelta(seconds=spec.window_s),
            "window_end": end,
        }
    )


def last_spikes_body(rule_ids: Sequence[str]) -> dict[str, Any]:
    """The latest spike alert of each rule in the ledger (its id and window end)."""
    return {
        "size": 0,
        "query": {"bool": {"filter": [{"term": {"kind": "spike"}}, {"terms": {"rule_id": list(rule_ids)}}]}},
        "aggs": {
            "rules": {
                "terms": {"field": "rule_id", "size": len(rule_ids)},
                "aggs": {
                    "last": {
                        "top_hits": {
                            "size": 1,
                            "sort": [{"window_end": "desc"}],
                            "_source": ["alert_id", "window_end"],
                        }
                    }
                },
            }
        },
    }


def last_spikes(answer: dict[str, Any] | None) -> dict[str, tuple[str, datetime]]:
    """:func:`last_spikes_body`'s answer (``None``: no ledger yet): rule id → (alert id, window end)."""
    buckets = [] if answer is None else answer.get("aggregations", {}).get("rules", {}).get("buckets", [])
    found: dict[str, tuple[str, datetime]] = {}
    for bucket in buckets:
        source = bucket["last"]["hits"]["hits"][0]["_source"]
        end = datetime.fromisoformat(str(source["window_end"]).replace("Z", "+00:00"))
        found[str(bucket["key"])] = (str(source["alert_id"]), end)
    return found
