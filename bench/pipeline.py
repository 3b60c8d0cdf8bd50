"""The whole pipeline, measured end to end on the real stack, in one command.

    .venv/bin/python -m bench.pipeline [--quick] [--json PATH] [--keep] [--seed N] ...

Phases (one namespace ``wwbench<hex>``, initialised with ``wirewatch.stack.init``, dropped at the end
unless ``--keep``):

1. **stages alone**: parser, trafilatura, raw ``nlp.pipe``, our ``enrich`` and ``async_bulk`` on the
   first ``--stage-articles`` of the generated articles (:mod:`bench.stages`), before any worker runs;
2. **saturation**: ``--preload`` articles are already in the feeds when the five workers start; the
   steady rate at which they become searchable (10th–90th percentile of their ``searchable_at``) is the
   end-to-end throughput; CPU seconds per article per worker are measured over this phase;
3. **latency**: for each ``--loads`` rate, new items appear at that rate for ``--duration`` s; per item,
   "appeared in its feed" → "searchable" (``articles.indexed``) and → "alert webhook received" (a rule
   matching ~20% of articles), with ``--drain`` s after the last item before the rest count as missed;
4. **scale-out**: the slowest stage's worker is stopped, a backlog builds up in its input topic, then it
   runs with one replica and with two for ``--scale-window`` s each; the ratio of their rates.

Writes ``bench/out/pipeline-report.md``, ``latency-cdf.png``, ``throughput.png`` and (``--json``) a
summary; see ``bench/README.md`` for how each figure is measured.
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

from bench import report
from bench.corpus import Corpus
from bench.loadgen import FeedSite, Planned, Schedule
from bench.namespace import bench_settings, cleanup, register_feeds, register_rule
from bench.observers import IndexedWatcher, SearchProbe, WebhookReceiver
from bench.procs import WORKERS, WorkerPool
from bench.results import LoadResult, RunResult, ScaleResult
from bench.stages import STAGE_OF, Page, measure_bulk, measure_extraction, measure_parsers, slowest
from bench.stats import rate_in, steady_rate
from bench.vocab import WATCH_TERM
from wirewatch.es import make_es
from wirewatch.observe import stage_status
from wirewatch.stack import init

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
    scale_articles: int = 500
    scale_window: float = 40.0
    scale_worker: str | None = None
    skip_scale: bool = False
    model: str = "en_core_web_md"
    interval: float = 1.0
    min_delay: float = 0.0
    probe_every: int = 5
    keep: bool = False
    out: Path = OUT
    json: Path | None = None


QUICK: dict[str, Any] = {"preload": 200, "stage_articles": 100, "duration": 20.0, "drain": 30.0,
                         "scale_articles": 300, "scale_window": 25.0}


class Bench:
    """One run: the namespace, the feed site, the observers, the workers, and what was measured."""

    def __init__(self, options: Options) -> None:
        self.o = options
        self.settings = bench_settings(options.out)
        self.corpus = Corpus(options.seed)
        self.schedule = Schedule(options.feeds, options.seed)
        self.site = FeedSite(self.corpus, feeds=options.feeds, hosts=options.hosts)
        self.receiver = WebhookReceiver()
        self.es = make_es(self.settings)
        self.watcher = IndexedWatcher(self.settings)
        self.probe = SearchProbe(self.es, self.settings.index_name("articles"))
        self.pool = WorkerPool(self.settings, options.out / "logs" / self.settings.index_prefix, extra_env={
            "WIREWATCH_NER_MODEL": options.model, "WIREWATCH_FETCHER_MIN_DELAY_S": f"{options.min_delay:g}",
            "WIREWATCH_POLL_INTERVAL": f"{options.interval:g}"})
        self.result = RunResult(options={k: str(v) if isinstance(v, Path) else v
                                         for k, v in asdict(options).items()})
        self.ids: dict[int, str] = {}
        self.machine: list[tuple[float, float, float]] = []  # (time, CPU busy %, our CPU seconds so far)
        self._sampler: asyncio.Task[None] | None = None

    # set-up and tear-down ---------------------------------------------------------------------------
    async def setup(self) -> None:
        console.print(f"namespace [bold]{self.settings.index_prefix}[/] on {self.settings.kafka_bootstrap} "
                      f"and {self.settings.es_url}")
        await init(self.settings)
        await self.site.start()
        await self.receiver.start()
        await register_feeds(self.es, self.settings, [self.site.feed_url(f) for f in range(self.o.feeds)],
                             self.o.interval)
        await register_rule(self.es, self.settings, f"text:{WATCH_TERM}", self.receiver.url)
        await self.watcher.start()
        self.probe.start()
        self._sampler = asyncio.create_task(self._sample_machine())
        self.result.started_at = time.time()
        self.result.conditions = {"start": await asyncio.to_thread(conditions, "start")}

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
        self.pool.stop_all()
        await self.probe.stop()
        await self.watcher.stop()
        await self.site.stop()
        await self.receiver.stop()
        if not self.o.keep:
            await cleanup(self.settings, self.es)
        else:
            console.print(f"--keep: namespace {self.settings.index_prefix} left in place")
        await self.es.close()

    def plan(self, items: list[Planned], *, publish: bool = True) -> list[Planned]:
        """Remember the items' document ids and (``publish``) put them on the site."""
        from services.fetcher.urls import canonicalize, document_id

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
            extraction, enriched = await asyncio.to_thread(measure_extraction, parsed, self.o.model, 32)
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

        return render_page(self.site.article(item.number), self.site.outlet(item.feed),
                           datetime.fromtimestamp(item.appear_at, UTC), seed=self.corpus.seed).encode()

    # phase 2 ----------------------------------------------------------------------------------------
    async def saturation(self, preload: list[Planned]) -> None:
        """Start the workers on empty feeds; once all are ready, the preload appears at once."""
        for name in WORKERS:
            self.pool.start(name)
        with console.status("starting the five workers …"):
            await self.pool.ready()
        begin = time.time()
        cpu0, counts0 = self.pool.cpu(), await self._processed()
        self.site.add(preload)
        ids = [self.ids[i.number] for i in preload]
        await self.wait(f"saturation: {len(ids)} preloaded articles", lambda: self._count(ids), len(ids),
                        deadline=time.time() + 120 + len(ids) * 2)
        cpu1, counts1 = self.pool.cpu(), await self._processed()
        times = [self.watcher.searchable_at[i] for i in ids if i in self.watcher.searchable_at]
        self.result.e2e_throughput = steady_rate(times)
        self.result.e2e_articles = len(times)
        self.result.e2e_seconds = (max(times) - begin) if times else math.nan
        self.result.cpu_per_article = {
            name: (cpu1[name] - cpu0.get(name, 0.0)) / done
            for name in cpu1 if (done := counts1.get(name, 0) - counts0.get(name, 0)) > 0}
        self.result.phases.append(("saturation", begin, time.time()))
        console.log(f"saturation: {len(times)}/{len(ids)} searchable, "
                    f"steady {self.result.e2e_throughput:.2f}/s")
        self.result.conditions["saturation"] = await asyncio.to_thread(conditions, "saturation")

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
    async def latency(self, rate: float) -> LoadResult:
        start = time.time() + 2.0
        items = self.plan(self.schedule.publish(rate, self.o.duration, start))
        ids = [self.ids[i.number] for i in items]
        self.probe.watch(ids[:: self.o.probe_every])
        watched = [self.ids[i.number] for i in items if self.site.article(i.number).watched]
        end = start + self.o.duration
        await self.wait(f"{rate:g} articles/s for {self.o.duration:g}s", lambda: self._count(ids), len(ids),
                        deadline=end + self.o.drain,
                        done=lambda: self._count(ids) == len(ids) and self._alerts(watched) == len(watched)
                        and time.time() > end)
        await asyncio.sleep(1.0)  # late webhook POSTs of the last batch
        self.result.phases.append((f"{rate:g}/s", start, time.time()))
        console.log(f"load {rate:g}/s: {self._count(ids)}/{len(ids)} searchable, "
                    f"{self._alerts(watched)}/{len(watched)} alerts")
        self.result.conditions[f"load {rate:g}/s"] = await asyncio.to_thread(conditions, f"{rate:g}/s")
        return self._latencies(rate, items, watched, start, end)

    def _alerts(self, ids: list[str]) -> int:
        return sum(1 for i in ids if i in self.receiver.received_at)

    def _latencies(self, rate: float, items: list[Planned], watched: list[str], start: float,
                   end: float) -> LoadResult:
        inf = math.inf
        load = LoadResult(rate=rate, duration=self.o.duration, items=len(items), watched=len(watched))
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
        done = [self.watcher.searchable_at[self.ids[i.number]] for i in items
                if self.ids[i.number] in self.watcher.searchable_at]
        load.achieved_rate = len(done) / (max(end, *done) - start) if done else 0.0
        return load

    # phase 4 ----------------------------------------------------------------------------------------
    async def scale_out(self, worker: str) -> ScaleResult:
        begin = time.time()
        for running in self.pool.replicas(worker):
            self.pool.stop(running.key)
        items = self.plan(self.schedule.preload(self.o.scale_articles, time.time()))
        backlog = await self._backlog_ready(worker, items)
        result = ScaleResult(worker=worker, backlog=backlog, window_s=self.o.scale_window)
        for count in (1, 2):
            for replica in range(count):
                self.pool.start(worker, replica=replica, env=_replica_env(worker, replica, count))
            started = time.time()
            with console.status(f"{count} {worker} replica(s) starting …"):
                await self.pool.ready()
                await self._all_consuming(worker, count)
            result.stall_s[count] = time.time() - started
            before, t0 = (await self.pool.counters()).get(worker, 0.0), time.time()
            await self.wait(f"scale-out: {count} × {worker}", lambda t0=t0: int(time.time() - t0),
                            int(self.o.scale_window), deadline=t0 + self.o.scale_window)
            after, t1 = (await self.pool.counters()).get(worker, 0.0), time.time()
            result.stage_rate[count] = (after - before) / (t1 - t0)
            result.e2e_rate[count] = rate_in(list(self.watcher.searchable_at.values()), t0, t1)
            result.backlog_left[count] = await self._lag(worker)
            console.log(f"scale-out: {count} × {worker}: {result.stage_rate[count]:.2f}/s, "
                        f"backlog left {result.backlog_left[count]}")
            for running in self.pool.replicas(worker):
                self.pool.stop(running.key)
        self.result.phases.append((f"scale-out {worker}", begin, time.time()))
        self.result.conditions["scale-out"] = await asyncio.to_thread(conditions, "scale-out")
        return result

    async def _all_consuming(self, worker: str, count: int, limit_s: float = 180.0) -> None:
        """Wait until every replica has consumed something (the group rebalance is over)."""
        deadline = time.time() + limit_s
        while time.time() < deadline:
            seen = await self.pool.counters(only=worker, by_key=True)
            if len([v for v in seen.values() if v > 0]) >= count:
                return
            await asyncio.sleep(0.5)
        self.result.notes.append(f"scale-out: not every {worker} replica consumed within {limit_s:.0f}s")

    async def _backlog_ready(self, worker: str, items: list[Planned]) -> int:
        """Wait until the new items were fetched and every stage before ``worker`` has caught up."""
        upstream = list(WORKERS[1 : WORKERS.index(worker)])

        async def caught_up() -> int:
            statuses = {s.stage: s for s in await stage_status(self.settings)}
            fetched = sum(1 for i in items if i.number in self.site.page_fetched_at)
            lagging = sum(statuses[s].lag for s in upstream if s in statuses)
            return fetched if lagging == 0 else min(fetched, len(items) - 1)

        await self.wait(f"building a backlog for {worker}", caught_up, len(items),
                        deadline=time.time() + 120 + len(items) / 5)
        return await self._lag(worker)

    async def _lag(self, worker: str) -> int:
        if worker == "fetcher":
            return 0
        return next((s.lag for s in await stage_status(self.settings) if s.stage == worker), 0)

    # shared -----------------------------------------------------------------------------------------
    async def wait(self, what: str, progress: object, total: int, *, deadline: float,
                   done: object = None) -> None:
        """Show progress until ``progress()`` reaches ``total`` (or ``done()``), or the deadline."""
        columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                   TimeElapsedColumn())
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
    if worker == "fetcher":
        return {"WIREWATCH_FETCHER_REPLICAS": str(count), "WIREWATCH_FETCHER_REPLICA": str(replica)}
    return {}


def conditions(phase: str) -> dict[str, object]:
    """Machine conditions: cores, load average, CPU busy share and the busiest processes (0.5 s sample)."""
    procs = list(psutil.process_iter(["name"]))
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.cpu_percent(None)
    busy = psutil.cpu_percent(interval=0.5)
    busiest: list[tuple[float, str]] = []
    for proc in procs:
        try:
            busiest.append((proc.cpu_percent(None), " ".join(proc.cmdline()[:4])[:90] or proc.info["name"]))
        except psutil.Error:
            continue
    busiest.sort(reverse=True)
    return {"phase": phase, "at": time.time(), "cores": os.cpu_count(), "loadavg": os.getloadavg(),
            "cpu_busy_percent": busy, "memory_available_mb": psutil.virtual_memory().available // 2**20,
            "busiest": [f"{cpu:.0f}% {name}" for cpu, name in busiest[:6]]}


async def run(options: Options) -> RunResult:
    bench = Bench(options)
    try:
        await bench.setup()
        preload = bench.plan(bench.schedule.preload(options.preload, time.time()), publish=False)
        await bench.stages(preload)
        await bench.saturation(preload)
        for rate in options.loads:
            bench.result.loads.append(await bench.latency(rate))
        if not options.skip_scale:
            worker = options.scale_worker or STAGE_OF.get(bench.result.slowest_stage, "extractor")
            try:
                bench.result.scale = await bench.scale_out(worker)
            except RuntimeError as exc:  # a worker died: report what was measured, and why it stopped
                bench.result.notes.append(f"scale-out aborted: {exc}")
                console.log(f"[red]scale-out aborted: {exc}")
        bench.result.rss_mb = bench.pool.peak_rss_mb()
        bench.result.rss_tree_mb = bench.pool.peak_rss_mb(tree=True)
        bench.result.indexed_times = sorted(bench.watcher.searchable_at.values())
        bench.result.conditions["end"] = await asyncio.to_thread(conditions, "end")
        bench.result.conditions["cpu_by_phase"] = {name: bench.machine_during(a, b)
                                                   for name, a, b in bench.result.phases}
        bench.result.notes.append(f"probe sample: every {options.probe_every}th latency item")
    finally:
        bench.result.rss_mb = bench.result.rss_mb or bench.pool.peak_rss_mb()
        bench.result.rss_tree_mb = bench.result.rss_tree_mb or bench.pool.peak_rss_mb(tree=True)
        await bench.teardown()
    return bench.result


def parse_args(argv: list[str] | None) -> Options:
    d = Options()
    p = argparse.ArgumentParser(description="Run the whole pipeline on the real stack and measure it.")
    p.add_argument("--quick", action="store_true", help="smaller run: ~20 s per load (about 6 minutes)")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--feeds", type=int, default=d.feeds)
    p.add_argument("--hosts", type=int, default=d.hosts, help="loopback outlets the feeds are spread over")
    p.add_argument("--preload", type=int, default=None, help=f"saturation articles (default {d.preload})")
    p.add_argument("--stage-articles", type=int, default=None, help="articles for the standalone stages")
    p.add_argument("--loads", default="1,5,20", help="offered loads, articles/s, comma-separated")
    p.add_argument("--duration", type=float, default=None, help=f"seconds per load (default {d.duration:g})")
    p.add_argument("--drain", type=float, default=None,
                   help="seconds after a load ends before its unsearchable items count as missed")
    p.add_argument("--scale-articles", type=int, default=None)
    p.add_argument("--scale-window", type=float, default=None)
    p.add_argument("--scale-worker", choices=WORKERS, default=None, help="default: the slowest stage's")
    p.add_argument("--skip-scale", action="store_true")
    p.add_argument("--model", default=d.model, help="WIREWATCH_NER_MODEL for the extractor and the stages")
    p.add_argument("--interval", type=float, default=d.interval, help="feed poll interval, seconds")
    p.add_argument("--min-delay", type=float, default=d.min_delay,
                   help="WIREWATCH_FETCHER_MIN_DELAY_S (0: no politeness gap between requests to a host)")
    p.add_argument("--keep", action="store_true", help="leave the namespace (topics, indices) in place")
    p.add_argument("--out", type=Path, default=d.out)
    p.add_argument("--json", type=Path, default=None)
    a = p.parse_args(argv)
    base = replace(d, **QUICK) if a.quick else d
    given = {"preload": a.preload, "stage_articles": a.stage_articles, "duration": a.duration,
             "drain": a.drain, "scale_articles": a.scale_articles, "scale_window": a.scale_window}
    overrides: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    return replace(base, **overrides, seed=a.seed, feeds=a.feeds, hosts=a.hosts,
                   loads=tuple(float(x) for x in a.loads.split(",") if x.strip()),
                   scale_worker=a.scale_worker, skip_scale=a.skip_scale, model=a.model, interval=a.interval,
                   min_delay=a.min_delay, keep=a.keep, out=a.out, json=a.json)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    options.out.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(run(options))
    report.write_all(result, options.out, options.json)
    report.print_tables(result, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())
