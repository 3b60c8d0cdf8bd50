"""Phases 1 and 2 of the pipeline bench, the two sides of its throughput ratio: each stage alone on the first
``--stage-articles`` articles before any worker runs (:mod:`bench.stages`), then the five workers saturated by
``--preload`` articles that appear at once (the steady rate at which they become searchable, CPU seconds per
article and CPU share per worker, the per-hop waterfall)."""

from __future__ import annotations

import asyncio
import math
import time

from bench.loadgen import Planned
from bench.pipeline.harness import Bench, console
from bench.stages import Page, measure_bulk, measure_extraction, measure_parsers, slowest
from bench.stats import steady_rate
from bench.waterfall import waterfall
from bench.workers import WORKERS
from wirewatch.services.extractor.settings import ExtractorSettings


async def stages_alone(bench: Bench, preload: list[Planned]) -> None:
    """Parsers, extraction and bulk indexing alone, in this process, on the first of the preloaded pages."""
    chosen = preload[: bench.o.stage_articles]
    pages = [Page(bench.ids[i.number], bench.site.url_of(i), _page(bench, i)) for i in chosen]
    begin = time.time()
    with console.status(f"stages alone on {len(pages)} articles …"):
        parsers, parsed = await asyncio.to_thread(measure_parsers, pages)
        processes = ExtractorSettings().live_processes()  # as many as the extractor worker runs
        extraction, enriched = await asyncio.to_thread(measure_extraction, parsed, bench.o.model, 32, processes)
        bulk = await measure_bulk(bench.es, bench.settings.index_prefix, enriched, 500)
    results = [*parsers, *extraction, bulk]
    bench.result.phases.append(("stages alone", begin, time.time()))
    bench.result.stage_rates = {r.name: r.rate for r in results}
    bench.result.stage_articles = len(pages)
    worst = slowest(results)
    bench.result.slowest_stage, bench.result.slowest_rate = worst.name, worst.rate
    console.log("stages alone (articles/s): " + ", ".join(f"{r.name} {r.rate:.1f}" for r in results))


def _page(bench: Bench, item: Planned) -> bytes:
    from datetime import UTC, datetime

    from bench.corpus import render_page

    return render_page(
        bench.site.article(item.number),
        bench.site.outlet(item.feed),
        datetime.fromtimestamp(item.appear_at, UTC),
        seed=bench.corpus.seed,
    ).encode()


async def saturation(bench: Bench, preload: list[Planned]) -> None:
    """Start the workers on empty feeds; once all are ready, the preload appears at once."""
    for name in WORKERS:
        bench.pool.start(name)
    with console.status("starting the five workers …"):
        await bench.pool.ready()
    await bench.record_conditions("before saturation", "before saturation")
    begin = time.time()
    cpu0, counts0 = bench.pool.cpu(), await bench.processed()
    bench.site.add(preload)
    ids = [bench.ids[i.number] for i in preload]
    await bench.wait(
        f"saturation: {len(ids)} preloaded articles",
        lambda: bench.count(ids),
        len(ids),
        deadline=time.time() + 120 + len(ids) * 2,
    )
    cpu1, counts1 = bench.pool.cpu(), await bench.processed()
    times = [bench.watcher.searchable_at[i] for i in ids if i in bench.watcher.searchable_at]
    bench.result.e2e_throughput = steady_rate(times)
    bench.result.e2e_articles = len(times)
    bench.result.e2e_seconds = (max(times) - begin) if times else math.nan
    bench.result.cpu_per_article = {
        name: (cpu1[name] - cpu0.get(name, 0.0)) / done
        for name in cpu1
        if (done := counts1.get(name, 0) - counts0.get(name, 0)) > 0
    }
    elapsed = time.time() - begin
    bench.result.cpu_share = {name: (cpu1[name] - cpu0.get(name, 0.0)) / elapsed for name in cpu1}
    bench.result.saturation_waterfall = waterfall([bench.timeline(i) for i in preload])
    bench.result.phases.append(("saturation", begin, time.time()))
    console.log(f"saturation: {len(times)}/{len(ids)} searchable, steady {bench.result.e2e_throughput:.2f}/s")
    await bench.record_conditions("saturation", "saturation")
