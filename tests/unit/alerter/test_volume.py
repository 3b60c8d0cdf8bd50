"""Volume rules without a cluster (issue 16, item 3): the spike decision and its once-per-window arming,
first-seen's "earliest mention is in this batch", backfill batches never evaluated, and the duration parser
the CLI options share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from tests.unit.alerter.conftest import make_alert
from wirewatch.core.durations import format_duration, parse_duration
from wirewatch.core.stores.rules import new_rule
from wirewatch.schemas import IndexedBatch, IndexedDoc, Rule, SpikeSpec, keyed_alert_id
from wirewatch.services.alerter.first_seen import Mention, new_keys
from wirewatch.services.alerter.matching import Match
from wirewatch.services.alerter.spikes import SpikeCounts, is_spike, spike_alert, spike_slot
from wirewatch.services.alerter.volume import VolumeRules

HOUR = 3600.0
SPEC = SpikeSpec(window_s=HOUR, baseline_s=7 * 86400, factor=3, min_count=5)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("1h", 3600), ("6h", 21600), ("7d", 604800), ("45s", 45), ("1.5h", 5400), (" 2W ", 1209600)],
)
def test_durations_read_as_written(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "90", "1h30m", "h", "-1h", "0m", "6 hours", "1y"])
def test_anything_else_is_refused_with_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_a_duration_prints_in_its_largest_exact_unit() -> None:
    assert [format_duration(s) for s in (21600, 604800, 5400, 90, 0.5)] == ["6h", "7d", "90m", "90s", "0.5s"]


def test_a_surge_after_a_quiet_baseline_is_a_spike() -> None:
    assert is_spike(SPEC, SpikeCounts(window=20, baseline=0))
    assert not is_spike(SPEC, SpikeCounts(window=4, baseline=0)), "under min_count"


def test_the_baseline_is_a_rate_per_window() -> None:
    # 7 days of baseline at 1 match an hour: 168 matches, 1 per window; factor 3 → more than 3 fires
    assert not is_spike(SPEC, SpikeCounts(window=3, baseline=168))
    assert not is_spike(SPEC, SpikeCounts(window=5, baseline=2 * 168)), "5 is not more than 3 × 2"
    assert is_spike(SPEC, SpikeCounts(window=7, baseline=2 * 168))


def spike_rule() -> Rule:
    return new_rule("surge", "truce", kind="spike", spike=SPEC)


def fired(rule: Rule, end: datetime) -> Match:
    return Match(rule, spike_alert(rule, SpikeCounts(20, 0), end, ["doc00001"], make_alert(rule, 1)))


def test_one_spike_per_window_then_armed_again() -> None:
    rule = spike_rule()
    volume = VolumeRules(None, articles="a", mentions="m", alerts="l")  # type: ignore[arg-type]
    start = datetime(2026, 12, 1, 10, 50, tzinfo=UTC)
    assert volume._armed(rule, start)
    alert = fired(rule, start).alert
    volume._last_spike[rule.id] = (alert.alert_id, start)
    # the same batch again (a retry) produces the same alert, so the ledger can republish it
    assert volume._armed(rule, start)
    # later in the surge, in the same slot (the same id, which the ledger would turn away) or past it: quiet
    assert fired(rule, start + timedelta(minutes=5)).alert.alert_id == alert.alert_id
    assert not volume._armed(rule, start + timedelta(minutes=5))
    assert not volume._armed(rule, start + timedelta(minutes=40))
    assert spike_slot(SPEC, start + timedelta(minutes=40)) != spike_slot(SPEC, start)
    # a window after the spike's window ended: armed again, with a new id
    later = start + timedelta(hours=1, seconds=1)
    assert volume._armed(rule, later)
    assert fired(rule, later).alert.alert_id != alert.alert_id


def test_the_spike_alert_carries_counts_and_window() -> None:
    rule = spike_rule()
    end = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    alert = spike_alert(rule, SpikeCounts(20, 168), end, ["doc00003", "doc00004"], make_alert(rule, 3))
    assert alert.kind == "spike" and alert.count == 20 and alert.baseline == 1.0
    assert alert.window_start == end - timedelta(hours=1) and alert.window_end == end
    assert alert.article_ids == ["doc00003", "doc00004"] and alert.url == "https://news.example/3"
    assert alert.alert_id == keyed_alert_id(rule.id, "spike", spike_slot(SPEC, end))


def mention(key: str, article: str, seen: str) -> Mention:
    return Mention(key, key.title(), "ORG", article, datetime.fromisoformat(seen).timestamp() * 1000)


def test_an_entity_is_new_when_no_mention_outside_the_batch_is_older() -> None:
    batch = [
        mention("acme", "doc1", "2026-12-01T10:00:00+00:00"),
        mention("acme", "doc2", "2026-12-01T09:00:00+00:00"),
        mention("old corp", "doc1", "2026-12-01T10:00:00+00:00"),
        mention("lagged", "doc1", "2026-12-01T10:00:00+00:00"),
    ]
    millis = {
        "old corp": datetime(2026, 11, 1, tzinfo=UTC).timestamp() * 1000,
        # a later batch the indexer wrote before the alerter read this one does not hide it
        "lagged": datetime(2026, 12, 1, 11, tzinfo=UTC).timestamp() * 1000,
    }
    assert new_keys(batch, millis) == {"acme", "lagged"}


class Untouchable:
    """An Elasticsearch client that must not be asked anything."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"Elasticsearch was asked ({name})")


async def test_backfill_batches_fire_nothing() -> None:
    rules = [spike_rule(), new_rule("new orgs", "*", kind="first_seen", entity_type="org")]
    at = datetime(2026, 12, 1, tzinfo=UTC)
    batch = IndexedBatch(
        index="x-articles", docs=[IndexedDoc(id="doc1", version=1, fetched_at=at)], searchable_at=at, lane="backfill"
    )
    volume = VolumeRules(Untouchable(), articles="a", mentions="m", alerts="l")  # type: ignore[arg-type]
    assert await volume.evaluate(rules, [batch]) == []
    # match rules are not volume rules: nothing to ask either
    live = batch.model_copy(update={"lane": "live"})
    assert await volume.evaluate([new_rule("m", "truce")], [live]) == []


class Registry:
    """The registry's answer to the earliest-mention search: ``earliest`` (epoch ms) per key; records the keys."""

    def __init__(self, earliest: dict[str, float]) -> None:
        self.earliest = earliest
        self.asked: list[list[str]] = []

    async def msearch(self, searches: list[dict[str, Any]]) -> Any:
        keys = searches[1]["query"]["bool"]["filter"][1]["terms"]["key"]
        self.asked.append(keys)
        buckets = [{"key": k, "first": {"value": self.earliest[k]}} for k in keys if k in self.earliest]
        return SimpleNamespace(body={"responses": [{"aggregations": {"keys": {"buckets": buckets}}}]})


def article_hit(article_id: str, seen: str, *orgs: str) -> dict[str, Any]:
    entities = [{"name": name, "type": "ORG", "count": 1} for name in orgs]
    return {"_id": article_id, "_source": {"published_at": seen, "entities": entities, "url": "https://x.example/"}}


async def test_keys_known_once_are_not_asked_about_again() -> None:
    rule = new_rule("new orgs", "*", kind="first_seen", entity_type="org")
    old = datetime(2026, 11, 1, tzinfo=UTC).timestamp() * 1000
    registry = Registry({"old corp": old})
    volume = VolumeRules(registry, articles="a", mentions="m", alerts="l")  # type: ignore[arg-type]
    hits = {"d1": article_hit("d1", "2026-12-01T10:00:00+00:00", "Old Corp", "Acme")}
    [(fired_rule, fired)] = await volume._first_seen([rule], {rule.id: ["d1"]}, hits, ["d1"])
    assert fired_rule is rule and fired.key == "acme" and fired.name == "Acme"
    assert registry.asked == [["acme", "old corp"]]
    hits = {"d2": article_hit("d2", "2026-12-01T11:00:00+00:00", "Old Corp", "Newco")}
    [(_, fired)] = await volume._first_seen([rule], {rule.id: ["d2"]}, hits, ["d2"])
    assert fired.key == "newco"
    assert registry.asked[1] == ["newco"], "Old Corp is known: the registry is not asked again"


class Refusing:
    """Elasticsearch answering the matching searches: each id matches each named rule, except that a search
    naming the rule ``bad`` is refused (400), as a query Elasticsearch cannot run is."""

    def __init__(self, bad: str) -> None:
        self.bad = bad
        self.searched: list[list[str]] = []

    async def msearch(self, searches: list[dict[str, Any]]) -> Any:
        answers = []
        for body in searches[1::2]:
            ids = body["query"]["bool"]["filter"][0]["ids"]["values"]
            names = [c["bool"]["_name"] for c in body["query"]["bool"]["filter"][1]["bool"]["should"]]
            self.searched.append(names)
            if self.bad in names:
                answers.append({"status": 400, "error": {"type": "query_shard_exception"}})
                continue
            hits = [{"_id": i, "_source": {}, "matched_queries": names} for i in ids]
            answers.append({"hits": {"hits": hits}})
        return SimpleNamespace(body={"responses": answers})


async def test_a_rule_elasticsearch_refuses_never_silences_the_others() -> None:
    good = new_rule("good", "truce", kind="first_seen", entity_type="org")
    bad = new_rule("bad", "truce", kind="spike", spike=SPEC)
    es = Refusing(bad.id)
    volume = VolumeRules(es, articles="a", mentions="m", alerts="l")  # type: ignore[arg-type]
    matched, _ = await volume._matching(volume._runnable([good, bad]), ["d1", "d2"])
    assert matched == {good.id: ["d1", "d2"]}
    assert es.searched == [[good.id, bad.id], [good.id], [bad.id]], "together, then each alone"
    # skipped from then on, until it changes
    assert volume._runnable([good, bad]) == [good]
    changed = bad.model_copy(update={"query": "ceasefire"})
    assert volume._runnable([good, changed]) == [good, changed]
