"""One pipeline bench run's harness: its namespace, the feed site, the observers, the workers, the machine
sampler and what was measured, with the helpers every phase shares (planning items, counting what became
searchable or alerted, waiting with a progress bar, an idle pipeline, restarting workers)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bench.corpus import Corpus
from bench.loadgen import FeedSite, Planned, Schedule
from bench.namespace import bench_settings, cleanup, register_feeds, register_rule
from bench.observers import IndexedWatcher, SearchProbe, WebhookReceiver
from bench.pipeline.machine import MachineSampler, conditions
from bench.pipeline.options import Options
from bench.procs import WorkerPool
from bench.results import RunResult
from bench.vocab import WATCH_TERM
from bench.websub import WebSubHub
from bench.workers import WORKERS
from wirewatch.core.es import make_es
from wirewatch.ops.observe import stage_status
from wirewatch.ops.stack import init

console = Console(stderr=True)


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
        self.machine = MachineSampler(self.pool.cpu_total)
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
        self.machine.start()
        self.result.started_at = time.time()
        self.result.conditions = {"start": await asyncio.to_thread(conditions, "start", self.state_dir)}

    async def teardown(self) -> None:
        self.machine.stop()
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

    async def record_conditions(self, key: str, phase: str) -> None:
        """The machine's conditions at the end of ``phase``, kept under ``key``."""
        self.result.conditions[key] = await asyncio.to_thread(conditions, phase, self.state_dir)

    # items and what became of them -------------------------------------------------------------------
    def plan(self, items: list[Planned], *, publish: bool = True) -> list[Planned]:
        """Remember the items' document ids and (``publish``) put them on the site."""
        from wirewatch.services.fetcher.urls import canonicalize, document_id

        for item in items:
            self.ids[item.number] = document_id(canonicalize(self.site.url_of(item)))
        if publish:
            self.site.add(items)
        return items

    def count(self, ids: list[str]) -> int:
        """How many of ``ids`` the indexer announced as searchable."""
        return sum(1 for i in ids if i in self.watcher.searchable_at)

    def alerts(self, ids: list[str]) -> int:
        """How many of ``ids`` reached the alert webhook."""
        return sum(1 for i in ids if i in self.receiver.received_at)

    async def processed(self) -> dict[str, float]:
        """Articles each worker has handled so far: its stage's input counter; the fetcher's pages; for
        the alerter (whose messages are batches) the articles announced as indexed."""
        counts = await self.pool.counters()
        counts["fetcher"] = float(len(self.site.page_fetched_at))
        counts["alerter"] = float(len(self.watcher.searchable_at))
        return counts

    def timeline(self, item: Planned) -> dict[str, float | None]:
        """One item's stamps in unix seconds: published on the site, the pipeline's (as announced by the
        indexer), and the alert webhook's arrival (watched items only)."""
        doc = self.ids[item.number]
        stamps: dict[str, float | None] = {"published": item.appear_at}
        if (timeline := self.watcher.timelines.get(doc)) is not None:
            stamps |= {name: at.timestamp() for name, at in timeline if at is not None}
        stamps["alerted"] = self.receiver.received_at.get(doc)
        return stamps

    # the pipeline's state ----------------------------------------------------------------------------
    async def lag(self, worker: str) -> int:
        """Messages waiting in ``worker``'s live input (none for the fetcher, which polls feeds)."""
        if worker == "fetcher":
            return 0
        return next((s.lag for s in await stage_status(self.settings) if s.stage == worker), 0)

    async def ensure_workers(self) -> None:
        """Every worker running (a scale-out that aborted may have left one stopped)."""
        missing = [name for name in WORKERS if not self.pool.replicas(name)]
        for name in missing:
            self.pool.start(name)
        if missing:
            with console.status(f"restarting {', '.join(missing)} …"):
                await self.pool.ready()

    async def restart_fetcher(self, env: dict[str, str]) -> None:
        for running in self.pool.replicas("fetcher"):
            self.pool.stop(running.key)
        self.pool.start("fetcher", env=env)
        with console.status("restarting the fetcher …"):
            await self.pool.ready()

    async def quiet(self, limit_s: float = 180.0) -> None:
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
