"""The whole pipeline, measured end to end on the real stack, in one command.

    .venv/bin/python -m bench.pipeline [--quick] [--json PATH] [--keep] [--seed N] ...

Phases (one namespace ``wwbench<hex>``, initialised with ``wirewatch.ops.stack.init``, dropped at the end
unless ``--keep``):

1. **stages alone**: parser, trafilatura, raw ``nlp.pipe``, our ``enrich`` and ``async_bulk`` on the
   first ``--stage-articles`` of the generated articles (:mod:`bench.stages`), before any worker runs;
2. **saturation**: ``--preload`` articles are already in the feeds when the five workers start; the
   steady rate at which they become searchable (10th–90th percentile of their ``searchable_at``) is the
   end-to-end throughput; CPU seconds per article per worker are measured over this phase;
3. **latency**: for each ``--loads`` rate, new items appear at that rate for ``--duration`` s; per item,
   "appeared in its feed" → "searchable" (``articles.indexed``) and → "alert webhook received" (a rule
   matching ~20% of articles), with ``--drain`` s after the last item before the rest count as missed;
   then (unless ``--skip-websub``) the same at ``--websub-rate`` with **WebSub pushes**: the feeds advertise
   a loopback hub (:mod:`bench.websub`), the fetcher restarts with a callback, and once every feed is
   subscribed each item is pushed the moment it appears (load ``websub 5/s``, target p95 ≤ 1.0 s); a plain
   fetcher takes over again afterwards;
4. **scale-out**: the slowest stage's worker is stopped, a backlog builds up in its input topic, then it
   runs with one replica and with two (same consumer group); each rate is measured from the replicas'
   batch completions once every replica consumes (the group's rebalance is over), for at least
   ``--scale-window`` s; the ratio of their rates;
5. **backfill**: live feed→searchable latency at ``--backfill-rate`` articles/s, first with the pipeline
   idle, then while a backfill of everything ingested so far runs (``wirewatch.ops.replay.replay(settings,
   "parser")``, so parser, extractor and indexer all serve their backfill lane); the ratio of the two
   p95s (target ≤ 2) and the backfill's own rate (backfill-lane documents announced on
   ``articles.indexed`` per second while the live load ran).

Every saturation and load phase also gets a per-stage latency **waterfall** (p50/p95 per hop of the
articles' timelines as the indexer announced them, :mod:`bench.waterfall`), and the saturation phase each
worker's CPU share (busy vs idle or waiting).

The defaults are the full, quiet-machine protocol used for claims. ``--quick`` is a **smoke run**: its
figures are labelled as such and are not comparable. A run whose quiet samples (``start``, ``before
saturation``) show the machine busy with something else reports no ratio (``ratio_refused`` says why).

Writes ``bench/out/pipeline-report.md``, ``latency-cdf.png``, ``throughput.png``, ``waterfall.png`` and
(``--json``) a summary; see ``bench/README.md`` for how each figure is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bench import backfill as backfill_proc
from bench import report
from bench.corpus import Corpus
from bench.loadgen import FeedSite, Planned, Schedule, free_port
from bench.namespace import bench_settings, cleanup, register_feeds, register_rule
from bench.observers import IndexedWatcher, SearchProbe, WebhookReceiver
from bench.procs import WorkerPool, worker_env
from bench.results import TARGET_P95_WEBSUB_S, BackfillResult, LoadResult, RunResult, ScaleResult
from bench.stages import STAGE_OF, Page, measure_bulk, measure_extraction, measure_parsers, slowest
from bench.stats import batch_rate, rate_in, steady_rate, summary
from bench.vocab import WATCH_TERM
from bench.waterfall import waterfall
from bench.websub import WebSubHub
from bench.workers import WORKERS
from wirewatch.core.es import make_es
from wirewatch.ops.observe import stage_status
from wirewatch.ops.stack import init
from wirewatch.schemas import STAGES
from wirewatch.services.extractor.settings import ExtractorSettings

OUT = Path(__file__).resolve().parent / "out"
console = Console(stderr=True)


@dataclass(frozen=True)
class Options:
    seed: int = 1
    feeds: int = 48
    hosts: int = 24
    preload: int = 400
    stage_articles: int = 200
    loads: tuple[float, ...] = (1.0, 5.0, 20.0)
    duration: float = 60.0
    drain: float = 60.0
    scale_articles: int = 600
    scale_window: float = 40.0
    scale_worker: str | None = None
    skip_scale: bool = False
    backfill_rate: float = 5.0
    skip_backfill: bool = False
    websub_rate: float = 5.0
    skip_websub: bool = False
    model: str = "en_core_web_md"
    interval: float = 1.0
    min_delay: float = 0.0
    probe_every: int = 5
    keep: bool = False
    out: Path = OUT
    json: Path | None = None
    quick: bool = False  # a smoke run: smaller, its figures not comparable with the full protocol's


QUICK: dict[str, Any] = {
    "preload": 200,
    "stage_articles": 100,
    "duration": 20.0,
    "drain": 30.0,
    "scale_articles": 400,
    "scale_window": 25.0,
}
#: workers whose rate the scale-out phase can measure (batch completions of a consuming stage: one fed by
#: another stage's output, so not the fetcher, which polls feeds itself)
SCALABLE = tuple(spec.name for spec in STAGES.values() if spec.input in {s.output for s in STAGES.values()})
#: replicas' batches completed after the rebalance needed for a rate (the first is only a start mark)
MIN_BATCHES = 3
#: the scale-out window ends early when fewer messages than this per replica are left
LOW_BACKLOG = 40


class Bench:
    """One run: the namespace, the feed site, the observers, the workers, and what was measured."""

    def __init__(self, options: Options) -> None:
        self.o = options
        self.settings = bench_settings(options.out)
        self.state_dir = str(self.settings.state_dir)  # named on the command lines of the stack's Kafka and ES
        self.corpus = Corpus(options.seed)
        self.schedule = Schedule(options.feeds, options.seed)
        self.site = FeedSite(self.corpus, feeds=options.feeds, hosts=options.hosts)
        self.receiver = WebhookReceiver()
        self.es = make_es(self.settings)
        self.watcher = IndexedWatcher(self.settings)
        self.probe = SearchProbe(self.es, self.settings.index_name("articles"))
        self.pool = WorkerPool(
            self.settings,
            options.out / "logs" / self.settings.index_prefix,
            extra_env={
                "WIREWATCH_NER_MODEL": options.model,
                "WIREWATCH_FETCHER_MIN_DELAY_S": f"{options.min_delay:g}",
                "WIREWATCH_POLL_INTERVAL": f"{options.interval:g}",
            },
        )
        self.result = RunResult(options={k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()})
        self.ids: dict[int, str] = {}
        self.machine: list[tuple[float, float, float]] = []  # (time, CPU busy %, our CPU seconds so far)
        self._sampler: asyncio.Task[None] | None = None
        self.replay_proc: Any = None
        self.hub: WebSubHub | None = None

    # set-up and tear-down ---------------------------------------------------------------------------
    async def setup(self) -> None:
        console.print(
            f"namespace [bold]{self.settings.index_prefix}[/] on {self.settings.kafka_bootstrap} "
            f"and {self.settings.es_url}"
        )
        await init(self.settings)
        await self.site.start()
        await self.receiver.start()
        await register_feeds(
            self.es, self.settings, [self.site.feed_url(f) for f in range(self.o.feeds)], self.o.interval
        )
        await register_rule(self.es, self.settings, f"text:{WATCH_TERM}", self.receiver.url)
        await self.watcher.start()
        self.probe.start()
        self._sampler = asyncio.create_task(self._sample_machine())
        self.result.started_at = time.time()
        self.result.conditions = {"start": await asyncio.to_thread(conditions, "start", self.state_dir)}

    async def _sample_machine(self) -> None:
        me = psutil.Process()
        psutil.cpu_percent(None)
        while True:
            await asyncio.sleep(1.0)
            mine = me.cpu_times()
            ours = self.pool.cpu_total() + mine.user + mine.system
            self.machine.append((time.time(), psutil.cpu_percent(None), ours))

    def machine_during(self, start: float, end: float) -> dict[str, float]:
        """Average CPU use in a window, in cores: all processes, ours (workers + this process), others."""
        inside = [s for s in self.machine if start <= s[0] <= end]
        if len(inside) < 2:
            return {}
        cores = float(os.cpu_count() or 1)
        busy = sum(s[1] for s in inside[1:]) / (len(inside) - 1) / 100 * cores
        ours = (inside[-1][2] - inside[0][2]) / (inside[-1][0] - inside[0][0])
        return {"busy_cores": busy, "our_cores": ours, "other_cores": max(0.0, busy - ours), "cores": cores}

    async def teardown(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
        if self.replay_proc is not None and self.replay_proc.poll() is None:
            self.replay_proc.terminate()
            self.replay_proc.wait(timeout=30)
        self.pool.stop_all()
        if self.hub is not None:
            await self.hub.stop()
        await self.probe.stop()
        await self.watcher.stop()
        await self.site.stop()
        await self.receiver.stop()
        if not self.o.keep:
            await cleanup(self.settings)
        else:
            console.print(f"--keep: namespace {self.settings.index_prefix} left in place")
        await self.es.close()

    def plan(self, items: list[Planned], *, publish: bool = True) -> list[Planned]:
        """Remember the items' document ids and (``publish``) put them on the site."""
        from wirewatch.services.fetcher.urls import canonicalize, document_id

        for item in items:
            self.ids[item.number] = document_id(canonicalize(self.site.url_of(item)))
        if publish:
            self.site.add(items)
        return items

    # phase 1 ----------------------------------------------------------------------------------------
    async def stages(self, preload: list[Planned]) -> None:
        chosen = preload[: self.o.stage_articles]
        pages = [Page(self.ids[i.number], self.site.url_of(i), self._page(i)) for i in chosen]
        begin = time.time()
        with console.status(f"stages alone on {len(pages)} articles …"):
            parsers, parsed = await asyncio.to_thread(measure_parsers, pages)
            processes = ExtractorSettings().live_processes()  # as many as the extractor worker runs
            extraction, enriched = await asyncio.to_thread(measure_extraction, parsed, self.o.model, 32, processes)
            bulk = await measure_bulk(self.es, self.settings.index_prefix, enriched, 500)
        results = [*parsers, *extraction, bulk]
        self.result.phases.append(("stages alone", begin, time.time()))
        self.result.stage_rates = {r.name: r.rate for r in results}
        self.result.stage_articles = len(pages)
        worst = slowest(results)
        self.result.slowest_stage, self.result.slowest_rate = worst.name, worst.rate
        console.log("stages alone (articles/s): " + ", ".join(f"{r.name} {r.rate:.1f}" for r in results))

    def _page(self, item: Planned) -> bytes:
        from datetime import UTC, datetime

        from bench.corpus import render_page

        return render_page(
            self.site.article(item.number),
            self.site.outlet(item.feed),
            datetime.fromtimestamp(item.appear_at, UTC),
            seed=self.corpus.seed,
        ).encode()

    # phase 2 ----------------------------------------------------------------------------------------
    async def saturation(self, preload: list[Planned]) -> None:
        """Start the workers on empty feeds; once all are ready, the preload appears at once."""
        for name in WORKERS:
            self.pool.start(name)
        with console.status("starting the five workers …"):
            await self.pool.ready()
        self.result.conditions["before saturation"] = await asyncio.to_thread(
            conditions, "before saturation", self.state_dir
        )
        begin = time.time()
        cpu0, counts0 = self.pool.cpu(), await self._processed()
        self.site.add(preload)
        ids = [self.ids[i.number] for i in preload]
        await self.wait(
            f"saturation: {len(ids)} preloaded articles",
            lambda: self._count(ids),
            len(ids),
            deadline=time.time() + 120 + len(ids) * 2,
        )
        cpu1, counts1 = self.pool.cpu(), await self._processed()
        times = [self.watcher.searchable_at[i] for i in ids if i in self.watcher.searchable_at]
        self.result.e2e_throughput = steady_rate(times)
        self.result.e2e_articles = len(times)
        self.result.e2e_seconds = (max(times) - begin) if times else math.nan
        self.result.cpu_per_article = {
            name: (cpu1[name] - cpu0.get(name, 0.0)) / done
            for name in cpu1
            if (done := counts1.get(name, 0) - counts0.get(name, 0)) > 0
        }
        elapsed = time.time() - begin
        self.result.cpu_share = {name: (cpu1[name] - cpu0.get(name, 0.0)) / elapsed for name in cpu1}
        self.result.saturation_waterfall = waterfall([self._timeline(i) for i in preload])
        self.result.phases.append(("saturation", begin, time.time()))
        console.log(f"saturation: {len(times)}/{len(ids)} searchable, steady {self.result.e2e_throughput:.2f}/s")
        self.result.conditions["saturation"] = await asyncio.to_thread(conditions, "saturation", self.state_dir)

    async def _processed(self) -> dict[str, float]:
        """Articles each worker has handled so far: its stage's input counter; the fetcher's pages; for
        the alerter (whose messages are batches) the articles announced as indexed."""
        counts = await self.pool.counters()
        counts["fetcher"] = float(len(self.site.page_fetched_at))
        counts["alerter"] = float(len(self.watcher.searchable_at))
        return counts

    def _count(self, ids: list[str]) -> int:
        return sum(1 for i in ids if i in self.watcher.searchable_at)

    # phase 3 ----------------------------------------------------------------------------------------
    async def latency(self, rate: float, label: str | None = None, *, push: bool = False) -> LoadResult:
        label = label or f"{rate:g}/s"
        start = time.time() + 2.0
        items = self.plan(self.schedule.publish(rate, self.o.duration, start))
        if push and self.hub is not None:
            self.hub.distribute(items, self.site.new_entry)  # each item pushed when it appears
        ids = [self.ids[i.number] for i in items]
        self.probe.watch(ids[:: self.o.probe_every])
        watched = [self.ids[i.number] for i in items if self.site.article(i.number).watched]
        end = start + self.o.duration
        await self.wait(
            f"{label}: {rate:g} articles/s for {self.o.duration:g}s",
            lambda: self._count(ids),
            len(ids),
            deadline=end + self.o.drain,
            done=lambda: self._count(ids) == len(ids) and self._alerts(watched) == len(watched) and time.time() > end,
        )
        await asyncio.sleep(1.0)  # late webhook POSTs of the last batch
        self.result.phases.append((label, start, time.time()))
        console.log(
            f"load {label}: {self._count(ids)}/{len(ids)} searchable, {self._alerts(watched)}/{len(watched)} alerts"
        )
        self.result.conditions[f"load {label}"] = await asyncio.to_thread(conditions, label, self.state_dir)
        return self._latencies(rate, items, watched, start, end)

    def _alerts(self, ids: list[str]) -> int:
        return sum(1 for i in ids if i in self.receiver.received_at)

    def _latencies(self, rate: float, items: list[Planned], watched: list[str], start: float, end: float) -> LoadResult:
        inf = math.inf
        load = LoadResult(
            rate=rate, duration=self.o.duration, items=len(items), watched=len(watched), start=start, end=end
        )
        watched_set = set(watched)
        for item in items:
            doc = self.ids[item.number]
            ready = self.watcher.searchable_at.get(doc)
            load.searchable.append(ready - item.appear_at if ready else inf)
            load.listed.append(self.site.first_listed_at.get(item.number, inf) - item.appear_at)
            load.fetched.append(self.site.page_fetched_at.get(item.number, inf) - item.appear_at)
            if doc in watched_set:
                got = self.receiver.received_at.get(doc)
                load.alerted.append(got - item.appear_at if got else inf)
            if ready and doc in self.probe.found_at:
                load.probe_minus_announced.append(self.probe.found_at[doc] - ready)
        done = [
            self.watcher.searchable_at[self.ids[i.number]]
            for i in items
            if self.ids[i.number] in self.watcher.searchable_at
        ]
        load.achieved_rate = len(done) / (max(end, *done) - start) if done else 0.0
        load.waterfall = waterfall([self._timeline(item) for item in items])
        return load

    def _timeline(self, item: Planned) -> dict[str, float | None]:
        """One item's stamps in unix seconds: published on the site, the pipeline's (as announced by the
        indexer), and the alert webhook's arrival (watched items only)."""
        doc = self.ids[item.number]
        stamps: dict[str, float | None] = {"published": item.appear_at}
        if (timeline := self.watcher.timelines.get(doc)) is not None:
            stamps |= {name: at.timestamp() for name, at in timeline if at is not None}
        stamps["alerted"] = self.receiver.received_at.get(doc)
        return stamps

    # phase 4 ----------------------------------------------------------------------------------------
    async def scale_out(self, worker: str) -> ScaleResult:
        """One replica of ``worker``, then two (same consumer group), on a backlog in its input topic.

        Each setting's rate comes from the replicas' batch completions (``wirewatch_last_progress_timestamp``
        and ``wirewatch_batch_size_sum`` on their ``/metrics``), counted only once every replica consumes
        (the rebalance that gave the last one its partitions is over): per replica, the batches completed
        after its first completion past that moment, over that span (:func:`bench.stats.batch_rate`),
        summed over the replicas. The window lasts at least ``--scale-window`` s and until each replica
        completed :data:`MIN_BATCHES` batches (at most three windows), and ends early when the backlog
        runs low. Afterwards the two replicas drain what is left and the second one stops, so later
        phases find the pipeline as before."""
        begin = time.time()
        for running in self.pool.replicas(worker):
            self.pool.stop(running.key)
        items = self.plan(self.schedule.preload(self._scale_articles(), time.time()))
        backlog = await self._backlog_ready(worker, items)
        result = ScaleResult(worker=worker, backlog=backlog, window_s=self.o.scale_window)
        for count in (1, 2):
            for replica in range(count):
                self.pool.start(worker, replica=replica, env=_replica_env(worker, replica, count))
            started = time.time()
            with console.status(f"{count} {worker} replica(s) starting …"):
                await self.pool.ready()
                joined = await self._all_consuming(worker, count)
            result.stall_s[count] = joined - started
            await self._measure_replicas(worker, count, joined, result)
            console.log(
                f"scale-out: {count} × {worker}: {result.stage_rate[count]:.2f}/s "
                f"({', '.join(f'{k} {v:.2f}/s' for k, v in result.replica_rates[count].items())}; "
                f"{result.measured_s[count]:.0f} s), backlog left {result.backlog_left[count]}"
            )
            if count == 1:
                for running in self.pool.replicas(worker):
                    self.pool.stop(running.key)
        await self._drain(worker)
        for running in self.pool.replicas(worker):
            if running.key != worker:
                self.pool.stop(running.key)
        self.result.phases.append((f"scale-out {worker}", begin, time.time()))
        self.result.conditions["scale-out"] = await asyncio.to_thread(conditions, "scale-out", self.state_dir)
        return result

    def _scale_articles(self) -> int:
        """Enough backlog for both settings at about the saturation rate (with two replicas ~1.5× it),
        at least ``--scale-articles``, at most three times that."""
        rate = self.result.e2e_throughput
        if not math.isfinite(rate) or rate <= 0:
            return self.o.scale_articles
        needed = math.ceil(rate * 2.5 * (self.o.scale_window + 25))
        return min(max(self.o.scale_articles, needed), 3 * self.o.scale_articles)

    async def _all_consuming(self, worker: str, count: int, limit_s: float = 180.0) -> float:
        """Wait until every replica has started a batch (the group rebalance that assigned the last one
        its partitions is over); returns the moment the last one was seen consuming."""
        deadline = time.time() + limit_s
        while time.time() < deadline:
            seen = await self.pool.counters(only=worker, by_key=True)
            if len([v for v in seen.values() if v > 0]) >= count:
                return time.time()
            self.pool.sample()
            if dead := self.pool.dead():
                raise RuntimeError(f"worker(s) exited: {dead}; logs in {self.pool.log_dir}")
            await asyncio.sleep(0.5)
        self.result.notes.append(f"scale-out: not every {worker} replica consumed within {limit_s:.0f}s")
        return time.time()

    async def _measure_replicas(self, worker: str, count: int, joined: float, result: ScaleResult) -> None:
        keys = [w.key for w in self.pool.replicas(worker)]
        events: dict[str, list[tuple[float, float]]] = {key: [] for key in keys}
        state = {"lag": await self._lag(worker), "lag_at": time.time(), "low": False}
        window = self.o.scale_window

        def batches(key: str) -> int:
            return len({t for t, _ in events[key]})

        async def poll() -> int:
            now = time.time()
            for key, samples in (await self.pool.scrape(only=worker)).items():
                at = samples.get(("wirewatch_last_progress_timestamp", worker), 0.0)
                done = samples.get(("wirewatch_batch_size_sum", worker), 0.0)
                if at > joined and key in events:
                    events[key].append((at, done))
            if now - state["lag_at"] >= 3.0:
                state["lag"], state["lag_at"] = await self._lag(worker), now
                state["low"] = state["lag"] < LOW_BACKLOG * count
            return min(int(now - joined), int(window))

        def finished() -> bool:
            elapsed = time.time() - joined
            enough = all(batches(key) >= MIN_BATCHES for key in keys)
            return (elapsed >= window and enough) or bool(state["low"]) or elapsed > 3 * window

        await self.wait(
            f"scale-out: {count} × {worker}", poll, int(window), deadline=joined + 3 * window + 5, done=finished
        )
        end = time.time()
        rates = {key: batch_rate(events[key]) for key in keys}
        result.replica_rates[count] = rates
        result.batches[count] = {key: max(0, batches(key) - 1) for key in keys}
        result.stage_rate[count] = sum(rates.values())  # nan if a replica completed fewer than two
        result.measured_s[count] = end - joined
        result.e2e_rate[count] = rate_in(list(self.watcher.searchable_at.values()), joined, end)
        result.backlog_left[count] = await self._lag(worker)
        result.backlog_ran_out[count] = bool(state["low"])
        if state["low"]:
            self.result.notes.append(
                f"scale-out: the backlog ran low with {count} {worker} replica(s) "
                f"after {end - joined:.0f} s (raise --scale-articles)"
            )
        if math.isnan(result.stage_rate[count]):
            self.result.notes.append(
                f"scale-out: a {worker} replica completed fewer than two batches after "
                f"the rebalance with {count} replica(s): {result.batches[count]}"
            )

    async def _drain(self, worker: str, limit_s: float = 180.0) -> None:
        """Let the running replicas finish the backlog (later phases want an idle pipeline)."""
        deadline = time.time() + limit_s
        total = max(1, await self._lag(worker))

        async def drained() -> int:
            return total - min(total, await self._lag(worker))

        await self.wait(f"scale-out: draining the {worker} backlog", drained, total, deadline=deadline)

    async def _backlog_ready(self, worker: str, items: list[Planned]) -> int:
        """Wait until the new items were fetched and every stage before ``worker`` has caught up."""
        upstream = list(WORKERS[1 : WORKERS.index(worker)])

        async def caught_up() -> int:
            statuses = {s.stage: s for s in await stage_status(self.settings)}
            fetched = sum(1 for i in items if i.number in self.site.page_fetched_at)
            lagging = sum(statuses[s].lag for s in upstream if s in statuses)
            return fetched if lagging == 0 else min(fetched, len(items) - 1)

        await self.wait(
            f"building a backlog for {worker}", caught_up, len(items), deadline=time.time() + 120 + len(items) / 5
        )
        return await self._lag(worker)

    async def _lag(self, worker: str) -> int:
        if worker == "fetcher":
            return 0
        return next((s.lag for s in await stage_status(self.settings) if s.stage == worker), 0)

    # phase 5 ----------------------------------------------------------------------------------------
    async def backfill(self) -> BackfillResult:
        """Live latency at ``--backfill-rate`` idle, then while a backfill of every stored page runs."""
        rate = self.o.backfill_rate
        result = BackfillResult(rate=rate)
        begin = time.time()
        await self._ensure_workers()
        await self._quiet()
        result.idle = await self.latency(rate, "backfill: idle")
        await self._quiet()
        log = self.pool.log_dir / "replay.log"
        started = time.time()
        self.replay_proc = backfill_proc.start(self.settings, backfill_proc.HEAD, log, worker_env(self.settings, {}))
        await self.wait(
            "backfill: replay of every stored page, until its first batch is searchable",
            lambda: min(1, len(self.watcher.backfill)),
            1,
            deadline=started + 120,
        )
        if not self.watcher.backfill:
            self.result.notes.append("backfill: no backfill batch became searchable within 120 s of the replay")
        else:
            result.first_backfill_s = min(t for t, _ in self.watcher.backfill) - started
        result.during = await self.latency(rate, "backfill: during")
        start, end = result.during.start, result.during.end
        result.window_s = end - start
        result.backfill_docs = self.watcher.backfilled(start, end)
        result.backfill_done = self.watcher.backfilled()
        replayed = backfill_proc.outcome(log)
        result.copied = int(replayed.get("copied", 0) or 0)  # type: ignore[call-overload]
        result.replay_s = float(replayed.get("seconds", math.nan) or math.nan)  # type: ignore[arg-type]
        if not replayed:
            self.result.notes.append(f"backfill: the replay had not finished by the end of the phase ({log})")
        last = max((t for t, _ in self.watcher.backfill), default=math.nan)
        result.finished_early = bool(result.copied) and result.backfill_done >= result.copied and last < end
        if result.finished_early:
            self.result.notes.append(
                "backfill: the backfill was over before the live load ended; the "
                "'during' latency is partly idle (a longer backfill: more --preload)"
            )
        self.result.phases.append(("backfill", begin, time.time()))
        console.log(
            f"backfill: live p95 {result.summary()['p95_idle']:.2f} s idle → "
            f"{result.summary()['p95_during']:.2f} s during (×{result.ratio:.2f}); backfill "
            f"{result.backfill_rate:.2f} articles/s, {result.backfill_done}/{result.copied} done"
        )
        return result

    async def _ensure_workers(self) -> None:
        """Every worker running (a scale-out that aborted may have left one stopped)."""
        missing = [name for name in WORKERS if not self.pool.replicas(name)]
        for name in missing:
            self.pool.start(name)
        if missing:
            with console.status(f"restarting {', '.join(missing)} …"):
                await self.pool.ready()

    async def _quiet(self, limit_s: float = 180.0) -> None:
        """Wait until no live stage has a backlog (lag 0 everywhere), so "idle" means idle."""
        deadline = time.time() + limit_s

        async def lagging() -> int:
            return sum(s.lag for s in await stage_status(self.settings))

        total = await lagging()
        if total == 0:
            return
        state = {"lag": total}

        async def progress() -> int:
            state["lag"] = await lagging()
            return max(0, total - state["lag"])

        await self.wait(
            "waiting for the pipeline to be idle", progress, total, deadline=deadline, done=lambda: state["lag"] == 0
        )
        if state["lag"]:
            self.result.notes.append(
                f"{state['lag']} live messages still queued after {limit_s:.0f} s of waiting for an idle pipeline"
            )

    # WebSub ------------------------------------------------------------------------------------------
    async def websub(self, rate: float) -> LoadResult:
        """Latency at ``rate`` when the feeds push: the feeds advertise a loopback hub (``bench/websub.py``,
        HTTPS with a certificate the fetcher alone trusts), the fetcher restarts with a WebSub callback, and
        once every bench feed is subscribed, items appear at ``rate`` for ``--duration`` s, each pushed to the
        fetcher the moment its feed lists it. Per item, appearance → searchable as for the polled loads (the
        fetcher still polls the subscribed feeds, ``WIREWATCH_FETCHER_WEBSUB_FALLBACK`` times less often).
        Afterwards the feeds stop advertising the hub and a plain fetcher takes over again."""
        begin = time.time()
        topics = [self.site.feed_url(f) for f in range(self.o.feeds)]
        hub = self.hub = (
            self.hub or await WebSubHub(self.settings.state_dir / "websub", topics=frozenset(topics)).start()
        )
        self.site.hub_url = hub.url
        port = free_port()
        env = hub.worker_env() | {
            "WIREWATCH_FETCHER_CALLBACK_URL": f"http://127.0.0.1:{port}/websub",
            "WIREWATCH_FETCHER_CALLBACK_HOST": "127.0.0.1",
            "WIREWATCH_FETCHER_CALLBACK_PORT": str(port),
        }
        await self._restart_fetcher(env)
        await self.wait(
            "websub: every bench feed subscribed",
            lambda: hub.subscribed(topics),
            len(topics),
            deadline=time.time() + 120,
        )
        if (subscribed := hub.subscribed(topics)) < len(topics):
            self.result.notes.append(f"websub: only {subscribed}/{len(topics)} feeds subscribed after 120 s")
        await self._quiet()
        load = await self.latency(rate, f"websub {rate:g}/s", push=True)
        load.label = f"websub {rate:g}/s"
        pushes = summary([d.answered_at - d.sent_at for d in hub.deliveries])
        failed = sum(1 for d in hub.deliveries if d.status != 202)
        self.result.notes.append(
            f"websub: {len(hub.deliveries)} pushes ({failed} not accepted), POST → 202 p50/p95 "
            f"{pushes['p50']:.3f}/{pushes['p95']:.3f} s"
        )
        p95 = summary(load.searchable)["p95"]
        verdict = "met" if p95 <= TARGET_P95_WEBSUB_S else "NOT met"
        console.log(
            f"websub {rate:g}/s: p95 appearance → searchable {p95:.2f} s "
            f"(target ≤ {TARGET_P95_WEBSUB_S:g} s: {verdict}); {self.result.notes[-1]}"
        )
        self.site.hub_url = None
        await self._restart_fetcher({})
        self.result.phases.append(("websub", begin, time.time()))
        return load

    async def _restart_fetcher(self, env: dict[str, str]) -> None:
        for running in self.pool.replicas("fetcher"):
            self.pool.stop(running.key)
        self.pool.start("fetcher", env=env)
        with console.status("restarting the fetcher …"):
            await self.pool.ready()

    # shared -----------------------------------------------------------------------------------------
    async def wait(self, what: str, progress: object, total: int, *, deadline: float, done: object = None) -> None:
        """Show progress until ``progress()`` reaches ``total`` (or ``done()``), or the deadline."""
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task(what, total=total)
            while True:
                value = progress()  # type: ignore[operator]
                if asyncio.iscoroutine(value):
                    value = await value
                bar.update(task, completed=value)
                self.pool.sample()
                if dead := self.pool.dead():
                    raise RuntimeError(f"worker(s) exited: {dead}; logs in {self.pool.log_dir}")
                finished = done() if done is not None else value >= total  # type: ignore[operator]
                if finished or time.time() > deadline:
                    return
                await asyncio.sleep(0.5)


def _replica_env(worker: str, replica: int, count: int) -> dict[str, str]:
    """A scale-out replica's settings: the fetcher's share of the feeds; one model process per extractor
    replica, so that the ratio says what a second replica on a core of its own adds (one replica's own
    process pool would already take both cores of a 2-core machine)."""
    if worker == "fetcher":
        return {"WIREWATCH_FETCHER_REPLICAS": str(count), "WIREWATCH_FETCHER_REPLICA": str(replica)}
    if worker == "extractor":
        return {"WIREWATCH_EXTRACTOR_PROCESSES": "1"}
    return {}


def conditions(phase: str, state_dir: str | None = None) -> dict[str, object]:
    """Machine conditions: cores, load average, CPU busy share and the busiest processes (0.5 s sample).

    ``other_busy_percent`` is the share of the machine busy with something other than this run: the CPU of
    this process and its children (the workers), and of the stack's Kafka and Elasticsearch (their command
    lines name ``state_dir``), is taken out, so an idle pipeline polling its feeds does not count as busy."""
    me = psutil.Process()
    mine = {me.pid, *(child.pid for child in me.children(recursive=True))}
    procs = list(psutil.process_iter(["name"]))
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.cpu_percent(None)
    busy = psutil.cpu_percent(interval=0.5)
    cores = os.cpu_count() or 1
    busiest: list[tuple[float, str]] = []
    others: list[tuple[float, str]] = []
    ours = 0.0
    for proc in procs:
        try:
            cpu, command = proc.cpu_percent(None), proc.cmdline()
        except psutil.Error:
            continue
        name = " ".join(command[:4])[:90] or proc.info["name"]
        busiest.append((cpu, name))
        if proc.pid in mine or (state_dir and any(state_dir in part for part in command)):
            ours += cpu / cores
        else:
            others.append((cpu, name))
    busiest.sort(reverse=True)
    others.sort(reverse=True)
    return {
        "phase": phase,
        "at": time.time(),
        "cores": cores,
        "loadavg": os.getloadavg(),
        "cpu_busy_percent": busy,
        "our_busy_percent": min(busy, ours),
        "other_busy_percent": max(0.0, busy - ours),
        "memory_available_mb": psutil.virtual_memory().available // 2**20,
        "busiest": [f"{cpu:.0f}% {name}" for cpu, name in busiest[:6]],
        "busiest_others": [f"{cpu:.0f}% {name}" for cpu, name in others[:6]],
    }


async def run(options: Options) -> RunResult:
    bench = Bench(options)
    try:
        await bench.setup()
        preload = bench.plan(bench.schedule.preload(options.preload, time.time()), publish=False)
        await bench.stages(preload)
        await bench.saturation(preload)
        for rate in options.loads:
            bench.result.loads.append(await bench.latency(rate))
        if not options.skip_websub:
            try:
                bench.result.loads.append(await bench.websub(options.websub_rate))
            except RuntimeError as exc:
                bench.result.notes.append(f"websub aborted: {exc}")
                console.log(f"[red]websub aborted: {exc}")
        if not options.skip_scale:
            worker = options.scale_worker or STAGE_OF.get(bench.result.slowest_stage, "extractor")
            try:
                bench.result.scale = await bench.scale_out(worker)
            except RuntimeError as exc:  # a worker died: report what was measured, and why it stopped
                bench.result.notes.append(f"scale-out aborted: {exc}")
                console.log(f"[red]scale-out aborted: {exc}")
        if not options.skip_backfill:
            try:
                bench.result.backfill = await bench.backfill()
            except RuntimeError as exc:
                bench.result.notes.append(f"backfill aborted: {exc}")
                console.log(f"[red]backfill aborted: {exc}")
        bench.result.rss_mb = bench.pool.peak_rss_mb()
        bench.result.rss_tree_mb = bench.pool.peak_rss_mb(tree=True)
        bench.result.indexed_times = sorted(bench.watcher.searchable_at.values())
        bench.result.conditions["end"] = await asyncio.to_thread(conditions, "end", bench.state_dir)
        bench.result.conditions["cpu_by_phase"] = {
            name: bench.machine_during(a, b) for name, a, b in bench.result.phases
        }
        bench.result.notes.append(f"probe sample: every {options.probe_every}th latency item")
    finally:
        bench.result.rss_mb = bench.result.rss_mb or bench.pool.peak_rss_mb()
        bench.result.rss_tree_mb = bench.result.rss_tree_mb or bench.pool.peak_rss_mb(tree=True)
        await bench.teardown()
    return bench.result


def parse_args(argv: list[str] | None) -> Options:
    d = Options()
    p = argparse.ArgumentParser(description="Run the whole pipeline on the real stack and measure it.")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run (~20 s per load, about 10 minutes): figures labelled as such, not comparable",
    )
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--feeds", type=int, default=d.feeds)
    p.add_argument("--hosts", type=int, default=d.hosts, help="loopback outlets the feeds are spread over")
    p.add_argument("--preload", type=int, default=None, help=f"saturation articles (default {d.preload})")
    p.add_argument("--stage-articles", type=int, default=None, help="articles for the standalone stages")
    p.add_argument("--loads", default="1,5,20", help="offered loads, articles/s, comma-separated")
    p.add_argument("--duration", type=float, default=None, help=f"seconds per load (default {d.duration:g})")
    p.add_argument(
        "--drain",
        type=float,
        default=None,
        help="seconds after a load ends before its unsearchable items count as missed",
    )
    p.add_argument("--scale-articles", type=int, default=None)
    p.add_argument("--scale-window", type=float, default=None)
    p.add_argument("--scale-worker", choices=SCALABLE, default=None, help="default: the slowest stage's")
    p.add_argument("--skip-scale", action="store_true")
    p.add_argument(
        "--backfill-rate",
        type=float,
        default=d.backfill_rate,
        help="live load (articles/s) measured idle and during the backfill",
    )
    p.add_argument("--skip-backfill", action="store_true")
    p.add_argument(
        "--websub-rate", type=float, default=d.websub_rate, help="articles/s pushed by a WebSub hub (after --loads)"
    )
    p.add_argument("--skip-websub", action="store_true")
    p.add_argument("--model", default=d.model, help="WIREWATCH_NER_MODEL for the extractor and the stages")
    p.add_argument("--interval", type=float, default=d.interval, help="feed poll interval, seconds")
    p.add_argument(
        "--min-delay",
        type=float,
        default=d.min_delay,
        help="WIREWATCH_FETCHER_MIN_DELAY_S (0: no politeness gap between requests to a host)",
    )
    p.add_argument("--keep", action="store_true", help="leave the namespace (topics, indices) in place")
    p.add_argument("--out", type=Path, default=d.out)
    p.add_argument("--json", type=Path, default=None)
    a = p.parse_args(argv)
    base = replace(d, **QUICK) if a.quick else d
    given = {
        "preload": a.preload,
        "stage_articles": a.stage_articles,
        "duration": a.duration,
        "drain": a.drain,
        "scale_articles": a.scale_articles,
        "scale_window": a.scale_window,
    }
    overrides: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    return replace(
        base,
        **overrides,
        seed=a.seed,
        feeds=a.feeds,
        hosts=a.hosts,
        loads=tuple(float(x) for x in a.loads.split(",") if x.strip()),
        scale_worker=a.scale_worker,
        skip_scale=a.skip_scale,
        backfill_rate=a.backfill_rate,
        skip_backfill=a.skip_backfill,
        websub_rate=a.websub_rate,
        skip_websub=a.skip_websub,
        model=a.model,
        interval=a.interval,
        min_delay=a.min_delay,
        keep=a.keep,
        out=a.out,
        json=a.json,
        quick=a.quick,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    options.out.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(run(options))
    report.write_all(result, options.out, options.json)
    report.print_tables(result, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())
