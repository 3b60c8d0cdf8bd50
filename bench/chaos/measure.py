"""What a chaos drill counts once the faults are over: every article searchable once with its entities,
every alert delivered once and signed (one per matching article, one per story of the rule's subset), each
story of the corpus one story in the index (its wire copies under its ``story_id``, no two stories merged),
the dead-letter topic holding exactly the planted poison, every worker alive with no lag; and the report
that says it in figures and lists each broken promise.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench.chaos.articles import ALERT_ORG, RULE_NAME, SECRET, STORY_RULE_NAME, Article
from bench.chaos.cluster import Recovery
from bench.chaos.pauses import Pause
from bench.chaos.plan import HOSTILE_LETTERS, ChaosParams, Poison
from bench.workers import WORKERS
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.rules import rule_id_for
from wirewatch.ops.observe import read_dead_letters, stage_status
from wirewatch.schemas import DeadLetter, alert_id_for, keyed_alert_id
from wirewatch.services.alerter.signing import DELIVERY_HEADER, SIGNATURE_HEADER, verify

#: a fault that ended this long before a pause began is named beside it
CAUSE_WINDOW_S = 30.0

#: what a webhook receiver got: (body, headers) per POST
Received = Sequence[tuple[bytes, dict[str, str]]]


@dataclass
class ChaosReport:
    params: ChaosParams
    articles: int = 0
    kills: list[str] = field(default_factory=list)
    es_frozen_s: float = 0.0
    kafka_outage_s: float = 0.0
    lost_articles: list[str] = field(default_factory=list)
    duplicated_articles: int = 0
    unexpected_articles: int = 0
    entity_misses: list[str] = field(default_factory=list)
    alerts_expected: int = 0
    lost_alerts: list[str] = field(default_factory=list)
    duplicated_alerts: int = 0
    story_alerts_expected: int = 0
    stories: int = 0  # distinct stories of the corpus
    copies: int = 0  # articles that are wire copies of another
    split_stories: list[str] = field(default_factory=list)  # a story whose articles carry different story ids
    merged_stories: list[str] = field(default_factory=list)  # a story id carried by different stories
    lost_story_alerts: list[str] = field(default_factory=list)  # the story ids
    duplicated_story_alerts: int = 0
    unexpected_alerts: list[str] = field(default_factory=list)
    bad_signatures: int = 0
    planted: list[Poison] = field(default_factory=list)
    matched: dict[str, DeadLetter] = field(default_factory=dict)
    wrong_outcome: list[str] = field(default_factory=list)
    unexpected_letters: list[str] = field(default_factory=list)
    repeated_letters: int = 0
    self_exits: list[str] = field(default_factory=list)
    hostile: dict[str, str] = field(default_factory=dict)  # hostile input → how it ended
    hostile_failures: list[str] = field(default_factory=list)
    alive: dict[str, bool] = field(default_factory=dict)
    lag: dict[str, int] = field(default_factory=dict)
    drained_s: float | None = None
    total_s: float = 0.0
    windows: list[tuple[str, float, float]] = field(default_factory=list)  # fault, from, to (s since start)
    recoveries: list[Recovery] = field(default_factory=list)  # a cluster's node faults
    flowing_at: float = 0.0  # s since start when the first article was searchable
    pauses: list[Pause] = field(default_factory=list)  # the longest pauses in indexing while articles waited
    sampling: str = ""  # how the index counts behind the pauses went

    @property
    def longest_pause_s(self) -> float:
        return self.pauses[0].length if self.pauses else 0.0

    def pause_line(self) -> str:
        """The longest pauses, each with the faults during it or in the :data:`CAUSE_WINDOW_S` before it (a
        consumer group settles after a worker is back)."""
        if not self.pauses:
            return "longest pause in indexing: none"
        described = []
        for pause in self.pauses:
            near = [f for f, start, end in self.windows if start < pause.end and end > pause.start - CAUSE_WINDOW_S]
            span = f"{pause.start:.0f}–{pause.end:.0f} s"
            described.append(f"{pause.length:.1f} s ({span}; faults: {', '.join(near) or 'none'})")
        return f"longest pauses in indexing: {'; '.join(described)}"

    @property
    def lost(self) -> int:
        return len(self.lost_articles) + len(self.lost_alerts) + len(self.lost_story_alerts)

    @property
    def duplicated(self) -> int:
        return self.duplicated_articles + self.duplicated_alerts + self.duplicated_story_alerts

    def failures(self) -> list[str]:
        """Every broken promise, in words; empty when nothing was lost, duplicated or let in."""
        checks = [
            (self.lost_articles, f"articles not searchable: {self.lost_articles[:5]}"),
            (self.duplicated_articles, f"{self.duplicated_articles} duplicate article documents"),
            (self.unexpected_articles, f"{self.unexpected_articles} documents that are no article of ours"),
            (self.entity_misses, f"articles missing a known entity: {self.entity_misses[:5]}"),
            (self.lost_alerts, f"alerts never delivered: {self.lost_alerts[:5]}"),
            (self.duplicated_alerts, f"{self.duplicated_alerts} alerts delivered more than once"),
            (self.lost_story_alerts, f"stories whose alert never arrived: {self.lost_story_alerts[:5]}"),
            (self.duplicated_story_alerts, f"{self.duplicated_story_alerts} story alerts delivered more than once"),
            (
                self.unexpected_alerts,
                f"alerts for articles outside the rule's subset: {self.unexpected_alerts[:5]}",
            ),
            (self.bad_signatures, f"{self.bad_signatures} webhook signatures do not verify"),
            (self.split_stories, f"stories split in the index: {self.split_stories[:5]}"),
            (self.merged_stories, f"stories merged in the index: {self.merged_stories[:5]}"),
            (
                len(self.matched) != len(self.planted),
                f"planted poison not dead-lettered: {sorted({p.name for p in self.planted} - set(self.matched))}",
            ),
            (self.wrong_outcome, f"poison dead-lettered with the wrong outcome: {self.wrong_outcome}"),
            (self.unexpected_letters, f"dead letters nobody planted: {self.unexpected_letters[:5]}"),
            (self.hostile_failures, f"hostile inputs not dealt with in bounds: {self.hostile_failures}"),
            (not all(self.alive.values()), f"workers not alive at the end: {self.alive}"),
            (any(self.lag.values()), f"lag left at the end: {self.lag}"),
            (self.drained_s is None, f"did not drain within {self.params.drain_timeout_s:.0f} s"),
            (len(self.kills) < 3 or set(self.kills) != set(WORKERS), f"kills: {self.kills}"),
            (
                [r for r in self.recoveries if r.replicated_s is None],
                f"not fully replicated again: {[r.node for r in self.recoveries if r.replicated_s is None]}",
            ),
        ]
        return [message for broken, message in checks if broken]

    def lines(self) -> list[str]:
        kills = Counter(self.kills)
        drained = f"{self.drained_s:.1f}" if self.drained_s is not None else "never"
        return [
            f"seed {self.params.seed}: {self.articles} articles on {self.params.feeds} feeds, "
            f"{self.alerts_expected} alerts and {self.story_alerts_expected} story alerts expected, "
            f"{len(self.planted)} poison planted",
            f"stories: {self.stories} ({self.copies} articles are wire copies), split {len(self.split_stories)}, "
            f"merged {len(self.merged_stories)}",
            f"kills (kill -9): {len(self.kills)} — " + ", ".join(f"{w} {kills[w]}" for w in WORKERS),
            *(
                [f"cluster: {recovery.line()}" for recovery in self.recoveries]
                or [f"outages: Elasticsearch frozen {self.es_frozen_s:.1f} s, Kafka away {self.kafka_outage_s:.1f} s"]
            ),
            self.pause_line(),
            *([self.sampling] if self.sampling else []),
            f"articles: lost {len(self.lost_articles)}, duplicated {self.duplicated_articles}, "
            f"foreign {self.unexpected_articles}, missing entities {len(self.entity_misses)}",
            f"alerts: lost {len(self.lost_alerts)}, duplicated {self.duplicated_alerts}, "
            f"unexpected {len(self.unexpected_alerts)}, bad signatures {self.bad_signatures}",
            f"story alerts: lost {len(self.lost_story_alerts)}, duplicated {self.duplicated_story_alerts}",
            "dead letters: "
            + ", ".join(
                f"{p.name}→{self.matched[p.name].stage}/{self.matched[p.name].error_class}"
                if p.name in self.matched
                else f"{p.name}→MISSING"
                for p in self.planted
            )
            + f"; repeated {self.repeated_letters}, unplanted {len(self.unexpected_letters)}",
            "hostile inputs: " + (", ".join(f"{name} → {how}" for name, how in self.hostile.items()) or "none"),
            f"workers that exited by themselves (restarted, as compose's restart policy would): "
            f"{len(self.self_exits)} {self.self_exits}",
            f"workers alive: {self.alive}; lag: {self.lag}",
            f"total {self.total_s:.0f} s",
            f"chaos: articles {self.articles}, lost {self.lost}, duplicated {self.duplicated}, dead-lettered "
            f"{len(self.matched)} of {len(self.planted)} planted, drained in {drained} s",
        ]


def wanted_alerts(expected: Mapping[str, Article]) -> dict[str, str]:
    """alert id → article id, for the rule's subset of the expected articles (by document id)."""
    rule_id = rule_id_for(RULE_NAME)
    return {alert_id_for(rule_id, doc_id): doc_id for doc_id, a in expected.items() if a.alert}


def wanted_story_alerts(stories: Mapping[str, str], expected: Mapping[str, Article]) -> dict[str, str]:
    """alert id → story id: one alert of the per-story rule per story of the corpus in the rule's subset (its
    wire copies share it), keyed by the ``story_id`` the index gave the story's earliest indexed article
    (``stories``: document id → indexed ``story_id``), else by its original's document id."""
    rule_id = rule_id_for(STORY_RULE_NAME)
    first: dict[int, str] = {}
    indexed: dict[int, str] = {}
    for doc_id, article in sorted(expected.items(), key=lambda item: item[1].number):
        if article.alert:
            first.setdefault(article.story, doc_id)
            if stories.get(doc_id):
                indexed.setdefault(article.story, stories[doc_id])
    chosen = [indexed.get(story, doc_id) for story, doc_id in first.items()]
    return {keyed_alert_id(rule_id, "story", story_id): story_id for story_id in chosen}


def split_story_alerts(stories: Mapping[str, str], expected: Mapping[str, Article]) -> dict[str, str]:
    """alert id → story id of the per-story rule's alerts for a story id that is not the one
    :func:`wanted_story_alerts` expects of its story: a story the index split alerts again, which an analyst
    sees as the same story announced twice (counted as a duplicated story alert)."""
    rule_id = rule_id_for(STORY_RULE_NAME)
    wanted = wanted_story_alerts(stories, expected)
    every = {stories[d] for d, article in expected.items() if article.alert and stories.get(d)}
    extra = {keyed_alert_id(rule_id, "story", story_id): story_id for story_id in every}
    return {alert_id: story_id for alert_id, story_id in extra.items() if alert_id not in wanted}


def measure_stories(report: ChaosReport, stories: Mapping[str, str], expected: Mapping[str, Article]) -> None:
    """Whether the index told the corpus's stories apart as they were written: every article of a story
    (original and wire copies) with one ``story_id``, and no ``story_id`` shared by two stories."""
    report.stories = len({article.story for article in expected.values()})
    report.copies = sum(1 for article in expected.values() if article.copy_of is not None)
    ids_of: dict[int, set[str]] = {}
    for doc_id, article in expected.items():
        if stories.get(doc_id):
            ids_of.setdefault(article.story, set()).add(stories[doc_id])
    owners: dict[str, set[int]] = {}
    for story, ids in ids_of.items():
        for story_id in ids:
            owners.setdefault(story_id, set()).add(story)
    report.split_stories = [f"{story} → {sorted(ids)}" for story, ids in sorted(ids_of.items()) if len(ids) > 1]
    report.merged_stories = [
        f"{sorted(owned)} → {story_id}" for story_id, owned in sorted(owners.items()) if len(owned) > 1
    ]


async def story_ids(
    settings: CommonSettings, expected: Mapping[str, Article], *, alerting_only: bool = True
) -> dict[str, str]:
    """document id → ``story_id`` of the indexed articles (of the rule's subset only, unless
    ``alerting_only`` is false)."""
    ids = [doc_id for doc_id, article in expected.items() if article.alert or not alerting_only]
    if not ids:
        return {}
    es = make_es(settings)
    try:
        found = await es.options(ignore_status=404).mget(
            index=settings.index_name("articles"), ids=ids, source_includes=["story_id"]
        )
    finally:
        await es.close()
    return {
        d["_id"]: d["_source"]["story_id"]
        for d in found.body["docs"]
        if d.get("found") and d["_source"].get("story_id")
    }


def alert_id_of(body: bytes, headers: Mapping[str, str]) -> str:
    """The alert a webhook POST delivered: its body's ``alert_id``, else the delivery header."""
    try:
        return str(json.loads(body)["alert_id"])
    except (ValueError, KeyError, TypeError):
        return headers.get(DELIVERY_HEADER, "?")


def letter_matches(poison: Poison, letter: DeadLetter) -> bool:
    """Whether ``letter`` is the dead letter of ``poison``: by item id, else by key, else by the key inside
    the original payload."""
    if poison.item_id is not None:
        return letter.item_id == poison.item_id or letter.key == poison.item_id
    if letter.key == poison.key:
        return True
    return poison.key is not None and poison.key.encode() in base64.b64decode(letter.payload_b64)


async def progress(
    settings: CommonSettings, articles: int, received: Received, alerts: set[str], poison: Sequence[Poison]
) -> str:
    """``"done"`` once every article is searchable, every alert arrived, all poison is dead-lettered and no
    stage lags; otherwise how far each has got."""
    es = make_es(settings)
    try:
        count = (await es.count(index=settings.index_name("articles"))).body["count"]
    finally:
        await es.close()
    arrived = {alert_id_of(body, headers) for body, headers in received}
    letters = await read_dead_letters(settings)
    matched = sum(1 for p in poison if any(letter_matches(p, d) for d in letters))
    lag = {s.stage: s.lag for s in await stage_status(settings)}
    if count >= articles and alerts <= arrived and matched == len(poison) and not any(lag.values()):
        return "done"
    return (
        f"searchable {count}/{articles}, alerts {len(arrived & alerts)}/"
        f"{len(alerts)}, poison {matched}/{len(poison)}, lag {lag}"
    )


async def measure_articles(
    settings: CommonSettings, report: ChaosReport, expected: Mapping[str, Article], hostile: Sequence[str] = ()
) -> None:
    """Lost, duplicated (by id and by URL) and foreign documents (the ``hostile`` articles' ids are neither
    expected nor foreign: :func:`measure_hostile` judges them), and documents missing a known entity."""
    es = make_es(settings)
    try:
        response = await es.search(
            index=settings.index_name("articles"),
            size=len(expected) + 1000,
            query={"match_all": {}},
            source_includes=["id", "url", "persons", "organizations", "locations"],
        )
    finally:
        await es.close()
    docs = [hit["_source"] for hit in response.body["hits"]["hits"]]
    per_id = Counter(doc["id"] for doc in docs)
    per_url = Counter(doc["url"] for doc in docs)
    report.lost_articles = sorted(set(expected) - set(per_id))
    report.duplicated_articles = sum(n - 1 for n in per_id.values()) + sum(n - 1 for n in per_url.values())
    report.unexpected_articles = sum(1 for doc_id in per_id if doc_id not in expected and doc_id not in hostile)
    for doc in docs:
        article = expected.get(doc["id"])
        if article is None:
            continue
        found = (
            article.person in doc.get("persons", []),
            article.org in doc.get("organizations", []),
            article.place in doc.get("locations", []),
            (ALERT_ORG in doc.get("organizations", [])) == article.alert,
        )
        if not all(found):
            report.entity_misses.append(f"{doc['id']} {found}")


def measure_alerts(
    report: ChaosReport,
    received: Received,
    wanted: Mapping[str, str],
    stories: Mapping[str, str] | None = None,
    split: Mapping[str, str] | None = None,
) -> None:
    """Lost, duplicated and unexpected alerts (per-article ones in ``wanted``, story alerts in ``stories``,
    each counted apart: a story alert posted twice is a duplicate like any, and so is one for the second story
    id of a story the index split, ``split``: :func:`split_story_alerts`), and webhook signatures that do not
    verify."""
    stories = stories or {}
    split = split or {}
    per_alert: Counter[str] = Counter()
    for body, headers in received:
        per_alert[alert_id_of(body, headers)] += 1
        if not verify(body, SECRET, headers.get(SIGNATURE_HEADER)):
            report.bad_signatures += 1
    report.alerts_expected = len(wanted)
    report.lost_alerts = sorted(set(wanted) - set(per_alert))
    report.duplicated_alerts = sum(n - 1 for aid, n in per_alert.items() if aid not in stories)
    report.story_alerts_expected = len(stories)
    report.lost_story_alerts = sorted(story for aid, story in stories.items() if aid not in per_alert)
    report.duplicated_story_alerts = sum(n - 1 for aid, n in per_alert.items() if aid in stories)
    report.duplicated_story_alerts += sum(n for aid, n in per_alert.items() if aid in split)
    report.unexpected_alerts = sorted(set(per_alert) - set(wanted) - set(stories) - set(split))


def measure_letters(
    report: ChaosReport, letters: Sequence[DeadLetter], poison: Sequence[Poison], hostile: Sequence[str] = ()
) -> None:
    """Which dead letter each poison produced (and whether with the right stage and label), poison
    dead-lettered more than once, and dead letters nobody planted (a ``hostile`` article's is judged by
    :func:`measure_hostile`)."""
    used: set[int] = {i for i, d in enumerate(letters) if d.item_id in hostile or d.key in hostile}
    for planted in poison:
        mine = [i for i, d in enumerate(letters) if letter_matches(planted, d)]
        report.repeated_letters += max(len(mine) - 1, 0)  # a replayed batch may dead-letter it again
        if mine:
            letter = letters[mine[0]]
            report.matched[planted.name] = letter
            right = (letter.stage, letter.error_class) == (planted.stage, planted.error_class)
            if not right or not letter.reason:
                report.wrong_outcome.append(
                    f"{planted.name}: {letter.stage}/{letter.error_class} {letter.reason[:120]!r}"
                )
        used.update(mine)
    report.unexpected_letters = [
        f"{d.stage}/{d.error_class} item={d.item_id} key={d.key}: {d.reason[:160]}"
        for i, d in enumerate(letters)
        if i not in used
    ]


async def hostile_outcomes(
    settings: CommonSettings, articles: Mapping[str, str], letters: Sequence[DeadLetter]
) -> dict[str, str]:
    """How each hostile article (name → document id) ended: ``indexed`` (with the caps that applied),
    ``dead-lettered <class>``, or ``pending``."""
    es = make_es(settings)
    try:
        found = await es.options(ignore_status=404).mget(
            index=settings.index_name("articles"), ids=list(articles.values()), source_includes=["ner_skipped_reason"]
        )
    finally:
        await es.close()
    indexed = {doc["_id"]: doc["_source"].get("ner_skipped_reason") for doc in found.body["docs"] if doc["found"]}
    outcomes = {}
    for name, doc_id in articles.items():
        letter = next((d for d in letters if doc_id in (d.item_id, d.key)), None)
        if doc_id in indexed:
            outcomes[name] = f"indexed ({indexed[doc_id] or 'within every cap'})"
        elif letter is not None:
            outcomes[name] = f"dead-lettered {letter.error_class}"
        else:
            outcomes[name] = "pending"
    return outcomes


def measure_hostile(
    report: ChaosReport, articles: Mapping[str, str], outcomes: Mapping[str, str], sitemap: tuple[str, str]
) -> None:
    """Record ``outcomes`` (from :func:`hostile_outcomes`) and the sitemap bomb's (its name and how it
    ended); every hostile article indexed or dead-lettered within its budget, the sitemap capped."""
    report.hostile = {**outcomes, sitemap[0]: sitemap[1]}
    for name, how in outcomes.items():
        allowed = how.startswith("indexed") or how.removeprefix("dead-lettered ") in HOSTILE_LETTERS
        if not allowed:
            report.hostile_failures.append(f"{name} ({articles[name]}): {how}")
    if not sitemap[1].startswith("capped"):
        report.hostile_failures.append(f"{sitemap[0]}: {sitemap[1]}")
