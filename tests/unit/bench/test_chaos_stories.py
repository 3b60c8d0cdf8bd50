"""The chaos drill counts story alerts too (issue 16, item 2): the per-story rule's alert for each story of the
rule's subset is expected once, a story alert posted twice is a duplicate, a story whose alert never came is
lost, and both count in the drill's ``lost`` and ``duplicated``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bench.chaos.articles import STORY_RULE_NAME, Article
from bench.chaos.measure import (
    ChaosReport,
    measure_alerts,
    measure_stories,
    split_story_alerts,
    wanted_alerts,
    wanted_story_alerts,
)
from bench.chaos.plan import ChaosParams
from bench.workers import WORKERS
from wirewatch.core.stores.rules import rule_id_for
from wirewatch.schemas import keyed_alert_id
from wirewatch.services.alerter.signing import DELIVERY_HEADER, SIGNATURE_HEADER, sign


def article(number: int, *, alert: bool, copy_of: int | None = None) -> Article:
    when = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
    return Article(number, 0, f"/a/{number}", "t", "p", "o", "l", alert, when, "<html></html>", copy_of)


def post(alert_id: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"alert_id": alert_id}).encode()
    return body, {SIGNATURE_HEADER: sign(body, "chaos-signing-secret"), DELIVERY_HEADER: alert_id}


def test_one_story_alert_expected_per_story_of_the_subset() -> None:
    expected = {"d1": article(1, alert=True), "d2": article(2, alert=True), "d3": article(3, alert=True)}
    expected["d4"] = article(4, alert=False)
    # d1 and d2 are copies of story s1, d3 was not clustered (its own story), d4 is outside the rule's subset
    wanted = wanted_story_alerts({"d1": "s1", "d2": "s1", "d4": "s9"}, expected)
    rule_id = rule_id_for(STORY_RULE_NAME)
    assert wanted == {keyed_alert_id(rule_id, "story", "s1"): "s1", keyed_alert_id(rule_id, "story", "d3"): "d3"}


def test_story_alerts_lost_and_duplicated_count_in_the_drills_totals() -> None:
    expected = {f"d{n}": article(n, alert=True) for n in range(1, 4)}
    articles = wanted_alerts(expected)
    stories = wanted_story_alerts({"d1": "s1", "d2": "s1", "d3": "s2"}, expected)
    [s1, _] = stories
    received = [post(aid) for aid in articles] + [post(s1), post(s1)]  # s1's alert twice, s2's never
    report = ChaosReport(ChaosParams(), kills=list(WORKERS), drained_s=1.0, alive=dict.fromkeys(WORKERS, True))
    measure_alerts(report, received, articles, stories)
    assert report.story_alerts_expected == 2
    assert report.lost_story_alerts == ["s2"] and report.duplicated_story_alerts == 1
    assert report.lost_alerts == [] and report.duplicated_alerts == 0 and report.unexpected_alerts == []
    assert report.lost == 1 and report.duplicated == 1
    assert "stories whose alert never arrived: ['s2']" in report.failures()
    assert "1 story alerts delivered more than once" in report.failures()
    assert "story alerts: lost 1, duplicated 1" in report.lines()
    # all there once: nothing lost, nothing duplicated
    clean = ChaosReport(ChaosParams())
    measure_alerts(clean, [post(aid) for aid in [*articles, *stories]], articles, stories)
    assert (clean.lost, clean.duplicated, clean.unexpected_alerts) == (0, 0, [])


def test_wire_copies_share_their_originals_story_alert_keyed_by_the_indexed_story() -> None:
    expected = {
        "d1": article(1, alert=True),
        "d2": article(2, alert=True, copy_of=1),
        "d3": article(3, alert=True, copy_of=1),
        "d4": article(4, alert=True),
        "d5": article(5, alert=False),
        "d6": article(6, alert=False, copy_of=5),
    }
    # story 1 indexed under its copy's id (the copy was fetched first), story 4 not indexed yet
    wanted = wanted_story_alerts({"d1": "d2", "d2": "d2", "d3": "d2", "d5": "d5", "d6": "d5"}, expected)
    rule_id = rule_id_for(STORY_RULE_NAME)
    assert wanted == {keyed_alert_id(rule_id, "story", "d2"): "d2", keyed_alert_id(rule_id, "story", "d4"): "d4"}
    # a story the index split still wants one alert (the other story id's alert is then unexpected)
    assert len(wanted_story_alerts({"d1": "d1", "d2": "d2", "d3": "d2", "d4": "d4"}, expected)) == 2
    # per-article alerts count every matching article, copies included
    assert sorted(wanted_alerts(expected).values()) == ["d1", "d2", "d3", "d4"]


def test_a_story_split_or_two_stories_merged_in_the_index_is_a_broken_promise() -> None:
    expected = {
        "d1": article(1, alert=True),
        "d2": article(2, alert=True, copy_of=1),
        "d3": article(3, alert=False),
        "d4": article(4, alert=False, copy_of=3),
        "d5": article(5, alert=False),
    }
    report = ChaosReport(ChaosParams(), kills=list(WORKERS), drained_s=1.0, alive=dict.fromkeys(WORKERS, True))
    measure_stories(report, {"d1": "d1", "d2": "d1", "d3": "d3", "d4": "d4", "d5": "d3"}, expected)
    assert (report.stories, report.copies) == (3, 2)
    assert report.split_stories == ["3 → ['d3', 'd4']"]
    assert report.merged_stories == ["[3, 5] → d3"]
    assert "stories split in the index: [\"3 → ['d3', 'd4']\"]" in report.failures()
    assert "stories: 3 (2 articles are wire copies), split 1, merged 1" in report.lines()
    clean = ChaosReport(ChaosParams(), kills=list(WORKERS), drained_s=1.0, alive=dict.fromkeys(WORKERS, True))
    measure_stories(clean, {"d1": "d2", "d2": "d2", "d3": "d3", "d4": "d3", "d5": "d5"}, expected)
    assert (clean.split_stories, clean.merged_stories, clean.failures()) == ([], [], [])


def test_a_split_storys_second_alert_is_a_duplicated_story_alert_not_a_stranger() -> None:
    expected = {"d1": article(1, alert=True), "d2": article(2, alert=True, copy_of=1)}
    indexed = {"d1": "d1", "d2": "d2"}  # the copy missed its original: a story of its own
    articles, stories = wanted_alerts(expected), wanted_story_alerts(indexed, expected)
    split = split_story_alerts(indexed, expected)
    rule_id = rule_id_for(STORY_RULE_NAME)
    assert stories == {keyed_alert_id(rule_id, "story", "d1"): "d1"}
    assert split == {keyed_alert_id(rule_id, "story", "d2"): "d2"}
    report = ChaosReport(ChaosParams())
    measure_alerts(report, [post(aid) for aid in [*articles, *stories, *split]], articles, stories, split)
    assert (report.duplicated_story_alerts, report.unexpected_alerts, report.duplicated) == (1, [], 1)
