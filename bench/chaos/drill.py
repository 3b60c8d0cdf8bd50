"""One chaos drill from start to end: serve the outlets, register feeds and the rule, start the workers,
publish the waves with a fault after each (poison planted halfway), drain, then measure.

A worker that exits by itself is restarted and noted, as compose's ``restart: unless-stopped`` would; a
kill -9 is the drill's own doing.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.broker import produce
from bench.chaos.articles import (
    RULE_NAME,
    RULE_QUERY,
    SECRET,
    STORY_RULE_NAME,
    Article,
    corpus,
    gazetteer_yaml,
    host_of_feed,
    outlet_name,
    rss,
)
from bench.chaos.cluster import CLUSTER_FAULTS
from bench.chaos.faults import OwnStack, inflict
from bench.chaos.hostile import NEVER, SITEMAP_CAP, hostile_articles, sitemap_bomb
from bench.chaos.measure import (
    ChaosReport,
    hostile_outcomes,
    measure_alerts,
    measure_articles,
    measure_hostile,
    measure_letters,
    measure_stories,
    progress,
    split_story_alerts,
    story_ids,
    wanted_alerts,
    wanted_story_alerts,
)
from bench.chaos.pauses import IndexingTimeline, longest_pauses
from bench.chaos.plan import (
    PAGE_POISON_OUTCOME,
    SCHEMA_POISON,
    SCHEMA_POISON_OUTCOME,
    ChaosParams,
    Poison,
    fault_plan,
    page_poison,
    plants_before,
    waves,
)
from bench.servers import Receiver, Site
from bench.workers import WORKERS, Workers
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.feeds import FeedStore, new_feed
from wirewatch.core.stores.rules import RuleStore, new_rule
from wirewatch.ops.observe import read_dead_letters, stage_status
from wirewatch.services.fetcher.urls import canonicalize, document_id

Say = Callable[[str], None]

#: what the workers run with: fast polling and refreshes so a drill takes minutes, and the drill's names
WORKER_ENV = {
    "WIREWATCH_FETCHER_MIN_DELAY_S": "0.05",
    "WIREWATCH_FETCHER_PER_HOST": "4",
    # the 50 outlets' names all resolve to one loopback address: give it the room of 50 hosts
    "WIREWATCH_FETCHER_PER_ADDRESS": "64",
    "WIREWATCH_FETCHER_ADDRESS_MIN_DELAY_S": "0",
    "WIREWATCH_FETCHER_REFRESH_S": "2",
    "WIREWATCH_ALERTER_CLAIM_S": "10",
    "WIREWATCH_ALERTER_BACKOFF_MAX_S": "5",
}


@dataclass
class Drill:
    """One run: the servers, the workers, and what was sent, so the end state can be checked."""

    settings: CommonSettings
    params: ChaosParams
    workdir: Path
    say: Say = print
    rng: random.Random = field(init=False)
    site: Site = field(default_factory=Site)
    receiver: Receiver = field(default_factory=Receiver)
    articles: list[Article] = field(default_factory=list)
    published: dict[int, list[tuple[str, str, datetime]]] = field(default_factory=dict)
    poison: list[Poison] = field(default_factory=list)
    hostile: dict[str, str] = field(default_factory=dict)  # hostile article → its document id
    sitemap_feed: str | None = None  # the feed id of the sitemap bomb
    sent: int = 0  # corpus articles published so far (poison and hostile items not counted)
    report: ChaosReport = field(init=False)
    workers: Workers = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.params.seed * 7919 + 1)
        self.report = ChaosReport(self.params)

    def url(self, feed: int, path: str) -> str:
        return f"http://{host_of_feed(feed)}:{self.site.port}{path}"

    def feed_path(self, feed: int) -> str:
        return f"/feeds/{host_of_feed(feed)}.xml"

    # setting up ------------------------------------------------------------------------------------------

    async def setup(self) -> None:
        await self.site.start()
        await self.receiver.start()
        self.articles = corpus(self.params.seed, self.params.articles, self.params.feeds, self.params.alert_share)
        for article in self.articles:
            self.site.put(article.path, article.html)
        for feed in range(self.params.feeds):
            self.published[feed] = []
            self._write_feed(feed)
        await self._register()
        env = WORKER_ENV | self._files()
        if self.params.ner_model:
            env["WIREWATCH_NER_MODEL"] = self.params.ner_model
        self.workers = Workers(self.settings, self.workdir / "logs", extra_env=env)
        self.workers.start(*WORKERS)

    def _files(self) -> dict[str, str]:
        """The hosts file that sends every outlet's name to loopback, and the gazetteer of known names."""
        hosts = self.workdir / "hosts"
        gazetteers = self.workdir / "gazetteers"
        gazetteers.mkdir(parents=True, exist_ok=True)
        (gazetteers / "chaos.yaml").write_text(gazetteer_yaml())
        names = " ".join(host_of_feed(f) for f in range(self.params.feeds))
        hosts.write_text(f"127.0.0.1 {names}\n")
        return {"WIREWATCH_FETCHER_HOSTS_FILE": str(hosts), "WIREWATCH_GAZETTEER_DIR": str(gazetteers)}

    async def _register(self) -> None:
        """Every outlet's feed, and the rule whose webhooks go to the receiver."""
        es = make_es(self.settings)
        try:
            store = FeedStore(es, self.settings.index_name("feeds"))
            await asyncio.gather(
                *(
                    store.add(new_feed(self.url(feed, self.feed_path(feed)), name=outlet_name(feed), interval_s=1.0))
                    for feed in range(self.params.feeds)
                )
            )
            rules = RuleStore(es, self.settings.index_name("rules"))
            hook = [self.receiver.url]
            await rules.put(new_rule(RULE_NAME, RULE_QUERY, webhooks=hook, secret=SECRET, per="article"))
            await rules.put(new_rule(STORY_RULE_NAME, RULE_QUERY, webhooks=hook, secret=SECRET, per="story"))
        finally:
            await es.close()

    def _write_feed(self, feed: int) -> None:
        body = rss(feed, f"http://{host_of_feed(feed)}:{self.site.port}", self.published[feed])
        self.site.put(self.feed_path(feed), body, "application/rss+xml")

    async def teardown(self) -> None:
        codes = self.workers.stop() if hasattr(self, "workers") else {}
        if any(code not in (0, -signal.SIGTERM) for code in codes.values()):
            self.say(f"workers stopped with {codes}")
        await self.site.stop()
        await self.receiver.stop()

    # the flow ------------------------------------------------------------------------------------------

    def publish(self, wave: Sequence[Article]) -> None:
        """Add a wave of articles to their feeds (newest first, as feeds list them)."""
        touched = set()
        for article in wave:
            self.published[article.feed].insert(
                0, (article.title, self.url(article.feed, article.path), article.published_at)
            )
            touched.add(article.feed)
        for feed in touched:
            self._write_feed(feed)
        self.sent += len(wave)

    async def plant(self) -> None:
        """Poisoned items in four feeds, and raw messages that fail their topic's schema."""
        tag = f"p{self.params.seed}"
        when = datetime(2026, 11, 18, 5, 0, tzinfo=UTC)
        for feed, (name, (path, body, content_type)) in enumerate(page_poison(tag).items()):
            self.site.put(path, body, content_type)
            url = self.url(feed, path)
            self.published[feed].insert(0, (f"Poison {name}", url, when))
            self._write_feed(feed)
            self.poison.append(
                Poison(name, "parser", PAGE_POISON_OUTCOME[name], item_id=document_id(canonicalize(url)))
            )
        for topic, stage, value in SCHEMA_POISON:
            key = f"poison-{topic}-{tag}-{self.settings.topic_prefix}"
            await produce(self.settings, topic, [value.replace(b"KEY", key.encode())], key=key)
            self.poison.append(Poison(f"schema-{topic}", stage, SCHEMA_POISON_OUTCOME, key=key))
        self.report.planted = self.poison
        await self.plant_hostile(tag, when)

    async def plant_hostile(self, tag: str, when: datetime) -> None:
        """The hardening issue's hostile articles in two feeds, and a feed that answers with a sitemap bomb
        listing articles already published, then URLs past the cap (:mod:`bench.chaos.hostile`)."""
        for feed, article in enumerate(hostile_articles(tag)):
            self.site.put(article.path, article.html)
            url = self.url(feed, article.path)
            self.published[feed].insert(0, (f"Hostile {article.name}", url, when))
            self._write_feed(feed)
            self.hostile[article.name] = document_id(canonicalize(url))
        published = [self.url(a.feed, a.path) for a in self.articles if self.published_url(a)]
        path = f"/feeds/{tag}-sitemap.xml"
        self.site.put(path, sitemap_bomb(published, self.url(0, "")), "application/xml")
        es = make_es(self.settings)
        try:
            feed_record = new_feed(self.url(0, path), name="Hostile sitemap", interval_s=30.0)
            await FeedStore(es, self.settings.index_name("feeds")).add(feed_record)
            self.sitemap_feed = feed_record.id
        finally:
            await es.close()

    def published_url(self, article: Article) -> bool:
        url = self.url(article.feed, article.path)
        return any(listed == url for _, listed, _ in self.published[article.feed])

    async def sitemap_outcome(self) -> str:
        """``capped at N`` once the sitemap bomb's feed health says so and no URL past the cap was asked
        for; otherwise what is wrong or still pending."""
        past_cap = sum(n for path, n in self.site.counts.items() if path.startswith(NEVER))
        if past_cap:
            return f"{past_cap} URLs past the cap requested"
        if self.sitemap_feed is None:
            return "not planted"
        es = make_es(self.settings)
        try:
            await es.indices.refresh(index=self.settings.index_name("feeds"))
            records = {r.feed.id: r for r in await FeedStore(es, self.settings.index_name("feeds")).all()}
        finally:
            await es.close()
        record = records.get(self.sitemap_feed)
        capped = record.health.items_capped_at if record else None
        if capped is None:
            return "pending"
        return f"capped at {capped} items (cap {SITEMAP_CAP}), none past it requested"

    async def hostile_pending(self) -> str:
        """What of the hostile inputs is still unresolved ('' when nothing is)."""
        if not self.hostile:
            return ""
        outcomes = await hostile_outcomes(self.settings, self.hostile, await read_dead_letters(self.settings))
        waiting = [name for name, how in outcomes.items() if how == "pending"]
        if (await self.sitemap_outcome()) == "pending":
            waiting.append("sitemap-bomb")
        return f"hostile inputs pending: {waiting}" if waiting else ""

    async def supervise(self, started: float) -> None:
        """Restart a worker that exited by itself and note it."""
        while True:
            for name, proc in list(self.workers.procs.items()):
                if proc.poll() is not None:
                    last = self.workers.log_tail(name, 1)[:200]
                    self.report.self_exits.append(
                        f"{name} exit {proc.returncode} at {time.monotonic() - started:.0f} s"
                    )
                    self.say(
                        f"[{time.monotonic() - started:6.1f} s] {name} exited by itself ({proc.returncode}): "
                        f"{last}; restarting it"
                    )
                    del self.workers.procs[name]
                    self.workers.start(name)
            await asyncio.sleep(1.0)

    async def warm_up(self, started: float) -> None:
        """The first faults hit a flowing pipeline, not workers still starting: wait for a first article."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            es = make_es(self.settings)
            try:
                if (await es.count(index=self.settings.index_name("articles"))).body["count"]:
                    break
            finally:
                await es.close()
            await asyncio.sleep(1.0)
        self.report.flowing_at = time.monotonic() - started
        self.say(f"[{self.report.flowing_at:6.1f} s] pipeline flowing")

    async def run(self, stack: OwnStack) -> ChaosReport:
        started = time.monotonic()
        supervisor = asyncio.create_task(self.supervise(started))
        timeline = IndexingTimeline(self.settings, list(self.expected_ids()), lambda: self.sent, started)
        sampler = asyncio.create_task(timeline.run())
        try:
            return await self._run(stack, started)
        finally:
            supervisor.cancel()
            sampler.cancel()
            # from the first article searchable on: the workers' start (loading the model) is no pause
            flowing = [sample for sample in timeline.samples if sample.at >= self.report.flowing_at]
            self.report.pauses = longest_pauses(flowing, 3)
            self.report.sampling = timeline.unanswered_line()

    async def _run(self, stack: OwnStack, started: float) -> ChaosReport:
        faults = fault_plan(self.params, self.rng, on_cluster=stack.cluster is not None)
        dealt = waves(self.articles, len(faults))
        self.say(f"plan: {len(self.articles)} articles in {len(dealt)} waves; faults {faults}")
        for number, fault in enumerate(faults):
            self.publish(dealt[number])
            if number == 0:
                await self.warm_up(started)
            if plants_before(number, len(faults)):
                await self.plant()
            await asyncio.sleep(self.rng.uniform(*self.params.gap_s))
            t0 = time.monotonic()
            if fault.startswith("kill:"):
                self.report.kills.append(fault.split(":", 1)[1])
            await inflict(fault, stack, self.workers, self.params, self.rng)
            self.report.windows.append((fault, t0 - started, time.monotonic() - started))
            self.say(f"[{time.monotonic() - started:6.1f} s] {fault} ({time.monotonic() - t0:.1f} s)")
            if stack.cluster is not None and fault in CLUSTER_FAULTS:
                self.say(f"  {stack.cluster.recoveries[-1].line()}")
            self.site.requests.clear()
        self.publish(dealt[-1])
        chaos_over = time.monotonic()
        self.say(f"[{chaos_over - started:6.1f} s] last wave published; draining")
        if await self.drained():
            self.report.drained_s = time.monotonic() - chaos_over
        await asyncio.sleep(self.params.settle_s)
        await self.measure()
        self.report.es_frozen_s, self.report.kafka_outage_s = stack.es_frozen_s, stack.kafka_outage_s
        self.report.recoveries = list(stack.cluster.recoveries) if stack.cluster else []
        self.report.total_s = time.monotonic() - started
        return self.report

    # the end state ---------------------------------------------------------------------------------------

    def expected_ids(self) -> dict[str, Article]:
        return {document_id(canonicalize(self.url(a.feed, a.path))): a for a in self.articles}

    async def drained(self) -> bool:
        """Poll until everything sent has arrived and no stage lags (:func:`progress`); False at the deadline."""
        deadline = time.monotonic() + self.params.drain_timeout_s
        expected = self.expected_ids()
        wanted = set(wanted_alerts(expected))
        last = ""
        while time.monotonic() < deadline:
            try:
                # a story alert is known once its articles are indexed with their story (read each time)
                stories = wanted_story_alerts(await story_ids(self.settings, expected), expected)
                received = self.receiver.received
                state = await progress(self.settings, len(self.articles), received, wanted | set(stories), self.poison)
            except Exception as exc:  # a service still recovering: look again
                state = f"not measurable yet ({type(exc).__name__}: {exc})"
            if state == "done":
                state = await self.hostile_pending() or "done"
            if state == "done":
                return True
            if state != last:
                self.say(f"  waiting: {state}")
                last = state
            await asyncio.sleep(2.0)
        return False

    async def measure(self) -> None:
        expected = self.expected_ids()
        self.report.articles = len(expected)
        hostile_ids = list(self.hostile.values())
        await measure_articles(self.settings, self.report, expected, hostile_ids)
        indexed = await story_ids(self.settings, expected, alerting_only=False)
        measure_stories(self.report, indexed, expected)
        stories = wanted_story_alerts(indexed, expected)
        split = split_story_alerts(indexed, expected)
        measure_alerts(self.report, self.receiver.received, wanted_alerts(expected), stories, split)
        letters = await read_dead_letters(self.settings)
        measure_letters(self.report, letters, self.poison, hostile_ids)
        outcomes = await hostile_outcomes(self.settings, self.hostile, letters)
        measure_hostile(self.report, self.hostile, outcomes, ("sitemap-bomb", await self.sitemap_outcome()))
        self.report.alive = self.workers.alive()
        self.report.lag = {s.stage: s.lag for s in await stage_status(self.settings)}


async def run_chaos(settings: CommonSettings, params: ChaosParams, workdir: Path, say: Say = print) -> ChaosReport:
    """The whole drill on the stack ``settings`` names (already initialised); see :mod:`bench.chaos`."""
    stack = OwnStack.of(settings)
    drill = Drill(settings, params, workdir, say)
    try:
        await drill.setup()
        return await drill.run(stack)
    finally:
        if drill.report.drained_s is None or drill.report.failures():
            for name in WORKERS:
                tail = drill.workers.log_tail(name, 15) if hasattr(drill, "workers") else ""
                say(f"--- {name} log (last lines) ---\n{tail}")
        await drill.teardown()
