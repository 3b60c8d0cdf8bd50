"""Benchmark: our indexer's write path next to ``elasticsearch.helpers.async_bulk``, and time-to-searchable
through the real indexer worker. Runs on the real stack under its own index and topic prefix, and
removes everything it created.

* ``ours``: :class:`wirewatch.services.indexer.handler.IndexHandler` (what the worker calls per batch): documents
  built from ``EnrichedArticle``, byte-bounded bulk requests with external versions, refreshed by the
  request (``wirewatch.services.indexer.bulk.REFRESH``) so every batch is searchable when it returns, per-item
  outcomes and the ``articles.indexed`` announcement, and each article's entity registry documents (one per
  entity key, after reading the keys the batch's articles had; ``--no-registry``: the articles alone), and its
  story (one ``_msearch`` per batch before the write, one aggregation and the story documents after it;
  ``--copies F``: a share F of the articles are copies of an earlier one, with their own furniture). Batches
  go one after another, as the worker (``concurrency=1``) sends them.
* ``async_bulk``: ``elasticsearch.helpers.async_bulk`` on the same documents (prebuilt dicts, the registry's
  too), as many articles a request, external versions, no refresh per chunk, one refresh at the end (so both
  end searchable). Rates are articles per second.
* time to searchable: the indexer worker in a subprocess; articles are produced to
  ``articles.enriched`` at a steady rate and a poller searches for them every 20 ms; the time from the
  produce call to the first search that returns the article, per article.

Synthetic articles: 3–8 KB of English-like text, 4–12 entities with mentions, facets, dates.
It reports, it does not assert. Run: ``.venv/bin/python bench/indexing.py [--docs 5000] [--batch 500]
[--rounds 2] [--latency-docs 400] [--rate 40] [--no-registry] [--json PATH]``.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiokafka import AIOKafkaProducer
from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_bulk
from rich.console import Console
from rich.table import Table

from bench.workers import worker_env
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.stack import drop_namespace, init
from wirewatch.schemas import STAGES, EnrichedArticle
from wirewatch.services.indexer.documents import external_version, to_document
from wirewatch.services.indexer.handler import IndexHandler
from wirewatch.services.indexer.mentions import mention_lines

err = Console(stderr=True)
WORDS = [
    word
    for line in (
        "the government said on monday that talks with the regional authorities would resume after a",
        "week of tension over oil revenue budget salaries border security and the withdrawal of foreign",
        "troops officials in baghdad erbil and basra described the meeting as constructive while",
        "analysts warned that militias could still derail an agreement parliament is expected to vote",
        "on the draft law next month according to a spokesman for the prime minister",
    )
    for word in line.split()
]
PEOPLE = [
    "Mohammed Shia al-Sudani",
    "Masrour Barzani",
    "Nechirvan Barzani",
    "Muqtada al-Sadr",
    "Hadi al-Amiri",
    "Fuad Hussein",
    "Alina Romanowski",
    "Jeanine Hennis-Plasschaert",
    "Qais al-Khazali",
    "Hayan Abdul Ghani",
]
ORGS = [
    "Kataib Hezbollah",
    "Popular Mobilization Forces",
    "Kurdistan Regional Government",
    "Basra Oil Company",
    "United Nations",
    "Council of Representatives",
    "Islamic State",
    "Asaib Ahl al-Haq",
    "OPEC",
]
PLACES = [
    ("Baghdad", 33.31, 44.36),
    ("Erbil", 36.19, 44.01),
    ("Basra", 30.51, 47.78),
    ("Mosul", 36.34, 43.13),
    ("Kirkuk", 35.47, 44.39),
    ("Sinjar", 36.32, 41.87),
    ("Najaf", 32.0, 44.33),
    ("Anbar", 33.4, 43.0),
]
SOURCES = ["Northwire", "Levant Ledger", "Gulf Times", "Tigris Post", "Kurdistan 24"]


# 1. Synthetic enriched articles --------------------------------------------------------------------


def _text(rng: random.Random, names: list[str]) -> str:
    target = rng.randint(3000, 8000)
    sentences: list[str] = []
    size = 0
    while size < target:
        words = rng.choices(WORDS, k=rng.randint(12, 30))
        if rng.random() < 0.5:
            words.insert(rng.randint(0, len(words)), rng.choice(names))
        sentence = " ".join(words).capitalize() + "."
        sentences.append(sentence)
        size += len(sentence) + 1
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    return "\n\n".join(paragraphs)


def article(n: int, rng: random.Random, *, tag: str) -> EnrichedArticle:
    persons = rng.sample(PEOPLE, rng.randint(1, 4))
    orgs = rng.sample(ORGS, rng.randint(1, 4))
    places = rng.sample(PLACES, rng.randint(1, 4))
    text = _text(rng, persons + orgs + [p[0] for p in places])
    now = datetime.now(UTC)
    entities: list[dict[str, Any]] = []
    for kind, names in (("PERSON", persons), ("ORG", orgs), ("LOC", [p[0] for p in places])):
        for name in names:
            at = max(text.find(name), 0)
            mentions = [{"start": at, "end": at + len(name), "text": name}] * rng.randint(1, 4)
            geo = next(({"lat": lat, "lon": lon} for p, lat, lon in places if p == name), None)
            entities.append(
                {
                    "name": name,
                    "type": kind,
                    "count": len(mentions),
                    "mentions": mentions,
                    "first_position": at,
                    "in_title": False,
                    "source": "model",
                    "geo": geo,
                }
            )
    return EnrichedArticle.model_validate(
        {
            "id": f"{tag}{n:07d}",
            "url": f"https://news.example/{tag}/{n}",
            "title": f"Story {n}: " + " ".join(rng.choices(WORDS, k=8)),
            "text": text,
            "authors": [rng.choice(PEOPLE)],
            "source": rng.choice(SOURCES),
            "language": "en",
            "published_at": now - timedelta(minutes=rng.randint(0, 10000)),
            "extractor": "bench",
            "extractor_version": "0",
            "content_hash": f"{n:064x}",
            "simhash": f"{n:016x}",
            "fetched_at": now,
            "parsed_at": now,
            "enriched_at": now,
            "entities": entities,
            "persons": persons,
            "organizations": orgs,
            "locations": [p[0] for p in places],
            "location_points": [{"lat": lat, "lon": lon} for _, lat, lon in places],
            "ner_model": "en_core_web_sm",
            "ner_model_version": "3.8.0",
        }
    )


# 2. Throughput: ours versus async_bulk -------------------------------------------------------------


async def fresh_index(es: AsyncElasticsearch, name: str) -> None:
    await es.options(ignore_status=404).indices.delete(index=name)
    # from the articles template (the name matches its pattern); the indexer writes through an alias only
    await es.indices.create(index=name, aliases={write_alias(name): {"is_write_index": True}})


def write_alias(index: str) -> str:
    return f"{index}-write"


async def run_ours(
    es: AsyncElasticsearch,
    index: str,
    articles: list[EnrichedArticle],
    batch: int,
    mentions: str | None,
    stories: str | None = None,
) -> float:
    handler = IndexHandler(
        es,
        alias=write_alias(index),
        indexed_topic="bench",
        max_bytes=8 * 1024 * 1024,
        mentions_index=mentions,
        stories_index=stories,
    )
    started = time.perf_counter()
    for i in range(0, len(articles), batch):
        results = await handler(articles[i : i + batch])
        assert not any(isinstance(r, BaseException) for r in results)
        err.print(f"  ours {min(i + batch, len(articles))}/{len(articles)}", end="\r")
    return time.perf_counter() - started


def bulk_actions(index: str, articles: list[EnrichedArticle], mentions: str | None) -> list[dict[str, Any]]:
    """The documents ``ours`` writes, as ``async_bulk`` actions: each article, then (with a ``mentions``
    index) its entity registry documents, so both paths write the same documents."""
    now = datetime.now(UTC)
    actions: list[dict[str, Any]] = []
    for article in articles:
        version = external_version(article)
        source = to_document(article)
        actions.append(
            {"_index": index, "_id": article.id, "version": version, "version_type": "external", "_source": source}
        )
        for lines in mention_lines(mentions, article, (), now) if mentions else []:
            action, doc = lines.decode().splitlines()
            meta = json.loads(action)["index"]
            meta.pop("require_alias")
            actions.append({**meta, "_source": json.loads(doc)})
    return actions


async def run_async_bulk(
    es: AsyncElasticsearch, indices: list[str], actions: list[dict[str, Any]], batch: int
) -> float:
    started = time.perf_counter()
    ok, errors = await async_bulk(es, actions, chunk_size=batch, max_chunk_bytes=8 * 1024 * 1024, raise_on_error=False)
    await es.indices.refresh(index=",".join(indices))
    elapsed = time.perf_counter() - started
    assert ok == len(actions) and not errors, errors
    return elapsed


async def throughput(
    es: AsyncElasticsearch,
    settings: CommonSettings,
    articles: list[EnrichedArticle],
    batch: int,
    rounds: int,
    *,
    registry: bool = True,
) -> dict[str, Any]:
    """Both write the entity registry's documents too (as the worker does) unless ``registry`` is off; the
    rates are articles per second."""
    base = settings.index_name("articles")
    mentions = settings.index_name("entity-mentions") if registry else None
    stories = settings.index_name("stories")  # ours keeps its story documents as the worker does
    ours: list[float] = []
    bulk: list[float] = []
    for r in range(rounds):
        order = ("ours", "bulk") if r % 2 == 0 else ("bulk", "ours")
        for which in order:
            index = f"{base}-{which}"
            await fresh_index(es, index)
            if mentions:  # created again from its template by the first write
                await es.options(ignore_status=404).indices.delete(index=mentions)
            if which == "ours":
                await es.options(ignore_status=404).indices.delete(index=stories)
                ours.append(len(articles) / await run_ours(es, index, articles, batch, mentions, stories))
            else:
                actions = bulk_actions(index, articles, mentions)
                indices = [index, mentions] if mentions else [index]
                # as many articles a request as ours sends (chunk_size counts actions)
                chunk = round(batch * len(actions) / len(articles))
                bulk.append(len(articles) / await run_async_bulk(es, indices, actions, chunk))
            rate = (ours if which == "ours" else bulk)[-1]
            err.print(f"  round {r + 1}/{rounds}: {which} {rate:,.0f} docs/s")
            await es.indices.delete(index=index)
    median_ours, median_bulk = statistics.median(ours), statistics.median(bulk)
    return {
        "ours_docs_s": median_ours,
        "async_bulk_docs_s": median_bulk,
        "ratio": median_ours / median_bulk,
        "ours_rounds": ours,
        "async_bulk_rounds": bulk,
    }


# 3. Time to searchable through the real worker -----------------------------------------------------


def start_worker(settings: CommonSettings, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "wirewatch", "worker", "indexer"],
        env=worker_env(settings, WIREWATCH_LOG_LEVEL="warning"),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


async def time_to_searchable(
    es: AsyncElasticsearch, settings: CommonSettings, articles: list[EnrichedArticle], rate: float, log: Path
) -> dict[str, Any]:
    alias = settings.index_name("articles")
    topic = settings.topic_name(STAGES["indexer"].input)
    worker = start_worker(settings, log)
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", linger_ms=0, max_request_size=16 * 1024 * 1024
    )
    await producer.start()
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    try:
        warm = articles[0]  # the worker's first batch waits for its consumer group to form
        await producer.send_and_wait(topic, warm.to_bytes(), key=warm.id.encode())
        while not (await es.options(ignore_status=404).count(index=alias)).body.get("count"):  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        done = asyncio.Event()

        async def poll() -> None:
            while not done.is_set() or len(seen) < len(sent):
                pending = [i for i in sent if i not in seen]
                if pending:
                    found = await es.search(
                        index=alias, query={"ids": {"values": pending}}, size=len(pending), source=False
                    )
                    now = time.perf_counter()
                    for hit in found.body["hits"]["hits"]:
                        seen.setdefault(hit["_id"], now)
                await asyncio.sleep(0.02)

        poller = asyncio.create_task(poll())
        for n, a in enumerate(articles[1:], 1):
            sent[a.id] = time.perf_counter()
            await producer.send(topic, a.to_bytes(), key=a.id.encode())
            if n % 50 == 0:
                err.print(f"  produced {n}/{len(articles) - 1}, searchable {len(seen)}", end="\r")
            await asyncio.sleep(1 / rate)
        done.set()
        await asyncio.wait_for(poller, timeout=120)
    finally:
        await producer.stop()
        worker.terminate()
        worker.wait(timeout=30)
    latencies = sorted(seen[i] - sent[i] for i in sent)
    return {
        "articles": len(latencies),
        "rate_per_s": rate,
        **{f"p{q}_s": _percentile(latencies, q) for q in (50, 95, 99)},
        "max_s": latencies[-1],
    }


def _percentile(values: list[float], q: int) -> float:
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))]


# 4. Setup, cleanup, report -------------------------------------------------------------------------


def report(result: dict[str, Any]) -> None:
    t, s = result["throughput"], result["time_to_searchable"]
    table = Table(
        title=f"indexing {result['docs']:,} articles (avg {result['avg_kb']:.1f} KB), batches of {result['batch']}"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("ours (IndexHandler, searchable per batch)", f"{t['ours_docs_s']:,.0f} docs/s")
    table.add_row("async_bulk (+ one refresh at the end)", f"{t['async_bulk_docs_s']:,.0f} docs/s")
    table.add_row("ratio ours / async_bulk (target ≥ 0.9)", f"{t['ratio']:.2f}")
    for key in ("p50_s", "p95_s", "p99_s", "max_s"):
        table.add_row(f"time to searchable {key[:-2]} (worker, {s['rate_per_s']:.0f}/s)", f"{s[key]:.3f} s")
    Console().print(table)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:6]
    settings = CommonSettings().model_copy(update={"topic_prefix": f"bench{tag}.", "index_prefix": f"bench{tag}"})
    rng = random.Random(args.seed)
    err.print(f"generating {args.docs + args.latency_docs} articles …")
    articles = [article(n, rng, tag="t") for n in range(args.docs)]
    for n in range(1, len(articles)):
        if rng.random() < args.copies:  # a wire copy: an earlier article's text under another outlet's furniture
            copied = f"By {articles[n].source} staff\n\n{articles[rng.randrange(n)].text}\n\nRead more"
            articles[n] = articles[n].model_copy(update={"text": copied})
    timed = [article(n, rng, tag="l") for n in range(args.latency_docs + 1)]
    avg_kb = statistics.mean(len(a.to_bytes()) for a in articles) / 1024
    err.print(f"namespace bench{tag}: creating topics and templates …")
    await init(settings)
    es = make_es(settings, timeout=60)
    try:
        err.print(f"throughput: {args.docs} articles × {args.rounds} rounds, batches of {args.batch}")
        result_t = await throughput(es, settings, articles, args.batch, args.rounds, registry=not args.no_registry)
        err.print(f"time to searchable: {args.latency_docs} articles at {args.rate}/s through the worker")
        log = Path(args.log_dir) / f"bench-indexer-{tag}.log"
        result_s = await time_to_searchable(es, settings, timed, args.rate, log)
    finally:
        await drop_namespace(settings)
        await es.close()
    return {
        "docs": args.docs,
        "batch": args.batch,
        "copies": args.copies,
        "avg_kb": avg_kb,
        "throughput": result_t,
        "time_to_searchable": result_s,
        "at": datetime.now(UTC).isoformat(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500, help="documents per batch (as INDEXER_BATCH_MAX)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--latency-docs", type=int, default=400)
    parser.add_argument("--rate", type=float, default=40.0, help="articles produced per second")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--copies", type=float, default=0.0, help="share of articles copying an earlier one")
    parser.add_argument(
        "--no-registry", action="store_true", help="ours without the entity registry's documents (the old write path)"
    )
    parser.add_argument("--log-dir", default="/tmp")
    parser.add_argument("--json", dest="json_path", help="also write the figures to this file")
    arguments = parser.parse_args()
    outcome = asyncio.run(main(arguments))
    report(outcome)
    if arguments.json_path:
        Path(arguments.json_path).write_text(json.dumps(outcome, indent=2) + "\n")
