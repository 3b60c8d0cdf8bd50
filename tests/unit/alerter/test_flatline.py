"""Flatline rules without a cluster (issue 16, item 3): silent for the window fires, an item inside it does
not, one silence is one alert id (a restart computes the same), a new silence a new one; the tick follows
the shortest window and stays cheap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from wirewatch.core.stores.rules import new_rule
from wirewatch.schemas import FlatlineSpec, Rule
from wirewatch.services.alerter.flatline import MAX_TICK_S, MIN_TICK_S, FlatlineWatch, tick_s

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@dataclass
class Response:
    body: dict[str, Any]


class FakeES:
    """Answers the newest-item multi-search with ``newest`` (one per search) and the feeds ``mget``."""

    def __init__(self, newest: list[datetime | None], feeds: dict[str, dict[str, Any]] | None = None) -> None:
        self.newest = newest
        self.feeds = feeds or {}
        self.searches = 0

    async def msearch(self, searches: list[dict[str, Any]]) -> Response:
        self.searches += 1
        answers = [
            {"aggregations": {"newest": {"value": None if at is None else at.timestamp() * 1000}}} for at in self.newest
        ]
        return Response({"responses": answers})

    def options(self, **_: Any) -> FakeES:
        return self

    async def mget(self, index: str, ids: list[str], source_includes: list[str]) -> Response:
        docs = [{"_id": i, "found": i in self.feeds, "_source": self.feeds.get(i, {})} for i in ids]
        return Response({"docs": docs})


def flat(name: str, window_s: float, feed_id: str | None = None, created: datetime = NOW) -> Rule:
    rule = new_rule(
        name, "*" if feed_id else "truce", kind="flatline", flatline=FlatlineSpec(feed_id=feed_id, window_s=window_s)
    )
    return rule.model_copy(update={"created_at": created})


def watch(es: FakeES, now: datetime = NOW) -> FlatlineWatch:
    async def nothing(_: Any) -> None:
        return None

    async def no_rules() -> list[Rule]:
        return []

    return FlatlineWatch(es, articles="a", feeds="f", rules=no_rules, fire=nothing, clock=lambda: now)  # type: ignore[arg-type]


async def test_a_query_silent_for_its_window_fires_once_per_silence() -> None:
    rule = flat("quiet query", 3600)
    last = NOW - timedelta(hours=2)
    [match] = await watch(FakeES([last])).check([rule])
    assert match.alert.kind == "flatline" and match.alert.count == 0
    assert match.alert.window_start == last and match.alert.window_end == NOW
    # later in the same silence (or another replica, or after a restart): the same alert id
    [again] = await watch(FakeES([last]), NOW + timedelta(minutes=30)).check([rule])
    assert again.alert.alert_id == match.alert.alert_id
    # items came, then silence again: a new alert
    [next_one] = await watch(FakeES([NOW]), NOW + timedelta(hours=2)).check([rule])
    assert next_one.alert.alert_id != match.alert.alert_id


async def test_an_item_inside_the_window_keeps_it_quiet() -> None:
    assert await watch(FakeES([NOW - timedelta(minutes=59)])).check([flat("q", 3600)]) == []


async def test_nothing_ever_counts_from_the_feed_added_or_the_rule_created() -> None:
    feed_rule = flat("feed", 3600, feed_id="f1", created=NOW)
    feeds = {"f1": {"added_at": (NOW - timedelta(hours=3)).isoformat(), "last_error_class": "http_status"}}
    [match] = await watch(FakeES([None], feeds)).check([feed_rule])
    assert match.alert.window_start == NOW - timedelta(hours=3)
    assert "f1" in (match.alert.title or "") and "http_status" in (match.alert.snippet or "")
    # a query rule created half an hour ago is not silent yet
    assert await watch(FakeES([None])).check([flat("new", 3600, created=NOW - timedelta(minutes=30))]) == []


async def test_other_kinds_are_not_checked() -> None:
    es = FakeES([])
    assert await watch(es).check([new_rule("m", "truce"), new_rule("s", "x", kind="spike")]) == []
    assert es.searches == 0


def test_the_tick_is_a_quarter_of_the_shortest_window_within_bounds() -> None:
    assert tick_s([flat("a", 8), flat("b", 3600)]) == 2
    assert tick_s([flat("a", 1)]) == MIN_TICK_S
    assert tick_s([flat("a", 6 * 3600)]) == MAX_TICK_S
    assert tick_s([]) == MAX_TICK_S
