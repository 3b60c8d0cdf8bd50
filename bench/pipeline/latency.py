"""Phase 3 of the pipeline bench: latency under an offered load. Items appear at a rate for ``--duration`` s;
per item, "appeared in its feed" → searchable (``articles.indexed``) and → alert webhook received, with
``--drain`` s after the last item before the rest count as missed. Also the same load with WebSub pushes
(a loopback hub, :mod:`bench.websub`) and the backfill phase's live loads."""

from __future__ import annotations

import asyncio
import math
import time

from bench.loadgen import Planned, free_port
from bench.pipeline.harness import Bench, console
from bench.results import TARGET_P95_WEBSUB_S, LoadResult
from bench.stats import summary
from bench.waterfall import waterfall
from bench.websub import WebSubHub


async def latency(bench: Bench, rate: float, label: str | None = None, *, push: bool = False) -> LoadResult:
    """New items at ``rate`` for ``--duration`` s (``push``: each pushed by the WebSub hub when it appears)."""
    label = label or f"{rate:g}/s"
    start = time.time() + 2.0
    items = bench.plan(bench.schedule.publish(rate, bench.o.duration, start))
    if push and bench.hub is not None:
        bench.hub.distribute(items, bench.site.new_entry)  # each item pushed when it appears
    ids = [bench.ids[i.number] for i in items]
    bench.probe.watch(ids[:: bench.o.probe_every])
    watched = [bench.ids[i.number] for i in items if bench.site.article(i.number).watched]
    end = start + bench.o.duration
    await bench.wait(
        f"{label}: {rate:g} articles/s for {bench.o.duration:g}s",
        lambda: bench.count(ids),
        len(ids),
        deadline=end + bench.o.drain,
        done=lambda: bench.count(ids) == len(ids) and bench.alerts(watched) == len(watched) and time.time() > end,
    )
    await asyncio.sleep(1.0)  # late webhook POSTs of the last batch
    bench.result.phases.append((label, start, time.time()))
    console.log(
        f"load {label}: {bench.count(ids)}/{len(ids)} searchable, {bench.alerts(watched)}/{len(watched)} alerts"
    )
    await bench.record_conditions(f"load {label}", label)
    return _latencies(bench, rate, items, watched, start, end)


def _latencies(
    bench: Bench, rate: float, items: list[Planned], watched: list[str], start: float, end: float
) -> LoadResult:
    inf = math.inf
    load = LoadResult(
        rate=rate, duration=bench.o.duration, items=len(items), watched=len(watched), start=start, end=end
    )
    watched_set = set(watched)
    for item in items:
        doc = bench.ids[item.number]
        ready = bench.watcher.searchable_at.get(doc)
        load.searchable.append(ready - item.appear_at if ready else inf)
        load.listed.append(bench.site.first_listed_at.get(item.number, inf) - item.appear_at)
        load.fetched.append(bench.site.page_fetched_at.get(item.number, inf) - item.appear_at)
        if doc in watched_set:
            got = bench.receiver.received_at.get(doc)
            load.alerted.append(got - item.appear_at if got else inf)
        if ready and doc in bench.probe.found_at:
            load.probe_minus_announced.append(bench.probe.found_at[doc] - ready)
    done = [
        bench.watcher.searchable_at[bench.ids[i.number]]
        for i in items
        if bench.ids[i.number] in bench.watcher.searchable_at
    ]
    load.achieved_rate = len(done) / (max(end, *done) - start) if done else 0.0
    load.waterfall = waterfall([bench.timeline(item) for item in items])
    return load


async def websub(bench: Bench, rate: float) -> LoadResult:
    """Latency at ``rate`` when the feeds push: the feeds advertise a loopback hub (``bench/websub.py``,
    HTTPS with a certificate the fetcher alone trusts), the fetcher restarts with a WebSub callback, and
    once every bench feed is subscribed, items appear at ``rate`` for ``--duration`` s, each pushed to the
    fetcher the moment its feed lists it. Per item, appearance → searchable as for the polled loads (the
    fetcher still polls the subscribed feeds, ``WIREWATCH_FETCHER_WEBSUB_FALLBACK`` times less often).
    Afterwards the feeds stop advertising the hub and a plain fetcher takes over again."""
    begin = time.time()
    topics = [bench.site.feed_url(f) for f in range(bench.o.feeds)]
    hub = bench.hub = (
        bench.hub or await WebSubHub(bench.settings.state_dir / "websub", topics=frozenset(topics)).start()
    )
    bench.site.hub_url = hub.url
    port = free_port()
    env = hub.worker_env() | {
        "WIREWATCH_FETCHER_CALLBACK_URL": f"http://127.0.0.1:{port}/websub",
        "WIREWATCH_FETCHER_CALLBACK_HOST": "127.0.0.1",
        "WIREWATCH_FETCHER_CALLBACK_PORT": str(port),
    }
    await bench.restart_fetcher(env)
    await bench.wait(
        "websub: every bench feed subscribed",
        lambda: hub.subscribed(topics),
        len(topics),
        deadline=time.time() + 120,
    )
    if (subscribed := hub.subscribed(topics)) < len(topics):
        bench.result.notes.append(f"websub: only {subscribed}/{len(topics)} feeds subscribed after 120 s")
    await bench.quiet()
    load = await latency(bench, rate, f"websub {rate:g}/s", push=True)
    load.label = f"websub {rate:g}/s"
    pushes = summary([d.answered_at - d.sent_at for d in hub.deliveries])
    failed = sum(1 for d in hub.deliveries if d.status != 202)
    bench.result.notes.append(
        f"websub: {len(hub.deliveries)} pushes ({failed} not accepted), POST → 202 p50/p95 "
        f"{pushes['p50']:.3f}/{pushes['p95']:.3f} s"
    )
    p95 = summary(load.searchable)["p95"]
    verdict = "met" if p95 <= TARGET_P95_WEBSUB_S else "NOT met"
    console.log(
        f"websub {rate:g}/s: p95 appearance → searchable {p95:.2f} s "
        f"(target ≤ {TARGET_P95_WEBSUB_S:g} s: {verdict}); {bench.result.notes[-1]}"
    )
    bench.site.hub_url = None
    await bench.restart_fetcher({})
    bench.result.phases.append(("websub", begin, time.time()))
    return load
