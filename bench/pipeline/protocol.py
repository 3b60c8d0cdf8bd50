"""The pipeline bench's protocol: the phases in order on one :class:`~bench.pipeline.harness.Bench`, what a
phase that aborts leaves in the report, and ``main()`` (the report and the JSON summary, :mod:`bench.report`)."""

from __future__ import annotations

import asyncio
import time

from rich.console import Console

from bench import report
from bench.pipeline.backfill import backfill
from bench.pipeline.harness import Bench, console
from bench.pipeline.latency import latency, websub
from bench.pipeline.machine import conditions
from bench.pipeline.options import Options, parse_args
from bench.pipeline.saturation import saturation, stages_alone
from bench.pipeline.scaleout import scale_out
from bench.results import RunResult
from bench.stages import STAGE_OF


async def run(options: Options) -> RunResult:
    bench = Bench(options)
    try:
        await bench.setup()
        preload = bench.plan(bench.schedule.preload(options.preload, time.time()), publish=False)
        await stages_alone(bench, preload)
        await saturation(bench, preload)
        for rate in options.loads:
            bench.result.loads.append(await latency(bench, rate))
        if not options.skip_websub:
            try:
                bench.result.loads.append(await websub(bench, options.websub_rate))
            except RuntimeError as exc:
                bench.result.notes.append(f"websub aborted: {exc}")
                console.log(f"[red]websub aborted: {exc}")
        if not options.skip_scale:
            worker = options.scale_worker or STAGE_OF.get(bench.result.slowest_stage, "extractor")
            try:
                bench.result.scale = await scale_out(bench, worker)
            except RuntimeError as exc:  # a worker died: report what was measured, and why it stopped
                bench.result.notes.append(f"scale-out aborted: {exc}")
                console.log(f"[red]scale-out aborted: {exc}")
        if not options.skip_backfill:
            try:
                bench.result.backfill = await backfill(bench)
            except RuntimeError as exc:
                bench.result.notes.append(f"backfill aborted: {exc}")
                console.log(f"[red]backfill aborted: {exc}")
        bench.result.rss_mb = bench.pool.peak_rss_mb()
        bench.result.rss_tree_mb = bench.pool.peak_rss_mb(tree=True)
        bench.result.indexed_times = sorted(bench.watcher.searchable_at.values())
        bench.result.conditions["end"] = await asyncio.to_thread(conditions, "end", bench.state_dir)
        bench.result.conditions["cpu_by_phase"] = {
            name: bench.machine.during(a, b) for name, a, b in bench.result.phases
        }
        bench.result.notes.append(f"probe sample: every {options.probe_every}th latency item")
    finally:
        bench.result.rss_mb = bench.result.rss_mb or bench.pool.peak_rss_mb()
        bench.result.rss_tree_mb = bench.result.rss_tree_mb or bench.pool.peak_rss_mb(tree=True)
        await bench.teardown()
    return bench.result


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    options.out.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(run(options))
    report.write_all(result, options.out, options.json)
    report.print_tables(result, Console())
    return 0
