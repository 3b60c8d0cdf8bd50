"""Benchmark: how long the alerter's volume rules (spike and first-seen) take to evaluate one live batch.

On the running Elasticsearch (``WIREWATCH_ES_URL``; Kafka only for ``init``) it creates its own templates and
indices under a unique prefix, then:

1. writes a history: ``--entities`` entities (people, organisations, places) named across older articles (the
   entity registry, ``<prefix>-entity-mentions``, as the indexer writes it) and a quiet baseline of matches
   for the spike rules, days old;
2. for each rule count of ``--rules``, half spike rules (a topic word each) and half first-seen rules (one type
   each, on every article or a topic word), evaluates ``--batches`` live batches of ``--articles`` new articles,
   each article naming ``--per-article`` entities: known ones from the history and about 5 % never seen. A
   batch's articles and registry documents are written first (``refresh=wait_for``, as the indexer does), then
   :meth:`VolumeRules.evaluate` is timed, in this process: the evaluation time, not the pipeline's latency;
3. prints p50/p95/max per rule count, the median CPU time of this process per batch (the rest is waiting for
   Elasticsearch), the machine's load average, and the alerts fired; ``--json PATH`` writes the figures.

The target (issue 16): ≤ 100 ms per batch with 1,000 entities. Everything it created is removed afterwards.
Machines are noisy: it reports, it does not assert.

Run: ``.venv/bin/python bench/volume_rules.py [--rules 10,100] [--entities 1000] [--batches 30]
[--articles 20] [--per-article 50] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.messages import enriched
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.rules import new_rule
from wirewatch.ops.stack import drop_namespace, init
from wirewatch.schemas import EnrichedArticle, IndexedBatch, IndexedDoc, Rule, SpikeSpec
from wirewatch.schemas.articles import Entity, EntityType
from wirewatch.services.alerter.volume import VolumeRules
from wirewatch.services.indexer.documents import external_version, to_document
from wirewatch.services.indexer.mentions import mention_lines

console = Console(width=110)
WORDS = [f"topic{i:03d}" for i in range(50)]
TYPES: list[EntityType] = ["PERSON", "ORG", "LOC"]
RULE_TYPES = ["person", "org", "place"]


# 1. Articles, entities and rules ----------------------------------------------------------------------------


def entity(number: int) -> Entity:
    return Entity(name=f"Entity Number {number}", type=TYPES[number % 3], count=1)


def article(n: int, rng: random.Random, names: list[int], fetched_at: datetime) -> EnrichedArticle:
    words = rng.sample(WORDS, 3)
    return enriched(
        n,
        title=" ".join(words),
        text=" ".join(["Report on", *words]),
        entities=[entity(number) for number in names],
        fetched_at=fetched_at,
    )


def make_rules(count: int, rng: random.Random) -> list[Rule]:
    spec = SpikeSpec(window_s=3600, baseline_s=7 * 86400, factor=3, min_count=5)
    rules = []
    for i in range(count):
        if i % 2 == 0:
            rules.append(new_rule(f"spike-{count}-{i}", f"title:{rng.choice(WORDS)}", kind="spike", spike=spec))
        else:
            query = "*" if i % 4 == 1 else f"text:{rng.choice(WORDS)}"
            kind = RULE_TYPES[(i // 2) % 3]
            rules.append(new_rule(f"first-{count}-{i}", query, kind="first_seen", entity_type=kind))
    return rules


# 2. Writing as the indexer does -----------------------------------------------------------------------------


async def write(es: Any, settings: CommonSettings, articles: list[EnrichedArticle]) -> None:
    body = bytearray()
    for a in articles:
        action = {"index": {"_index": settings.index_name("articles"), "_id": a.id}}
        body += json.dumps(action).encode() + b"\n" + json.dumps(to_document(a), default=str).encode() + b"\n"
    now = datetime.now(UTC)
    for a in articles:
        body += b"".join(mention_lines(settings.index_name("entity-mentions"), a, [], now))
    response = await es.bulk(body=bytes(body), refresh="wait_for")
    if response.body.get("errors"):
        raise RuntimeError(str([i for i in response.body["items"] if "error" in next(iter(i.values()))][:2]))


async def history(es: Any, settings: CommonSettings, entities: int, rng: random.Random) -> int:
    """Every entity named in older articles (20 per article), days old: the registry the batches meet."""
    numbers = list(range(entities))
    rng.shuffle(numbers)
    old = datetime.now(UTC) - timedelta(days=3)
    articles = [
        article(100_000 + i, rng, numbers[start : start + 20], old - timedelta(minutes=i))
        for i, start in enumerate(range(0, entities, 20))
    ]
    for start in range(0, len(articles), 200):
        await write(es, settings, articles[start : start + 200])
    return len(articles)


# 3. The measurement -----------------------------------------------------------------------------------------


async def measure(
    es: Any, settings: CommonSettings, rules: list[Rule], args: argparse.Namespace, rng: random.Random, first: int
) -> dict[str, Any]:
    volume = VolumeRules(
        es,
        articles=settings.index_name("articles"),
        mentions=settings.index_name("entity-mentions"),
        alerts=settings.index_name("alerts"),
    )
    times: list[float] = []
    cpu: list[float] = []
    fired = {"spike": 0, "first_seen": 0}
    fresh = 10_000_000 + first * 1000
    for b in range(args.batches):
        articles = []
        for i in range(args.articles):
            names = rng.sample(range(args.entities), args.per_article)
            names = [n if rng.random() > 0.05 else (fresh := fresh + 1) for n in names]
            articles.append(article(first + b * args.articles + i, rng, names, datetime.now(UTC)))
        await write(es, settings, articles)
        docs = [IndexedDoc(id=a.id, version=external_version(a), fetched_at=a.fetched_at) for a in articles]
        batch = IndexedBatch(index=settings.index_name("articles"), docs=docs, searchable_at=datetime.now(UTC))
        started, started_cpu = time.perf_counter(), time.process_time()
        matches = await volume.evaluate(rules, [batch])
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        for match in matches:
            fired[match.alert.kind] += 1
    times.sort()
    return {
        "rules": len(rules),
        "batches": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(0.95 * len(times)) - 1)], 1),
        "max_ms": round(times[-1], 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "load": round(os.getloadavg()[0], 1),
        "spikes": fired["spike"],
        "first_seen": fired["first_seen"],
    }


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    tag = uuid.uuid4().hex[:8]
    settings = CommonSettings().model_copy(update={"topic_prefix": f"bench{tag}.", "index_prefix": f"bench{tag}"})
    console.print(f"namespace {settings.index_prefix} on {settings.es_url}")
    await init(settings)
    es = make_es(settings)
    rng = random.Random(args.seed)
    results = []
    try:
        written = await history(es, settings, args.entities, rng)
        console.print(f"history: {args.entities} entities in {written} articles")
        for number, count in enumerate(int(c) for c in args.rules.split(",")):
            result = await measure(es, settings, make_rules(count, rng), args, rng, (number + 1) * 100_000_000)
            console.print(f"{count} rules: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms")
            results.append(result)
    finally:
        await es.close()
        await drop_namespace(settings)
    return results


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    table = Table(
        title=f"volume rules: ms per live batch ({args.articles} articles × {args.per_article} entities, "
        f"registry of {args.entities})"
    )
    columns = ("rules", "batches", "p50_ms", "p95_ms", "max_ms", "cpu_p50_ms", "load", "spikes", "first_seen")
    for column in columns:
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(*(str(r[c]) for c in columns))
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", default="10,100", help="rule counts, comma-separated (half spike, half first-seen)")
    parser.add_argument("--entities", type=int, default=1000, help="entities in the registry")
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--articles", type=int, default=20, help="articles per batch")
    parser.add_argument("--per-article", type=int, default=50, help="entities named by each article")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    report(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
