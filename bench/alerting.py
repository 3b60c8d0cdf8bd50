"""Benchmark: alert latency on the real stack, from "article searchable" to "webhook POST received".

On the running Kafka and Elasticsearch (``WIREWATCH_KAFKA_BOOTSTRAP`` / ``WIREWATCH_ES_URL``) it creates
its own topics, templates and indices under a unique prefix (``wirewatch.ops.stack.init``), starts the alerter
as a subprocess and a local webhook receiver, then for 10, 100 and 1,000 rules:

1. replaces the rules with a realistic mix (field and bare terms, AND/OR/NOT, phrases, entity and source
   filters), each matching about 5 % of the articles;
2. indexes synthetic articles at a steady rate (``refresh=wait_for``, as the indexer does) and publishes
   each one's ``IndexedBatch`` with ``searchable_at`` set when Elasticsearch acknowledged it;
3. waits until the receiver is quiet, and computes per alert: POST received − ``searchable_at``.

Per-article and per-story rules are measured in the same run (issue 16): every other rule of the mix alerts per
story (``--story-share``), and the articles come as stories of ``--copies`` copies from different sources
(``story_id`` set as the indexer's clustering sets it), so the later copies of a story are joined to its alert
in the ledger. A story alert's latency is that of the copy that fired it.

It prints progress, then a table of p50/p95/p99/max per rule count and per kind of rule (article, story);
``--json PATH`` writes the figures.
Everything it created is removed afterwards. Machines are noisy: it reports, it does not assert.

Run: ``.venv/bin/python bench/alerting.py [--rules 10,100,1000] [--rate 4] [--seconds 15] [--story-share 0.5]
[--copies 3] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from aiokafka import AIOKafkaProducer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.messages import enriched
from bench.servers import serve
from bench.workers import Workers
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.rules import RuleStore, new_rule
from wirewatch.ops.observe import stage_status
from wirewatch.ops.stack import drop_namespace, init
from wirewatch.schemas import STAGES, IndexedBatch, IndexedDoc, Rule, RuleFilters
from wirewatch.services.indexer.documents import external_version, to_document

console = Console(width=110)

# 1. Synthetic articles and rules --------------------------------------------------------------------------
# Each article carries 5 of 100 topic words, 1 of 20 organisations, 1 of 20 people and 1 of 10 sources, so a
# rule on one word, organisation or person matches ~5 % of the articles.

WORDS = [f"topic{i:03d}" for i in range(100)]
ORGS = [f"Org Number {i}" for i in range(20)]
PEOPLE = [f"Person Number {i}" for i in range(20)]
SOURCES = [f"source{i}" for i in range(10)]


def article_fields(rng: random.Random) -> dict[str, Any]:
    words = rng.sample(WORDS, 5)
    return {
        "title": f"{words[0]} {words[1]} in the news",
        "text": " ".join(["Report on", *words, "today."]),
        "organizations": [rng.choice(ORGS)],
        "persons": [rng.choice(PEOPLE)],
        "source": rng.choice(SOURCES),
        "locations": ["Baghdad"],
    }


def rule_spec(i: int, rng: random.Random) -> tuple[str, RuleFilters]:
    """Rule ``i`` of the mix: about 5 % of the articles match each kind."""
    a, b, c = rng.sample(WORDS, 3)
    kind = i % 7
    if kind == 0:
        return f"text:{a}", RuleFilters()
    if kind == 1:
        return f"{a}", RuleFilters()
    if kind == 2:
        return f"{a} AND NOT {b}", RuleFilters()
    if kind == 3:
        return "*", RuleFilters(organizations=[rng.choice(ORGS)])
    if kind == 4:
        return f'persons:"{rng.choice(PEOPLE)}"', RuleFilters()
    if kind == 5:  # ~10 % of the words times ~50 % of the sources
        return f"({a} OR {b})", RuleFilters(sources=rng.sample(SOURCES, 1) if rng.random() < 0.5 else [])
    return f'"{a}" OR (text:{b} AND text:{c})', RuleFilters()


def make_rules(count: int, webhook: str, seed: int, story_share: float = 0.0) -> list[Rule]:
    """The mix; a ``story_share`` of the rules (spread evenly over the mix's kinds) alert per story."""
    rng = random.Random(seed)
    rules = []
    for i in range(count):
        query, filters = rule_spec(i, rng)
        per = "story" if int((i + 1) * story_share) > int(i * story_share) else "article"
        rule = new_rule(f"bench-{count}-{i}", query, webhooks=[webhook], secret="bench", filters=filters, per=per)
        rules.append(rule)
    return rules


# 2. The receiver ------------------------------------------------------------------------------------------


@dataclass
class Receiver:
    received: list[tuple[float, str, str]] = field(default_factory=list)  # (wall time, article id, alert kind)
    runner: web.AppRunner | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.time()
        body = json.loads(await request.read())
        self.received.append((arrived, body["article_id"], body.get("kind", "article")))
        return web.Response(text="ok")

    async def start(self) -> Receiver:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/hook", self._handle)
        self.runner, self.port = await serve(app, backlog=1024)
        return self

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()


# 3. One phase: rules in place, articles at a steady rate, latencies -----------------------------------------


@dataclass
class PhaseResult:
    rules: int
    #: the alerts counted: "article" (per-article rules), "story" (per-story rules' story alerts), or
    #: "article@firing" (per-article rules' alerts of the copies that fired the story alerts)
    per: str
    articles: int
    alerts: int
    alerts_per_article: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    within_2s: float


async def replace_rules(settings: CommonSettings, old: list[Rule], new: list[Rule]) -> None:
    es = make_es(settings)
    try:
        index = settings.index_name("rules")
        ops: list[dict[str, Any]] = [{"delete": {"_index": index, "_id": r.id}} for r in old]
        store = RuleStore(es, index)
        for rule in new:
            ops += [{"index": {"_index": index, "_id": rule.id}}, rule.model_dump(mode="json") | {"secret": "bench"}]
        for start in range(0, len(ops), 2000):
            await es.bulk(operations=ops[start : start + 2000], refresh="wait_for")
        assert len(await store.all()) == len(new)
    finally:
        await es.close()


async def index_and_announce(
    settings: CommonSettings,
    es: Any,
    producer: AIOKafkaProducer,
    number: int,
    searchable: dict[str, float],
    copies: int = 1,
) -> None:
    """Article ``number``: copy ``number % copies`` of story ``number // copies`` (the same words and entities,
    another source), indexed and announced."""
    story = number // copies
    fields = article_fields(random.Random(story)) | {"source": SOURCES[number % len(SOURCES)]}
    article = enriched(number, **fields)
    document = to_document(article) | {"story_id": f"story{story}"}
    await es.index(index=settings.index_name("articles"), id=article.id, document=document, refresh="wait_for")
    now = datetime.now(UTC)
    searchable[article.id] = now.timestamp()
    batch = IndexedBatch(
        index=settings.index_name("articles"),
        searchable_at=now,
        docs=[IndexedDoc(id=article.id, version=external_version(article), fetched_at=article.fetched_at)],
    )
    topic = settings.topic_name(STAGES["alerter"].input)
    await producer.send_and_wait(topic, batch.to_bytes(), key=article.id.encode())


async def map_story_id(settings: CommonSettings) -> None:
    """``story_id`` on the articles index (a no-op once the articles template maps it)."""
    es = make_es(settings)
    try:
        await es.indices.put_mapping(
            index=settings.index_name("articles"), properties={"story_id": {"type": "keyword"}}
        )
    finally:
        await es.close()


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 1000) - 1]


async def run_phase(
    settings: CommonSettings, receiver: Receiver, rules: int, first: int, args: argparse.Namespace, progress: Progress
) -> list[PhaseResult]:
    searchable: dict[str, float] = {}
    total = int(args.rate * args.seconds)
    task = progress.add_task(f"{rules:>5} rules: articles", total=total)
    es = make_es(settings)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", linger_ms=0)
    await producer.start()
    started_at = len(receiver.received)
    pending: set[asyncio.Task[None]] = set()
    try:
        begin = time.monotonic()
        for i in range(total):
            await asyncio.sleep(max(0.0, begin + i / args.rate - time.monotonic()))
            job = asyncio.create_task(index_and_announce(settings, es, producer, first + i, searchable, args.copies))
            pending.add(job)
            job.add_done_callback(pending.discard)
            job.add_done_callback(lambda _: progress.advance(task))
        await asyncio.gather(*pending)
        quiet = progress.add_task(f"{rules:>5} rules: waiting for the last alerts", total=None)
        last = -1
        while len(receiver.received) != last:  # quiet for 3 s: everything arrived
            last = len(receiver.received)
            await asyncio.sleep(3)
        progress.remove_task(quiet)
    finally:
        await producer.stop()
        await es.close()
    received = [(at, aid, kind) for at, aid, kind in receiver.received[started_at:] if aid in searchable]
    firing = {aid for _, aid, kind in received if kind == "story"}
    # the per-article rules' alerts of the very copies that fired story alerts: the same batches, the same
    # moment, so the difference between the two rows is what per-story matching adds
    rows = {
        "article": [(at, aid) for at, aid, kind in received if kind == "article"],
        "story": [(at, aid) for at, aid, kind in received if kind == "story"],
        "article@firing": [(at, aid) for at, aid, kind in received if kind == "article" and aid in firing],
    }
    return [
        figures(rules, per, total, [(at - searchable[aid]) * 1000 for at, aid in alerts])
        for per, alerts in rows.items()
    ]


def figures(rules: int, per: str, total: int, latencies: list[float]) -> PhaseResult:
    if not latencies:
        nan = float("nan")
        return PhaseResult(rules, per, total, 0, 0.0, nan, nan, nan, nan, 0.0)
    return PhaseResult(
        rules,
        per,
        total,
        len(latencies),
        len(latencies) / total,
        percentile(latencies, 0.50),
        percentile(latencies, 0.95),
        percentile(latencies, 0.99),
        max(latencies),
        sum(v <= 2000 for v in latencies) / len(latencies),
    )


# 4. The stack: namespace, alerter subprocess, cleanup ------------------------------------------------------


async def wait_until_consuming(settings: CommonSettings, proc: subprocess.Popen[bytes]) -> None:
    """The alerter joined its group and read the warm-up announcement (within a minute)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the alerter exited with code {proc.returncode}")
        [alerter] = [s for s in await stage_status(settings) if s.stage == "alerter"]
        if alerter.processed > 0 and alerter.lag == 0:
            return
        await asyncio.sleep(0.5)
    raise RuntimeError("the alerter did not start consuming")


# 5. Main ----------------------------------------------------------------------------------------------------


def report(results: list[PhaseResult]) -> Table:
    table = Table(title="alert latency: searchable → webhook POST received")
    columns = ("rules", "per", "articles", "alerts", "alerts/article", "p50 ms", "p95 ms", "p99 ms", "max ms", "≤ 2 s")
    for column in columns:
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            str(r.rules),
            r.per,
            str(r.articles),
            str(r.alerts),
            f"{r.alerts_per_article:.1f}",
            f"{r.p50_ms:.0f}",
            f"{r.p95_ms:.0f}",
            f"{r.p99_ms:.0f}",
            f"{r.max_ms:.0f}",
            f"{r.within_2s:.1%}",
        )
    return table


async def main(args: argparse.Namespace) -> list[PhaseResult]:
    tag = uuid.uuid4().hex[:8]
    settings = CommonSettings().model_copy(update={"topic_prefix": f"bench{tag}.", "index_prefix": f"bench{tag}"})
    console.print(f"namespace {settings.index_prefix} on {settings.kafka_bootstrap} and {settings.es_url}")
    await init(settings)
    await map_story_id(settings)
    receiver = await Receiver().start()
    workers = Workers(settings, Path(settings.state_dir) / "logs" / f"bench-{tag}", {"WIREWATCH_LOG_LEVEL": "warning"})
    workers.start("alerter")
    results: list[PhaseResult] = []
    try:
        # warm up: one article, no rules, so the alerter has joined its group before the clock starts
        es = make_es(settings)
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
        await producer.start()
        try:
            await index_and_announce(settings, es, producer, 0, {})
        finally:
            await producer.stop()
            await es.close()
        await wait_until_consuming(settings, workers.procs["alerter"])
        old: list[Rule] = []
        with Progress(console=console, transient=True) as progress:
            for phase, count in enumerate(args.rules):
                rules = make_rules(count, receiver.url, seed=count, story_share=args.story_share)
                await replace_rules(settings, old, rules)
                old = rules
                await asyncio.sleep(args.settle)  # the alerter's rule cache (2 s) picks them up
                phase_results = await run_phase(settings, receiver, count, (phase + 1) * 100_000, args, progress)
                results += phase_results
                for result in phase_results:
                    console.print(
                        f"{count} rules, per {result.per}: {result.alerts} alerts, p50 {result.p50_ms:.0f} ms, "
                        f"p95 {result.p95_ms:.0f} ms, max {result.max_ms:.0f} ms"
                    )
    finally:
        workers.stop()
        await receiver.stop()
        await drop_namespace(settings)
    console.print(report(results))
    for count in args.rules:
        by_per = {r.per: r for r in results if r.rules == count}
        added = by_per["story"].p95_ms - by_per["article@firing"].p95_ms
        console.print(f"{count} rules: per-story matching adds {added:.0f} ms to the p95 (story vs the same copies)")
    if args.json:
        written = {
            "rate_per_s": args.rate,
            "seconds": args.seconds,
            "story_share": args.story_share,
            "copies": args.copies,
            "results": [asdict(r) for r in results],
        }
        await asyncio.to_thread(Path(args.json).write_text, json.dumps(written, indent=2))
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rules",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[10, 100, 1000],
        help="rule counts, comma-separated (default 10,100,1000)",
    )
    parser.add_argument("--rate", type=float, default=4.0, help="articles per second (default 4)")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds of articles per rule count")
    parser.add_argument("--settle", type=float, default=4.0, help="seconds to wait after replacing the rules")
    parser.add_argument(
        "--story-share", type=float, default=0.5, help="share of the rules that alert per story (default 0.5)"
    )
    parser.add_argument("--copies", type=int, default=3, help="copies of each story, from different sources (3)")
    parser.add_argument("--json", help="write the figures to this file")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
