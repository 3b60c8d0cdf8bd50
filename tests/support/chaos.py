"""Chaos drills: a synthetic news corpus on 50 local feeds, poison planted among it, and faults while it
flows — kill -9 of every worker, a frozen Elasticsearch (SIGSTOP), a restarted Kafka broker — then what
arrived is counted against what was sent. Used by ``tests/chaos/test_chaos.py`` and ``bench/chaos.py``.

Never point this at a stack other people use: it SIGSTOPs Elasticsearch and restarts Kafka. The servers
are found only through the pid files ``deploy/stack.sh`` writes under ``WIREWATCH_STATE_DIR`` (each pid
checked against its command line, as the script does), and the checkout's default state dir is refused.

    corpus ──► Site (feeds, pages) ──► 5 workers ──► Elasticsearch / Receiver (webhooks) / deadletters
                    chaos plan: waves of articles, each followed by one fault
    measure: searchable once each with entities · alerts once each, signed · dead letters = planted poison
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wirewatch.schemas import DeadLetter, alert_id_for
from wirewatch.services.alerter.rules import RuleStore, new_rule
from wirewatch.services.alerter.signing import DELIVERY_HEADER, SIGNATURE_HEADER, verify
from wirewatch.services.fetcher.store import FeedStore, new_feed
from wirewatch.services.fetcher.urls import canonicalize, document_id

from tests.support.kafka import produce
from tests.support.servers import Receiver, Site
from tests.support.workers import Workers
from wirewatch.core.es import make_es
from wirewatch.core.settings import REPO_ROOT, CommonSettings
from wirewatch.ops.observe import read_dead_letters, stage_status

WORKERS = ("fetcher", "parser", "extractor", "indexer", "alerter")
SECRET = "chaos-signing-secret"
RULE_NAME = "chaos-meridian"
ALERT_ORG = "Meridian Watch Group"
Say = Callable[[str], None]


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


# 1. The corpus -----------------------------------------------------------------------------------------

PERSONS = [
    "Amira Haddad",
    "Tomas Lindqvist",
    "Nadia Okafor",
    "Hamid Rezaei",
    "Clara Montenegro",
    "Yusuf Demir",
    "Ingrid Solberg",
    "Karim Benali",
    "Leila Navarro",
    "Piotr Kowalczyk",
    "Samira Toure",
    "Daniel Achterberg",
    "Rania Farouk",
    "Mateo Quispe",
    "Hana Kobayashi",
    "Olumide Adeyemi",
    "Elena Vasquez",
    "Farid Mansour",
    "Greta Holm",
    "Tariq Siddiqui",
]
ORGS = [
    "Northwind Consortium",
    "Blue Delta Shipping",
    "Caspian Grain Board",
    "Harbor Relief Alliance",
    "Eastgate Mining Corporation",
    "Solace Medical Trust",
    "Orion Freight Union",
    "Red Cedar Bank",
    "Atlas Water Authority",
    "Veridian Power Company",
    "Southern Rail Syndicate",
    "Kestrel Telecom",
]
PLACES = [
    "Port Halden",
    "Varosha Bay",
    "Tel Meskene",
    "Qaryat Sarim",
    "Dunmore Ridge",
    "Kessra Valley",
    "Nova Brana",
    "Ostrel Harbour",
    "Zamira Plain",
    "Lake Ivrea",
]
SUBJECTS = [
    "fuel prices",
    "the water network",
    "grain exports",
    "the port expansion",
    "power cuts",
    "the rail corridor",
    "border crossings",
    "flood defences",
    "hospital funding",
    "fishing quotas",
    "the mining licence",
    "telecom outages",
    "housing repairs",
    "the customs regime",
]
VERBS = ["suspend", "expand", "review", "restore", "audit", "renegotiate", "postpone", "fund"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
OUTLETS = [
    "Courier",
    "Ledger",
    "Dispatch",
    "Herald",
    "Observer",
    "Gazette",
    "Sentinel",
    "Tribune",
    "Post",
    "Wire",
]


@dataclass(frozen=True)
class Article:
    number: int
    feed: int
    path: str
    title: str
    person: str
    org: str
    place: str
    alert: bool
    published_at: datetime
    html: str


def host_of_feed(feed: int) -> str:
    return f"outlet{feed:02d}.chaos.test"


def outlet_name(feed: int) -> str:
    return f"The {PLACES[feed % len(PLACES)].split()[0]} {OUTLETS[feed % len(OUTLETS)]} {feed:02d}"


def corpus(seed: int, count: int, feeds: int, alert_share: float) -> list[Article]:
    """``count`` distinct articles, each naming one known person, organisation and place; a seeded
    ``alert_share`` of them name :data:`ALERT_ORG` too (the rule's subset), the others never do."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
    articles = []
    for number in range(count):
        person, org, place = rng.choice(PERSONS), rng.choice(ORGS), rng.choice(PLACES)
        subject, verb = rng.choice(SUBJECTS), rng.choice(VERBS)
        alert = rng.random() < alert_share
        title = f"{org} to {verb} {subject} in {place} (report {number})"
        slug = f"{verb}-{subject.replace(' ', '-')}-{number}"
        published = start + timedelta(minutes=7 * number)
        paragraphs = _paragraphs(rng, number, person, org, place, subject, verb, alert, published)
        html = _page(outlet_name(number % feeds), title, published, paragraphs)
        articles.append(
            Article(
                number,
                number % feeds,
                f"/{published:%Y/%m/%d}/{slug}.html",
                title,
                person,
                org,
                place,
                alert,
                published,
                html,
            )
        )
    return articles


def _paragraphs(
    rng: random.Random,
    number: int,
    person: str,
    org: str,
    place: str,
    subject: str,
    verb: str,
    alert: bool,
    published: datetime,
) -> list[str]:
    day, figure, share = DAYS[published.weekday()], rng.randint(120, 98_000), rng.randint(3, 97)
    other = rng.choice([s for s in SUBJECTS if s != subject])
    text = [
        f"{place.upper()} — {person} said on {day} that {org} would {verb} {subject} in {place} before the "
        f"end of the month, after {figure:,} residents signed a petition about the issue.",
        f"Speaking to reporters outside the municipal offices in {place}, {person} said the decision "
        f"followed "
        f"weeks of talks and that about {share} percent of the budget for {other} would be moved as well.",
        f"{org} confirmed the plan in a short statement and said its engineers had finished an assessment "
        f"of {subject}. Local councillors asked for the full document, number {number}, to be published.",
        f"Critics said the timetable was unrealistic. Traders in the old market of {place} said they had "
        f"heard such promises before and would judge {org} on what happened in the coming weeks.",
    ]
    if alert:
        text.insert(
            2,
            f"Observers from the {ALERT_ORG} said they would monitor how {org} carried out the "
            f"plan and report on {subject} every quarter.",
        )
    middle = text[1:-1]
    rng.shuffle(middle)
    return [text[0], *middle, text[-1]]


def _page(outlet: str, title: str, published: datetime, paragraphs: Sequence[str]) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | {outlet}</title>
<meta property="og:site_name" content="{outlet}">
<meta property="article:published_time" content="{published.isoformat()}"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/business">Business</a>
<a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all</div>
<article><h1>{title}</h1>
{body}
</article>
<aside class="related"><h3>Most read</h3><ul><li><a href="/a">Weather warning for the weekend</a></li>
<li><a href="/b">Council approves new bus routes</a></li></ul></aside>
<footer>© 2026 {outlet}. All rights reserved.</footer></body></html>"""


def rss(feed: int, base: str, items: Sequence[tuple[str, str, datetime]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{url}</link><guid>{url}</guid>"
        f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>"
        for title, url, when in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{outlet_name(feed)}'
        f"</title><link>{base}/</link><description>chaos drill</description>{entries}</channel></rss>"
    )


def gazetteer_yaml() -> str:
    """The known entities as an analyst's watchlist, so what must be found does not hang on the model."""
    lines = ["entries:"]
    for names, kind in ((PERSONS, "PERSON"), ([*ORGS, ALERT_ORG], "ORG"), (PLACES, "LOC")):
        lines += [f"  - name: {name}\n    type: {kind}" for name in names]
    return "\n".join(lines) + "\n"


# 2. Poison --------------------------------------------------------------------------------------------

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


PAGE_POISON_OUTCOME = {
    "pdf-as-html": "not_html",
    "empty-200": "empty_page",
    "deep-nesting": "pathological",
    "not-html": "not_html",
}


# 3. The stack of one's own ------------------------------------------------------------------------------


class NotOwnStack(RuntimeError):
    """The stack cannot be identified as one this drill may freeze and restart."""


@dataclass
class OwnStack:
    """The Kafka and Elasticsearch ``deploy/stack.sh`` runs for one state dir, found by its pid files."""

    settings: CommonSettings
    kafka_outage_s: float = 0.0
    es_frozen_s: float = 0.0

    @property
    def state(self) -> Path:
        return Path(self.settings.state_dir).resolve()

    @classmethod
    def of(cls, settings: CommonSettings) -> OwnStack:
        stack = cls(settings)
        if stack.state == (REPO_ROOT / ".wirewatch").resolve():
            raise NotOwnStack(
                f"{stack.state} is the checkout's shared stack; start your own with "
                "deploy/stack.sh and another WIREWATCH_STATE_DIR and ports"
            )
        stack.kafka_pid()
        stack.es_pid()
        return stack

    def _pid(self, pidfile: Path, needle: str) -> int:
        try:
            pid = int(pidfile.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode() + " "
        except (OSError, ValueError) as exc:
            raise NotOwnStack(f"no running server for {pidfile}: {exc}") from exc
        if needle not in cmdline:
            raise NotOwnStack(f"pid {pid} in {pidfile} is not the server of {self.state}")
        return pid

    def kafka_pid(self) -> int:
        return self._pid(self.state / "kafka.pid", f"kafka.Kafka {self.state}/kafka/server.properties ")

    def es_pid(self) -> int:
        return self._pid(
            self.state / "elasticsearch" / "elasticsearch.pid",
            f"-Djava.io.tmpdir={self.state}/elasticsearch/tmp ",
        )

    async def freeze_es(self, seconds: float) -> None:
        """SIGSTOP Elasticsearch for ``seconds``; SIGCONT always follows, whatever happens meanwhile."""
        pid = self.es_pid()
        started = time.monotonic()
        os.kill(pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(seconds)
        finally:
            os.kill(pid, signal.SIGCONT)
            self.es_frozen_s += time.monotonic() - started

    async def restart_kafka(self, stop_timeout_s: float = 90.0) -> float:
        """SIGTERM the broker (a controlled shutdown), then ``deploy/stack.sh up``, which starts what is not
        running and waits until Kafka logs that it serves; returns the seconds Kafka was away."""
        pid = self.kafka_pid()
        started = time.monotonic()
        os.kill(pid, signal.SIGTERM)
        while os.path.exists(f"/proc/{pid}"):  # noqa: ASYNC240 — a cheap /proc stat
            if time.monotonic() - started > stop_timeout_s:
                os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(0.2)
        env = os.environ | {
            "WIREWATCH_KAFKA_BOOTSTRAP": self.settings.kafka_bootstrap,
            "WIREWATCH_ES_URL": self.settings.es_url,
            "WIREWATCH_STATE_DIR": str(self.state),
        }
        proc = await asyncio.create_subprocess_exec(
            "bash",
            str(Path(self.settings.deploy_dir) / "stack.sh"),
            "up",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"deploy/stack.sh up failed after stopping Kafka:\n{out.decode()[-3000:]}")
        outage = time.monotonic() - started
        self.kafka_outage_s += outage
        return outage


# 4. The drill -----------------------------------------------------------------------------------------


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
    unexpected_alerts: list[str] = field(default_factory=list)
    bad_signatures: int = 0
    planted: list[Poison] = field(default_factory=list)
    matched: dict[str, DeadLetter] = field(default_factory=dict)
    wrong_outcome: list[str] = field(default_factory=list)
    unexpected_letters: list[str] = field(default_factory=list)
    repeated_letters: int = 0
    self_exits: list[str] = field(default_factory=list)
    alive: dict[str, bool] = field(default_factory=dict)
    lag: dict[str, int] = field(default_factory=dict)
    drained_s: float | None = None
    total_s: float = 0.0

    @property
    def lost(self) -> int:
        return len(self.lost_articles) + len(self.lost_alerts)

    @property
    def duplicated(self) -> int:
        return self.duplicated_articles + self.duplicated_alerts

    def failures(self) -> list[str]:
        """Every broken promise, in words; empty when nothing was lost, duplicated or let in."""
        checks = [
            (self.lost_articles, f"articles not searchable: {self.lost_articles[:5]}"),
            (self.duplicated_articles, f"{self.duplicated_articles} duplicate article documents"),
            (self.unexpected_articles, f"{self.unexpected_articles} documents that are no article of ours"),
            (self.entity_misses, f"articles missing a known entity: {self.entity_misses[:5]}"),
            (self.lost_alerts, f"alerts never delivered: {self.lost_alerts[:5]}"),
            (self.duplicated_alerts, f"{self.duplicated_alerts} alerts delivered more than once"),
            (
                self.unexpected_alerts,
                f"alerts for articles outside the rule's subset: {self.unexpected_alerts[:5]}",
            ),
            (self.bad_signatures, f"{self.bad_signatures} webhook signatures do not verify"),
            (
                len(self.matched) != len(self.planted),
                f"planted poison not dead-lettered: {sorted({p.name for p in self.planted} - set(self.matched))}",
            ),
            (self.wrong_outcome, f"poison dead-lettered with the wrong outcome: {self.wrong_outcome}"),
            (self.unexpected_letters, f"dead letters nobody planted: {self.unexpected_letters[:5]}"),
            (not all(self.alive.values()), f"workers not alive at the end: {self.alive}"),
            (any(self.lag.values()), f"lag left at the end: {self.lag}"),
            (self.drained_s is None, f"did not drain within {self.params.drain_timeout_s:.0f} s"),
            (len(self.kills) < 3 or set(self.kills) != set(WORKERS), f"kills: {self.kills}"),
        ]
        return [message for broken, message in checks if broken]

    def lines(self) -> list[str]:
        kills = Counter(self.kills)
        drained = f"{self.drained_s:.1f}" if self.drained_s is not None else "never"
        return [
            f"seed {self.params.seed}: {self.articles} articles on {self.params.feeds} feeds, "
            f"{self.alerts_expected} alerts expected, {len(self.planted)} poison planted",
            f"kills (kill -9): {len(self.kills)} — " + ", ".join(f"{w} {kills[w]}" for w in WORKERS),
            f"outages: Elasticsearch frozen {self.es_frozen_s:.1f} s, Kafka away {self.kafka_outage_s:.1f} s",
            f"articles: lost {len(self.lost_articles)}, duplicated {self.duplicated_articles}, "
            f"foreign {self.unexpected_articles}, missing entities {len(self.entity_misses)}",
            f"alerts: lost {len(self.lost_alerts)}, duplicated {self.duplicated_alerts}, "
            f"unexpected {len(self.unexpected_alerts)}, bad signatures {self.bad_signatures}",
            "dead letters: "
            + ", ".join(
                f"{p.name}→{self.matched[p.name].stage}/{self.matched[p.name].error_class}"
                if p.name in self.matched
                else f"{p.name}→MISSING"
                for p in self.planted
            )
            + f"; repeated {self.repeated_letters}, unplanted {len(self.unexpected_letters)}",
            f"workers that exited by themselves (restarted, as compose's restart policy would): "
            f"{len(self.self_exits)} {self.self_exits}",
            f"workers alive: {self.alive}; lag: {self.lag}",
            f"total {self.total_s:.0f} s",
            f"chaos: articles {self.articles}, lost {self.lost}, duplicated {self.duplicated}, dead-lettered "
            f"{len(self.matched)} of {len(self.planted)} planted, drained in {drained} s",
        ]


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
    report: ChaosReport = field(init=False)
    workers: Workers = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.params.seed * 7919 + 1)
        self.report = ChaosReport(self.params)

    def url(self, feed: int, path: str) -> str:
        return f"http://{host_of_feed(feed)}:{self.site.port}{path}"

    async def setup(self) -> None:
        await self.site.start()
        await self.receiver.start()
        self.articles = corpus(self.params.seed, self.params.articles, self.params.feeds, self.params.alert_share)
        for article in self.articles:
            self.site.put(article.path, article.html)
        hosts = self.workdir / "hosts"
        gazetteers = self.workdir / "gazetteers"
        gazetteers.mkdir(parents=True, exist_ok=True)
        (gazetteers / "chaos.yaml").write_text(gazetteer_yaml())
        names = " ".join(host_of_feed(f) for f in range(self.params.feeds))
        hosts.write_text(f"127.0.0.1 {names}\n")
        es = make_es(self.settings)
        try:
            store = FeedStore(es, self.settings.index_name("feeds"))
            for feed in range(self.params.feeds):
                self.published[feed] = []
                self._write_feed(feed)
            await asyncio.gather(
                *(
                    store.add(new_feed(self.url(feed, self.feed_path(feed)), name=outlet_name(feed), interval_s=1.0))
                    for feed in range(self.params.feeds)
                )
            )
            rule = new_rule(RULE_NAME, f'organizations:"{ALERT_ORG}"', webhooks=[self.receiver.url], secret=SECRET)
            await RuleStore(es, self.settings.index_name("rules")).put(rule)
        finally:
            await es.close()
        env = {
            "WIREWATCH_FETCHER_HOSTS_FILE": str(hosts),
            "WIREWATCH_GAZETTEER_DIR": str(gazetteers),
            "WIREWATCH_FETCHER_MIN_DELAY_S": "0.05",
            "WIREWATCH_FETCHER_PER_HOST": "4",
            "WIREWATCH_FETCHER_REFRESH_S": "2",
            "WIREWATCH_ALERTER_CLAIM_S": "10",
            "WIREWATCH_ALERTER_BACKOFF_MAX_S": "5",
        }
        if self.params.ner_model:
            env["WIREWATCH_NER_MODEL"] = self.params.ner_model
        self.workers = Workers(self.settings, self.workdir / "logs", extra_env=env)
        self.workers.start(*WORKERS)

    def feed_path(self, feed: int) -> str:
        return f"/feeds/{host_of_feed(feed)}.xml"

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

    async def plant(self) -> None:
        """Poisoned items in four feeds, and two raw messages that fail their topic's schema."""
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
        for topic, stage, value in (
            ("pages", "parser", b'{"id": "KEY", "url": 42, "note": "fails the FetchedPage schema"}'),
            ("articles.parsed", "extractor", b'{"id": "KEY", "text": null, "note": "fails ParsedArticle"}'),
        ):
            key = f"poison-{topic}-{tag}-{self.settings.topic_prefix}"
            await produce(self.settings, topic, [value.replace(b"KEY", key.encode())], key=key)
            self.poison.append(Poison(f"schema-{topic}", stage, "SchemaError", key=key))
        self.report.planted = self.poison

    def plan(self) -> list[str]:
        """The faults in a seeded order: each worker killed once (plus extra kills), a freeze, a restart."""
        if self.params.faults is not None:
            return list(self.params.faults)
        extra = self.params.extra_kills if self.params.extra_kills is not None else self.rng.randint(0, 2)
        events = [f"kill:{w}" for w in WORKERS] + [f"kill:{self.rng.choice(WORKERS)}" for _ in range(extra)]
        events += ["freeze-es", "restart-kafka"]
        self.rng.shuffle(events)
        return events

    async def perform(self, event: str, stack: OwnStack) -> None:
        if event.startswith("kill:"):
            name = event.split(":", 1)[1]
            self.workers.kill(name)
            self.report.kills.append(name)
            await asyncio.sleep(self.rng.uniform(*self.params.restart_after_s))
            self.workers.start(name)
        elif event == "freeze-es":
            await stack.freeze_es(self.params.es_freeze_s)
        elif event == "restart-kafka":
            await stack.restart_kafka()

    async def supervise(self, started: float) -> None:
        """Restart a worker that exited by itself (what ``restart: unless-stopped`` does in compose), and
        note it: a kill -9 is ours, an exit is the worker's own decision."""
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
        self.say(f"[{time.monotonic() - started:6.1f} s] pipeline flowing")

    async def run(self, stack: OwnStack) -> ChaosReport:
        started = time.monotonic()
        supervisor = asyncio.create_task(self.supervise(started))
        try:
            return await self._run(stack, started)
        finally:
            supervisor.cancel()

    async def _run(self, stack: OwnStack, started: float) -> ChaosReport:
        events = self.plan()
        waves = [self.articles[i :: len(events) + 1] for i in range(len(events) + 1)]
        self.say(f"plan: {len(self.articles)} articles in {len(waves)} waves; faults {events}")
        for number, event in enumerate(events):
            self.publish(waves[number])
            if number == 0:
                await self.warm_up(started)
            if number == len(events) // 2:
                await self.plant()
            await asyncio.sleep(self.rng.uniform(*self.params.gap_s))
            t0 = time.monotonic()
            await self.perform(event, stack)
            self.say(f"[{time.monotonic() - started:6.1f} s] {event} ({time.monotonic() - t0:.1f} s)")
            self.site.requests.clear()
        self.publish(waves[-1])
        chaos_over = time.monotonic()
        self.say(f"[{chaos_over - started:6.1f} s] last wave published; draining")
        if await self.drained():
            self.report.drained_s = time.monotonic() - chaos_over
        await asyncio.sleep(self.params.settle_s)
        await self.measure()
        self.report.es_frozen_s, self.report.kafka_outage_s = stack.es_frozen_s, stack.kafka_outage_s
        self.report.total_s = time.monotonic() - started
        return self.report

    # the end state ---------------------------------------------------------------------------------------

    def expected_ids(self) -> dict[str, Article]:
        return {document_id(canonicalize(self.url(a.feed, a.path))): a for a in self.articles}

    def expected_alerts(self) -> dict[str, str]:
        """alert id → article id, for the rule's subset."""
        from wirewatch.services.alerter.rules import rule_id_for

        rule_id = rule_id_for(RULE_NAME)
        return {alert_id_for(rule_id, doc_id): doc_id for doc_id, a in self.expected_ids().items() if a.alert}

    async def drained(self) -> bool:
        """Poll until every article is searchable, every alert arrived, all poison is dead-lettered and no
        stage lags; False at the deadline."""
        deadline = time.monotonic() + self.params.drain_timeout_s
        wanted_alerts = set(self.expected_alerts())
        last = ""
        while time.monotonic() < deadline:
            try:
                state = await self._progress(wanted_alerts)
            except Exception as exc:  # a service still recovering: look again
                state = f"not measurable yet ({type(exc).__name__}: {exc})"
            if state == "done":
                return True
            if state != last:
                self.say(f"  waiting: {state}")
                last = state
            await asyncio.sleep(2.0)
        return False

    async def _progress(self, wanted_alerts: set[str]) -> str:
        es = make_es(self.settings)
        try:
            count = (await es.count(index=self.settings.index_name("articles"))).body["count"]
        finally:
            await es.close()
        received = {self._alert_id(body, headers) for body, headers in self.receiver.received}
        letters = await read_dead_letters(self.settings)
        matched = sum(1 for p in self.poison if any(_matches(p, d) for d in letters))
        lag = {s.stage: s.lag for s in await stage_status(self.settings)}
        if (
            count >= len(self.articles)
            and wanted_alerts <= received
            and matched == len(self.poison)
            and not any(lag.values())
        ):
            return "done"
        return (
            f"searchable {count}/{len(self.articles)}, alerts {len(received & wanted_alerts)}/"
            f"{len(wanted_alerts)}, poison {matched}/{len(self.poison)}, lag {lag}"
        )

    @staticmethod
    def _alert_id(body: bytes, headers: dict[str, str]) -> str:
        try:
            return str(json.loads(body)["alert_id"])
        except (ValueError, KeyError, TypeError):
            return headers.get(DELIVERY_HEADER, "?")

    async def measure(self) -> None:
        report = self.report
        expected = self.expected_ids()
        report.articles = len(expected)
        await self._measure_articles(expected)
        self._measure_alerts()
        await self._measure_letters()
        report.alive = self.workers.alive()
        report.lag = {s.stage: s.lag for s in await stage_status(self.settings)}

    async def _measure_articles(self, expected: dict[str, Article]) -> None:
        es = make_es(self.settings)
        try:
            response = await es.search(
                index=self.settings.index_name("articles"),
                size=len(expected) + 1000,
                query={"match_all": {}},
                source_includes=["id", "url", "persons", "organizations", "locations"],
            )
        finally:
            await es.close()
        docs = [hit["_source"] for hit in response.body["hits"]["hits"]]
        per_id = Counter(doc["id"] for doc in docs)
        per_url = Counter(doc["url"] for doc in docs)
        report = self.report
        report.lost_articles = sorted(set(expected) - set(per_id))
        report.duplicated_articles = sum(n - 1 for n in per_id.values()) + sum(n - 1 for n in per_url.values())
        report.unexpected_articles = sum(1 for doc_id in per_id if doc_id not in expected)
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

    def _measure_alerts(self) -> None:
        wanted = self.expected_alerts()
        per_alert: Counter[str] = Counter()
        for body, headers in self.receiver.received:
            per_alert[self._alert_id(body, headers)] += 1
            if not verify(body, SECRET, headers.get(SIGNATURE_HEADER)):
                self.report.bad_signatures += 1
        report = self.report
        report.alerts_expected = len(wanted)
        report.lost_alerts = sorted(set(wanted) - set(per_alert))
        report.duplicated_alerts = sum(n - 1 for n in per_alert.values())
        report.unexpected_alerts = sorted(set(per_alert) - set(wanted))

    async def _measure_letters(self) -> None:
        letters = await read_dead_letters(self.settings)
        report = self.report
        used: Counter[int] = Counter()
        for poison in self.poison:
            mine = [i for i, d in enumerate(letters) if _matches(poison, d)]
            if mine:
                letter = letters[mine[0]]
                report.matched[poison.name] = letter
                if (letter.stage, letter.error_class) != (
                    poison.stage,
                    poison.error_class,
                ) or not letter.reason:
                    report.wrong_outcome.append(
                        f"{poison.name}: {letter.stage}/{letter.error_class} {letter.reason[:120]!r}"
                    )
            used.update(mine)
        report.repeated_letters = sum(n - 1 for n in used.values())
        report.unexpected_letters = [
            f"{d.stage}/{d.error_class} item={d.item_id} key={d.key}: {d.reason[:160]}"
            for i, d in enumerate(letters)
            if i not in used
        ]


def _matches(poison: Poison, letter: DeadLetter) -> bool:
    if poison.item_id is not None:
        return letter.item_id == poison.item_id or letter.key == poison.item_id
    if letter.key == poison.key:
        return True
    return poison.key is not None and poison.key.encode() in base64.b64decode(letter.payload_b64)


async def run_chaos(settings: CommonSettings, params: ChaosParams, workdir: Path, say: Say = print) -> ChaosReport:
    """The whole drill on the stack ``settings`` names (already initialised); see the module docstring."""
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
