"""The chaos drill's pure parts: the seeded plan, the corpus, and the counting that decides lost,
duplicated and let in (``bench/chaos/``; the drill itself runs in ``tests/chaos`` on a stack of one's own)."""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime

import pytest

from bench.chaos.articles import ALERT_ORG, PERSONS, corpus, gazetteer_yaml
from bench.chaos.measure import ChaosReport, alert_id_of, measure_alerts, measure_letters
from bench.chaos.plan import ChaosParams, Poison, fault_plan, plants_before, waves
from bench.workers import WORKERS
from wirewatch.schemas import DeadLetter
from wirewatch.services.alerter.signing import DELIVERY_HEADER, SIGNATURE_HEADER, sign


@pytest.mark.parametrize("seed", [0, 1, 7, 42])
def test_a_seeded_plan_kills_every_worker_and_disturbs_both_servers_once(seed: int) -> None:
    plan = fault_plan(ChaosParams(seed=seed), random.Random(seed))
    kills = [f.split(":", 1)[1] for f in plan if f.startswith("kill:")]
    assert set(kills) == set(WORKERS) and len(WORKERS) <= len(kills) <= len(WORKERS) + 2
    assert plan.count("freeze-es") == 1 and plan.count("restart-kafka") == 1
    assert plan == fault_plan(ChaosParams(seed=seed), random.Random(seed))


def test_a_cluster_plan_kills_a_broker_and_an_es_node_and_stops_a_broker_instead() -> None:
    plan = fault_plan(ChaosParams(seed=5), random.Random(5), on_cluster=True)
    assert sorted(f for f in plan if not f.startswith("kill:")) == ["kill-broker", "kill-es-node", "stop-broker"]
    assert {f.split(":", 1)[1] for f in plan if f.startswith("kill:")} == set(WORKERS)


def test_extra_kills_are_as_many_as_asked() -> None:
    plan = fault_plan(ChaosParams(extra_kills=4), random.Random(3))
    assert sum(f.startswith("kill:") for f in plan) == len(WORKERS) + 4


def test_an_explicit_plan_is_kept_and_an_unknown_fault_refused() -> None:
    explicit = ("kill:parser", "freeze-es", "restart-kafka")
    assert fault_plan(ChaosParams(faults=explicit), random.Random(0)) == list(explicit)
    with pytest.raises(ValueError, match="kill:parsr"):
        ChaosParams(faults=("kill:parsr", "freeze-es"))


def test_waves_deal_every_article_once_and_poison_comes_halfway() -> None:
    dealt = waves(list(range(23)), 4)
    assert len(dealt) == 5 and sorted(n for wave in dealt for n in wave) == list(range(23))
    assert [plants_before(n, 7) for n in range(7)] == [False, False, False, True, False, False, False]


def test_the_corpus_is_seeded_and_only_the_rule_subset_names_the_watched_org() -> None:
    articles = corpus(5, 200, 10, 0.1)
    assert [a.html for a in articles] == [a.html for a in corpus(5, 200, 10, 0.1)]
    assert len({a.path for a in articles}) == 200 and {a.feed for a in articles} == set(range(10))
    alerting = [a for a in articles if a.alert]
    assert 5 <= len(alerting) <= 40
    assert all((ALERT_ORG in a.html) == a.alert for a in articles)
    assert all(a.person in a.html and a.org in a.html and a.place in a.html for a in articles)
    assert ALERT_ORG in gazetteer_yaml() and all(p in gazetteer_yaml() for p in PERSONS)


def letter(
    stage: str, error_class: str, *, item_id: str | None = None, key: str | None = None, payload: bytes = b""
) -> DeadLetter:
    return DeadLetter.model_validate(
        {
            "stage": stage,
            "key": key,
            "item_id": item_id,
            "payload_b64": base64.b64encode(payload).decode(),
            "error_class": error_class,
            "reason": "planted",
            "failed_at": datetime(2026, 11, 18, tzinfo=UTC),
        }
    )


def test_dead_letters_are_matched_to_poison_and_the_rest_reported() -> None:
    planted = [
        Poison("empty-200", "parser", "empty_page", item_id="abc"),
        Poison("schema-pages", "parser", "schema_error", key="poison-pages-p1"),
        Poison("schema-parsed", "extractor", "schema_error", key="poison-parsed-p1"),
    ]
    letters = [
        letter("parser", "empty_page", item_id="abc"),
        letter("parser", "empty_page", item_id="abc"),  # the same poison again
        letter("parser", "schema_error", payload=b'{"id": "poison-pages-p1"}'),  # key lost, found in payload
        letter("parser", "schema_error", key="poison-parsed-p1"),  # right poison, wrong stage
        letter("indexer", "document_rejected", item_id="stray"),
    ]
    report = ChaosReport(ChaosParams(), planted=planted)
    measure_letters(report, letters, planted)
    assert set(report.matched) == {"empty-200", "schema-pages", "schema-parsed"}
    assert report.repeated_letters == 1
    assert report.wrong_outcome == ["schema-parsed: parser/schema_error 'planted'"]
    assert report.unexpected_letters == ["indexer/document_rejected item=stray key=None: planted"]


def test_alerts_count_duplicates_strangers_and_bad_signatures() -> None:
    def post(alert_id: str, secret: str = "chaos-signing-secret") -> tuple[bytes, dict[str, str]]:
        body = json.dumps({"alert_id": alert_id}).encode()
        return body, {SIGNATURE_HEADER: sign(body, secret), DELIVERY_HEADER: alert_id}

    received = [post("a1"), post("a1"), post("a3", secret="wrong"), post("zz")]
    report = ChaosReport(ChaosParams())
    measure_alerts(report, received, {"a1": "doc1", "a2": "doc2", "a3": "doc3"})
    assert report.lost_alerts == ["a2"] and report.duplicated_alerts == 1
    assert report.unexpected_alerts == ["zz"] and report.bad_signatures == 1
    assert alert_id_of(b"not json", {DELIVERY_HEADER: "a9"}) == "a9"


def test_a_clean_report_has_no_failures_and_a_lost_article_is_one() -> None:
    clean = ChaosReport(ChaosParams(), kills=list(WORKERS), drained_s=12.0, alive=dict.fromkeys(WORKERS, True))
    assert clean.failures() == []
    assert clean.lines()[-1].startswith("chaos: articles 0, lost 0, duplicated 0")
    clean.lost_articles = ["doc1"]
    assert clean.failures() == ["articles not searchable: ['doc1']"] and clean.lost == 1
