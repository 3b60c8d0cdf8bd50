"""Phase 4 of the pipeline bench, scale-out: the slowest stage's worker is stopped, a backlog builds up in its
input topic, then it runs with one replica and with two (same consumer group); each setting's rate comes from
the replicas' batch completions once every replica consumes (the group's rebalance is over)."""

from __future__ import annotations

import asyncio
import math
import time

from bench.loadgen import Planned
from bench.pipeline.harness import Bench, console
from bench.results import ScaleResult
from bench.stats import batch_rate, rate_in
from bench.workers import WORKERS
from wirewatch.ops.observe import stage_status

#: replicas' batches completed after the rebalance needed for a rate (the first is only a start mark)
MIN_BATCHES = 3
#: the scale-out window ends early when fewer messages than this per replica are left
LOW_BACKLOG = 40


async def scale_out(bench: Bench, worker: str) -> ScaleResult:
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
    for running in bench.pool.replicas(worker):
        bench.pool.stop(running.key)
    items = bench.plan(bench.schedule.preload(_scale_articles(bench), time.time()))
    backlog = await _backlog_ready(bench, worker, items)
    result = ScaleResult(worker=worker, backlog=backlog, window_s=bench.o.scale_window)
    for count in (1, 2):
        for replica in range(count):
            bench.pool.start(worker, replica=replica, env=_replica_env(worker, replica, count))
        started = time.time()
        with console.status(f"{count} {worker} replica(s) starting …"):
            await bench.pool.ready()
            joined = await _all_consuming(bench, worker, count)
        result.stall_s[count] = joined - started
        await _measure_replicas(bench, worker, count, joined, result)
        console.log(
            f"scale-out: {count} × {worker}: {result.stage_rate[count]:.2f}/s "
            f"({', '.join(f'{k} {v:.2f}/s' for k, v in result.replica_rates[count].items())}; "
            f"{result.measured_s[count]:.0f} s), backlog left {result.backlog_left[count]}"
        )
        if count == 1:
            for running in bench.pool.replicas(worker):
                bench.pool.stop(running.key)
    await _drain(bench, worker)
    for running in bench.pool.replicas(worker):
        if running.key != worker:
            bench.pool.stop(running.key)
    bench.result.phases.append((f"scale-out {worker}", begin, time.time()))
    await bench.record_conditions("scale-out", "scale-out")
    return result


def _replica_env(worker: str, replica: int, count: int) -> dict[str, str]:
    """A scale-out replica's settings: the fetcher's share of the feeds; one model process per extractor
    replica, so that the ratio says what a second replica on a core of its own adds (one replica's own
    process pool would already take both cores of a 2-core machine)."""
    if worker == "fetcher":
        return {"WIREWATCH_FETCHER_REPLICAS": str(count), "WIREWATCH_FETCHER_REPLICA": str(replica)}
    if worker == "extractor":
        return {"WIREWATCH_EXTRACTOR_PROCESSES": "1"}
    return {}


def _scale_articles(bench: Bench) -> int:
    """Enough backlog for both settings at about the saturation rate (with two replicas ~1.5× it),
    at least ``--scale-articles``, at most three times that."""
    rate = bench.result.e2e_throughput
    if not math.isfinite(rate) or rate <= 0:
        return bench.o.scale_articles
    needed = math.ceil(rate * 2.5 * (bench.o.scale_window + 25))
    return min(max(bench.o.scale_articles, needed), 3 * bench.o.scale_articles)


async def _backlog_ready(bench: Bench, worker: str, items: list[Planned]) -> int:
    """Wait until the new items were fetched and every stage before ``worker`` has caught up."""
    upstream = list(WORKERS[1 : WORKERS.index(worker)])

    async def caught_up() -> int:
        statuses = {s.stage: s for s in await stage_status(bench.settings)}
        fetched = sum(1 for i in items if i.number in bench.site.page_fetched_at)
        lagging = sum(statuses[s].lag for s in upstream if s in statuses)
        return fetched if lagging == 0 else min(fetched, len(items) - 1)

    await bench.wait(
        f"building a backlog for {worker}", caught_up, len(items), deadline=time.time() + 120 + len(items) / 5
    )
    return await bench.lag(worker)


async def _all_consuming(bench: Bench, worker: str, count: int, limit_s: float = 180.0) -> float:
    """Wait until every replica has started a batch (the group rebalance that assigned the last one
    its partitions is over); returns the moment the last one was seen consuming."""
    deadline = time.time() + limit_s
    while time.time() < deadline:
        seen = await bench.pool.counters(only=worker, by_key=True)
        if len([v for v in seen.values() if v > 0]) >= count:
            return time.time()
        bench.pool.sample()
        if dead := bench.pool.dead():
            raise RuntimeError(f"worker(s) exited: {dead}; logs in {bench.pool.log_dir}")
        await asyncio.sleep(0.5)
    bench.result.notes.append(f"scale-out: not every {worker} replica consumed within {limit_s:.0f}s")
    return time.time()


async def _measure_replicas(bench: Bench, worker: str, count: int, joined: float, result: ScaleResult) -> None:
    keys = [w.key for w in bench.pool.replicas(worker)]
    events: dict[str, list[tuple[float, float]]] = {key: [] for key in keys}
    state = {"lag": await bench.lag(worker), "lag_at": time.time(), "low": False}
    window = bench.o.scale_window

    def batches(key: str) -> int:
        return len({t for t, _ in events[key]})

    async def poll() -> int:
        now = time.time()
        for key, samples in (await bench.pool.scrape(only=worker)).items():
            at = samples.get(("wirewatch_last_progress_timestamp", worker), 0.0)
            done = samples.get(("wirewatch_batch_size_sum", worker), 0.0)
            if at > joined and key in events:
                events[key].append((at, done))
        if now - state["lag_at"] >= 3.0:
            state["lag"], state["lag_at"] = await bench.lag(worker), now
            state["low"] = state["lag"] < LOW_BACKLOG * count
        return min(int(now - joined), int(window))

    def finished() -> bool:
        elapsed = time.time() - joined
        enough = all(batches(key) >= MIN_BATCHES for key in keys)
        return (elapsed >= window and enough) or bool(state["low"]) or elapsed > 3 * window

    await bench.wait(
        f"scale-out: {count} × {worker}", poll, int(window), deadline=joined + 3 * window + 5, done=finished
    )
    end = time.time()
    rates = {key: batch_rate(events[key]) for key in keys}
    result.replica_rates[count] = rates
    result.batches[count] = {key: max(0, batches(key) - 1) for key in keys}
    result.stage_rate[count] = sum(rates.values())  # nan if a replica completed fewer than two
    result.measured_s[count] = end - joined
    result.e2e_rate[count] = rate_in(list(bench.watcher.searchable_at.values()), joined, end)
    result.backlog_left[count] = await bench.lag(worker)
    result.backlog_ran_out[count] = bool(state["low"])
    if state["low"]:
        bench.result.notes.append(
            f"scale-out: the backlog ran low with {count} {worker} replica(s) "
            f"after {end - joined:.0f} s (raise --scale-articles)"
        )
    if math.isnan(result.stage_rate[count]):
        bench.result.notes.append(
            f"scale-out: a {worker} replica completed fewer than two batches after "
            f"the rebalance with {count} replica(s): {result.batches[count]}"
        )


async def _drain(bench: Bench, worker: str, limit_s: float = 180.0) -> None:
    """Let the running replicas finish the backlog (later phases want an idle pipeline)."""
    deadline = time.time() + limit_s
    total = max(1, await bench.lag(worker))

    async def drained() -> int:
        return total - min(total, await bench.lag(worker))

    await bench.wait(f"scale-out: draining the {worker} backlog", drained, total, deadline=deadline)
