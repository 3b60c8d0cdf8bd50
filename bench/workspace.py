"""Benchmark: the workspace's latency on a 100,000-article index (issue 17), through a real uvicorn on loopback.

1. a synthetic corpus is bulk-indexed straight into Elasticsearch, in the benchmark's own namespace
   (``wwbench<hex>``, :mod:`bench.namespace`): each article's document built by the indexer's own
   ``document_bytes`` (a fifth of them copies of an earlier article, carrying its ``story_id``/``cluster_id``
   as the indexer's story step would), and its entity registry documents by the indexer's ``mention_lines``;
2. ``wirewatch serve`` runs as a subprocess on a free loopback port over that namespace;
3. sequential requests per case, after a warm-up: ``/api/articles`` with a plain query, the same with a
   faceted filter (organisation and place), an entity page (``/api/entities/{id}``), the Atom feed of a search
   (``/feeds/search.atom``) and the search page (``/``), Elasticsearch's request and query caches cleared
   before each request (``--warm`` keeps them); p50/p95/max in ms, against the issue's targets (search ≤ 300 ms
   p95, Atom ≤ 200 ms p95);
4. the namespace is dropped (indices, templates, topics) unless ``--keep``; ``--reuse wwbench<hex>`` measures
   a kept corpus again without indexing it.

Run: ``.venv/bin/python -m bench.workspace [--docs 100000] [--requests 60] [--keep | --reuse PREFIX]
[--warm] [--json PATH]``. It reports, it does not assert.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from elasticsearch import AsyncElasticsearch
from rich.console import Console
from rich.table import Table

from bench.indexing import ORGS, PEOPLE, PLACES, SOURCES, WORDS
from bench.namespace import bench_settings, cleanup
from wirewatch.core import entities
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.stack import init
from wirewatch.schemas import EnrichedArticle
from wirewatch.services.indexer.documents import document_bytes, external_version
from wirewatch.services.indexer.mentions import mention_lines

OUT = Path(__file__).resolve().parent / "out"
err = Console(stderr=True)
out = Console(highlight=False)
BATCH = 1000
COPY_SHARE = 0.2
DAYS = 30
TARGETS_MS = {"search": 300.0, "atom": 200.0}
TERMS = ["government", "oil revenue", "militias", '"prime minister"', "border AND security", "withdrawal", "budget*"]


# 1. The corpus ----------------------------------------------------------------------------------------------


def _text(rng: random.Random, names: list[str]) -> str:
    """About 1.5 KB in three paragraphs, the article's names among the words."""
    paragraphs = []
    for _ in range(3):
        words = rng.choices(WORDS, k=rng.randint(60, 100))
        for name in names:
            if rng.random() < 0.6:
                words.insert(rng.randint(0, len(words)), name)
        paragraphs.append(" ".join(words).capitalize() + ".")
    return "\n\n".join(paragraphs)


def _entities(text: str, kind: str, names: list[str]) -> list[dict[str, Any]]:
    found = []
    for name in names:
        at = max(text.find(name), 0)
        geo = next(({"lat": lat, "lon": lon} for p, lat, lon in PLACES if p == name), None)
        mention = {"start": at, "end": at + len(name), "text": name}
        found.append(
            {"name": name, "type": kind, "count": 1, "mentions": [mention], "first_position": at}
            | {"in_title": False, "source": "model", "geo": geo}
        )
    return found


def article(n: int, rng: random.Random, now: datetime) -> EnrichedArticle:
    persons = rng.sample(PEOPLE, rng.randint(1, 3))
    orgs = rng.sample(ORGS, rng.randint(1, 3))
    places = rng.sample(PLACES, rng.randint(1, 3))
    names = [p[0] for p in places]
    text = _text(rng, persons + orgs + names)
    fetched = now - timedelta(seconds=rng.randint(0, DAYS * 86400))
    return EnrichedArticle.model_validate(
        {
            "id": f"wsb{n:07d}",
            "url": f"https://news.example/workspace-bench/{n}",
            "title": f"{rng.choice(orgs)} and {rng.choice(persons)}: " + " ".join(rng.choices(WORDS, k=6)),
            "text": text,
            "authors": [rng.choice(PEOPLE)],
            "source": rng.choice(SOURCES),
            "language": "en",
            "published_at": fetched - timedelta(minutes=rng.randint(0, 120)),
            "extractor": "bench",
            "extractor_version": "0",
            "content_hash": f"{n:064x}",
            "simhash": f"{n:016x}",
            "fetched_at": fetched,
            "parsed_at": fetched,
            "enriched_at": fetched,
            "entities": _entities(text, "PERSON", persons)
            + _entities(text, "ORG", orgs)
            + _entities(text, "LOC", names),
            "persons": persons,
            "organizations": orgs,
            "locations": names,
            "location_points": [{"lat": lat, "lon": lon} for _, lat, lon in places],
            "ner_model": "en_core_web_sm",
            "ner_model_version": "3.8.0",
        }
    )


def bulk_body(settings: CommonSettings, start: int, count: int, rng: random.Random, now: datetime) -> bytes:
    """Articles ``start``…``start+count-1`` and their registry documents as one bulk body; a share of them
    copies of an earlier article (its story id, as the indexer's story step writes it)."""
    alias = settings.index_name("articles")
    mentions = entities.index_name(settings.index_prefix)
    lines: list[bytes] = []
    for n in range(start, start + count):
        item = article(n, rng, now)
        fields = None
        if n > 0 and rng.random() < COPY_SHARE:
            story = f"wsb{rng.randrange(max(0, n - 500), n):07d}"
            fields = {"story_id": story, "cluster_id": story}
        action = {"index": {"_index": alias, "_id": item.id, "version": external_version(item)}}
        action["index"]["version_type"] = "external"
        lines.append(json.dumps(action).encode() + b"\n" + document_bytes(item, indexed_at=now, fields=fields) + b"\n")
        lines.extend(mention_lines(mentions, item, (), now))
    return b"".join(lines)


async def load_corpus(es: AsyncElasticsearch, settings: CommonSettings, docs: int, seed: int) -> float:
    """Index ``docs`` articles, two bulk requests in flight; seconds taken (refresh included)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    started = time.perf_counter()
    pending: set[asyncio.Task[Any]] = set()
    for start in range(0, docs, BATCH):
        body = bulk_body(settings, start, min(BATCH, docs - start), rng, now)
        if len(pending) >= 2:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                _check(task.result())
        bulk = es.options(request_timeout=300).bulk(operations=body, timeout="120s")  # type: ignore[arg-type]
        pending.add(asyncio.create_task(bulk))
        err.print(f"  indexed {min(start + BATCH, docs):,}/{docs:,}", end="\r")
    for task in pending:
        _check(await task)
    await es.indices.refresh(index=f"{settings.index_prefix}-*")
    err.print()
    return time.perf_counter() - started


def _check(response: Any) -> None:
    if response.body.get("errors"):
        failed = [i for i in response.body["items"] if next(iter(i.values())).get("error")]
        raise RuntimeError(f"{len(failed)} bulk items failed, e.g. {failed[0]}")


# 2. The server ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(settings: CommonSettings, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_SERVE_")} | {
        "WIREWATCH_INDEX_PREFIX": settings.index_prefix,
        "WIREWATCH_TOPIC_PREFIX": settings.topic_prefix,
        "WIREWATCH_STATE_DIR": str(settings.state_dir),
        "WIREWATCH_LOG_LEVEL": "warning",
    }
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "wirewatch", "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink
        )


def wait_ready(client: httpx.Client, server: subprocess.Popen[bytes], log: Path, deadline_s: float = 120) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"wirewatch serve exited:\n{log.read_text(errors='replace')}")
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"wirewatch serve not ready within {deadline_s:.0f}s")


# 3. The measurements ----------------------------------------------------------------------------------------


def cases(entity_keys: list[str]) -> dict[str, tuple[str, Iterator[dict[str, Any] | str]]]:
    """Per case: its target family and an endless stream of (varied) requests."""

    def cycle(items: list[Any]) -> Iterator[Any]:
        while True:
            yield from items

    faceted = [{"q": t, "org": o, "place": p[0]} for t in TERMS[:3] for o in ORGS[:3] for p in PLACES[:3]]
    return {
        "api plain query": ("search", cycle([{"path": "/api/articles", "q": t} for t in TERMS])),
        "api faceted filter": ("search", cycle([{"path": "/api/articles"} | f for f in faceted])),
        "api entity page": ("search", cycle([{"path": f"/api/entities/{k}"} for k in entity_keys])),
        "atom search feed": ("atom", cycle([{"path": "/feeds/search.atom", "q": t} for t in TERMS])),
        "search page (html)": ("search", cycle([{"path": "/", "q": t} for t in TERMS])),
    }


async def measure(
    client: httpx.AsyncClient, stream: Iterator[Any], requests: int, warmup: int, cold: Callable[[], Awaitable[Any]]
) -> list[float]:
    """Milliseconds per request, each after ``cold()`` (outside the timing)."""
    timings: list[float] = []
    for i in range(warmup + requests):
        params = dict(next(stream))
        path = params.pop("path")
        await cold()
        started = time.perf_counter()
        response = await client.get(path, params=params)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} {params} -> {response.status_code}: {response.text[:300]}")
        if i >= warmup:
            timings.append(elapsed)
    return timings


async def measure_all(
    settings: CommonSettings, port: int, keys: list[str], args: argparse.Namespace
) -> dict[str, tuple[str, dict[str, float]]]:
    """Every case in turn; unless ``--warm``, Elasticsearch's request and query caches of the namespace are
    cleared before each request: what a search meets right after the live indexer's refresh (which drops them)."""
    es = make_es(settings)

    async def clear() -> None:
        if not args.warm:
            await es.indices.clear_cache(index=f"{settings.index_prefix}-*", request=True, query=True)

    results: dict[str, tuple[str, dict[str, float]]] = {}
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for name, (family, stream) in cases(keys).items():
                err.print(f"  {name} …")
                results[name] = (family, summary(await measure(client, stream, args.requests, args.warmup, clear)))
    finally:
        await es.close()
    return results


def summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1], "n": len(ordered)}


def report(results: dict[str, tuple[str, dict[str, float]]], docs: int, *, cold: bool) -> None:
    caches = "caches cleared before each" if cold else "warm caches"
    table = Table(title=f"workspace latency, {docs:,} articles, sequential requests on loopback, {caches} (ms)")
    for column in ("case", "p50", "p95", "max", "n", "target p95", "met"):
        table.add_column(column, justify="left" if column == "case" else "right")
    for name, (family, s) in results.items():
        target = TARGETS_MS[family]
        met = "yes" if s["p95"] <= target else "NO"
        table.add_row(
            name, f"{s['p50']:.0f}", f"{s['p95']:.0f}", f"{s['max']:.0f}", f"{s['n']:.0f}", f"{target:.0f}", met
        )
    out.print(table)
    out.print(f"targets: search ≤ {TARGETS_MS['search']:.0f} ms p95, Atom ≤ {TARGETS_MS['atom']:.0f} ms p95")


# 4. The run -------------------------------------------------------------------------------------------------


async def prepare(settings: CommonSettings, docs: int, seed: int, reuse: bool) -> tuple[int, list[str]]:
    """The corpus in place (indexed unless reused); its article count and a few entity keys."""
    es = make_es(settings)
    try:
        if not reuse:
            await init(settings)
            took = await load_corpus(es, settings, docs, seed)
            err.print(f"indexed {docs:,} articles with their registry documents in {took:.0f} s")
        count = (await es.count(index=settings.index_name("articles"))).body["count"]
        keys = [entities.key_of(name) for name in (*PEOPLE[:4], *ORGS[:4], *(p[0] for p in PLACES[:4]))]
        return int(count), keys
    finally:
        await es.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.reuse:
        base = CommonSettings()
        settings = base.model_copy(
            update={"index_prefix": args.reuse, "topic_prefix": f"{args.reuse}.", "state_dir": OUT / "workspace"}
        )
    else:
        settings = bench_settings(OUT)
    err.print(f"namespace {settings.index_prefix}")
    results: dict[str, tuple[str, dict[str, float]]] = {}
    try:
        count, keys = asyncio.run(prepare(settings, args.docs, args.seed, bool(args.reuse)))
        port = free_port()
        OUT.mkdir(exist_ok=True)
        log = OUT / f"workspace-serve-{settings.index_prefix}.log"
        server = start_server(settings, port, log)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                wait_ready(client, server, log)
            results = asyncio.run(measure_all(settings, port, keys, args))
        finally:
            server.terminate()
            server.wait(timeout=30)
        report(results, count, cold=not args.warm)
    finally:
        if args.keep or args.reuse:
            err.print(f"kept {settings.index_prefix} (python -m bench.namespace {settings.index_prefix} drops it)")
        else:
            asyncio.run(cleanup(settings))
    return {"docs": count, "results": {k: {"target": f, **s} for k, (f, s) in results.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60, help="measured requests per case")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--warm", action="store_true", help="keep Elasticsearch's caches between requests")
    parser.add_argument("--keep", action="store_true", help="keep the namespace (to measure it again with --reuse)")
    parser.add_argument("--reuse", metavar="PREFIX", help="measure a kept namespace (wwbench…) without indexing")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if args.reuse and not args.reuse.startswith("wwbench"):
        parser.error("--reuse takes a benchmark namespace (wwbench…)")
    figures = run(args)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
