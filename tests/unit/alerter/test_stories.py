"""Per-story rules, the pure part (issue 16, item 2): which copy fires, what joins the story alert, and the
``story_grew`` follow-up's id and threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wirewatch.core.stores.rules import new_rule
from wirewatch.schemas import Alert, Rule, alert_id_for, keyed_alert_id
from wirewatch.services.alerter.matching import Match
from wirewatch.services.alerter.stories import (
    STORY_ARTICLES_KEPT,
    Members,
    grew_alerts,
    merged,
    plan,
    story_alert,
    to_join,
)

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
BY_STORY = new_rule("by-story", "truce", per="story", grew_at_sources=3)
BY_ARTICLE = new_rule("by-article", "truce", per="article")


def hit(rule: Rule, article: str, story: str | None, source: str, minutes: int = 0) -> Match:
    alert = Alert(
        alert_id=alert_id_for(rule.id, article),
        rule_id=rule.id,
        rule_name=rule.name,
        matched_at=T0,
        article_id=article,
        url=f"https://{source}.example/{article}",
        published_at=T0 + timedelta(minutes=minutes),
        source=source,
        story_id=story,
    )
    return Match(rule, alert)


def test_three_copies_make_one_story_alert_fired_by_the_earliest_and_three_article_alerts() -> None:
    matches = [
        hit(BY_STORY, "a2", "s1", "wire", minutes=5),
        hit(BY_STORY, "a1", "s1", "herald", minutes=1),
        hit(BY_STORY, "a3", "s1", "gazette", minutes=9),
        *(hit(BY_ARTICLE, a, "s1", "x") for a in ("a1", "a2", "a3")),
    ]
    result = plan(matches)
    stories = [a for a in result.alerts if a.kind == "story"]
    assert len(result.alerts) == 4 and len(stories) == 1
    assert result.alerts[0].kind == "story"  # where its first copy matched: it queues among, not behind, the rest
    [story] = stories
    assert story.alert_id == keyed_alert_id(BY_STORY.id, "story", "s1")
    assert (story.article_id, story.article_ids, story.sources) == ("a1", ["a1"], ["herald"])
    assert result.joins[story.alert_id] == Members(["a1", "a2", "a3"], ["herald", "wire", "gazette"])
    # born in this batch with two more copies: they join it; a story of one copy has nothing to join
    assert to_join(result, [story]) == result.joins
    single = plan([hit(BY_STORY, "b1", "s2", "wire")])
    assert to_join(single, single.alerts) == {}
    # seen before (a later copy, a replay): it joins whatever the ledger holds
    assert to_join(single, []) == single.joins


def test_an_article_without_a_story_is_its_own() -> None:
    story = story_alert(hit(BY_STORY, "a9", None, "wire").alert)
    assert story.story_id == "a9" and story.alert_id == keyed_alert_id(BY_STORY.id, "story", "a9")


def test_merge_adds_only_what_is_new_and_caps_the_ids() -> None:
    assert merged(["a1"], ["wire"], Members(["a1"], ["wire"])) is None
    assert merged(["a1"], ["wire"], Members(["a2", "a1"], ["wire", "herald"])) == Members(
        ["a1", "a2"], ["wire", "herald"]
    )
    full = [f"a{n}" for n in range(STORY_ARTICLES_KEPT)]
    grown = merged(full, ["wire"], Members(["late"], ["herald"]))
    assert grown is not None and len(grown.article_ids) == STORY_ARTICLES_KEPT
    assert grown.sources == ["wire", "herald"]  # the ids are capped, the sources still count


def test_grew_fires_at_the_threshold_with_an_id_keyed_on_rule_story_and_number() -> None:
    story = story_alert(hit(BY_STORY, "a1", "s1", "herald").alert)
    two = story.model_copy(update={"sources": ["herald", "wire"]})
    three = story.model_copy(update={"sources": ["herald", "wire", "gazette"]})
    rules = {BY_STORY.id: BY_STORY}
    assert grew_alerts([two], rules, T0) == []
    [grew] = grew_alerts([three], rules, T0)
    assert grew.kind == "story_grew" and grew.sources == three.sources
    assert grew.alert_id == keyed_alert_id(BY_STORY.id, "story_grew", "s1", "3")
    # the same id however often the threshold is seen (replays, a fourth source)
    four = three.model_copy(update={"sources": [*three.sources, "post"]})
    assert [a.alert_id for a in grew_alerts([four], rules, T0 + timedelta(hours=1))] == [grew.alert_id]
    # no threshold, no follow-up
    plain = BY_STORY.model_copy(update={"grew_at_sources": None})
    assert grew_alerts([four], {plain.id: plain}, T0) == []


def test_a_slack_follow_up_says_the_story_grew() -> None:
    from wirewatch.services.alerter.bodies import slack_alert

    story = story_alert(hit(BY_STORY, "a1", "s1", "herald").alert)
    three = story.model_copy(update={"sources": ["herald", "wire", "gazette"]})
    [grew] = grew_alerts([three], {BY_STORY.id: BY_STORY}, T0)
    assert "story now from 3 sources: <https://herald.example/a1|" in slack_alert(grew, BY_STORY)["text"]
    assert "story now" not in slack_alert(story, BY_STORY)["text"]
