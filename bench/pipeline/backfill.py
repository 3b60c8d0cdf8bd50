"""Phase 5 of the pipeline bench: live feed→searchable latency at ``--backfill-rate``, first with the pipeline
idle, then while a backfill of everything ingested so far runs (a ``replay`` process, :mod:`bench.backfill`,
so parser, extractor and indexer all serve their backfill lane); the ratio of the two p95s and the backfill's
own rate."""

from __future__ import annotations

import math
import time

from bench import backfill as backfill_proc
from bench.pipeline.harness import Bench, console
from bench.pipeline.latency import latency
from bench.procs import worker_env
from bench.results import BackfillResult


async def backfill(bench: Bench) -> BackfillResult:
    """Live latency at ``--backfill-rate`` idle, then while a backfill of every stored page runs."""
    rate = bench.o.backfill_rate
    result = BackfillResult(rate=rate)
    begin = time.time()
    await bench.ensure_workers()
    await bench.quiet()
    result.idle = await latency(bench, rate, "backfill: idle")
    await bench.quiet()
    log = bench.pool.log_dir / "replay.log"
    started = time.time()
    bench.replay_proc = backfill_proc.start(bench.settings, backfill_proc.HEAD, log, worker_env(bench.settings, {}))
    await bench.wait(
        "backfill: replay of every stored page, until its first batch is searchable",
        lambda: min(1, len(bench.watcher.backfill)),
        1,
        deadline=started + 120,
    )
    if not bench.watcher.backfill:
        bench.result.notes.append("backfill: no backfill batch became searchable within 120 s of the replay")
    else:
        result.first_backfill_s = min(t for t, _ in bench.watcher.backfill) - started
    result.during = await latency(bench, rate, "backfill: during")
    start, end = result.during.start, result.during.end
    result.window_s = end - start
    result.backfill_docs = bench.watcher.backfilled(start, end)
    result.backfill_done = bench.watcher.backfilled()
    replayed = backfill_proc.outcome(log)
    result.copied = int(replayed.get("copied", 0) or 0)  # type: ignore[call-overload]
    result.replay_s = float(replayed.get("seconds", math.nan) or math.nan)  # type: ignore[arg-type]
    if not replayed:
        bench.result.notes.append(f"backfill: the replay had not finished by the end of the phase ({log})")
    last = max((t for t, _ in bench.watcher.backfill), default=math.nan)
    result.finished_early = bool(result.copied) and result.backfill_done >= result.copied and last < end
    if result.finished_early:
        bench.result.notes.append(
            "backfill: the backfill was over before the live load ended; the "
            "'during' latency is partly idle (a longer backfill: more --preload)"
        )
    bench.result.phases.append(("backfill", begin, time.time()))
    console.log(
        f"backfill: live p95 {result.summary()['p95_idle']:.2f} s idle → "
        f"{result.summary()['p95_during']:.2f} s during (×{result.ratio:.2f}); backfill "
        f"{result.backfill_rate:.2f} articles/s, {result.backfill_done}/{result.copied} done"
    )
    return result
