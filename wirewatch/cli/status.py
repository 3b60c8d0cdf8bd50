"""``wirewatch status``: per stage what was processed, the rate, the lag and dead letters; feed health;
what is searchable; p50/p95 of each hop of an article's timeline (``ops/hops.py``). ``--watch`` keeps the
tables live."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import click

from wirewatch.cli._common import console, explain, print_json, settings

if TYPE_CHECKING:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from wirewatch.ops.hops import HopLatency
    from wirewatch.ops.observe import PipelineStatus


async def collect() -> PipelineStatus:
    from wirewatch.ops.observe import pipeline_status

    return await pipeline_status(settings())


def gather() -> PipelineStatus:
    """Collect, turning outages and refused credentials into one readable line."""
    try:
        return asyncio.run(collect())
    except Exception as exc:
        raise explain(exc) from exc


def gather_hops() -> dict[str, HopLatency]:
    """The hops' latencies from the workers that answer (none running: empty)."""
    from wirewatch.ops.hops import hop_latencies

    return asyncio.run(hop_latencies(settings()))


def render_hops(hops: dict[str, HopLatency]) -> Table | Text:
    from rich.table import Table
    from rich.text import Text

    if not hops:
        return Text("hops: no worker's /metrics answered (or no article has passed yet)")
    table = Table(title="hops (live lane, since the workers started; from their /metrics)")
    for column in ("hop", "articles", "p50 s", "p95 s"):
        table.add_column(column, justify="left" if column == "hop" else "right")
    for hop, latency in hops.items():
        table.add_row(hop.replace("_", " → "), str(latency.count), f"{latency.p50:.3f}", f"{latency.p95:.3f}")
    return table


def render(
    result: PipelineStatus, rates: dict[str, float] | None = None, hops: dict[str, HopLatency] | None = None
) -> Group:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title="pipeline")
    for column in ("stage", "input topic", "in topic", "processed", "rate /s", "lag", "dead letters"):
        table.add_column(column, justify="right" if column not in ("stage", "input topic") else "left")
    for st in result.stages:
        rate = f"{rates[st.stage]:.1f}" if rates and st.stage in rates else "-"
        lag = Text(str(st.lag), style="yellow" if st.lag else "")
        table.add_row(
            st.stage,
            st.topic,
            str(st.produced),
            str(st.processed),
            rate,
            lag,
            str(result.dead_letters.get(st.stage, 0)),
        )
    footer = (
        f"feeds {result.feeds} ({result.feeds_failing} failing) · articles searchable "
        f"{result.articles_indexed} · alerts {result.alerts} · fetcher dead letters "
        f"{result.dead_letters.get('fetcher', 0)}"
    )
    return Group(table, Text(footer), *([render_hops(hops)] if hops is not None else []))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.option("--watch", is_flag=True, help="refresh the table until Ctrl-C, with processing rates")
@click.option("--interval", default=2.0, show_default=True, help="seconds between refreshes with --watch")
def status(as_json: bool, watch: bool, interval: float) -> None:
    """Per-stage processed messages, rate and lag; dead letters; feeds, articles and alerts."""
    if as_json:
        hops = {hop: vars(latency) for hop, latency in gather_hops().items()}
        print_json(gather().as_dict() | {"hops": hops})
        return
    if not watch:
        console.print(render(gather(), hops=gather_hops()))
        return
    from rich.live import Live

    previous, then = gather(), time.monotonic()
    with Live(render(previous, hops=gather_hops()), console=console, refresh_per_second=4) as live:
        try:
            while True:
                time.sleep(interval)
                current, now = gather(), time.monotonic()
                done = {s.stage: s.processed for s in previous.stages}
                rates = {s.stage: (s.processed - done.get(s.stage, 0)) / (now - then) for s in current.stages}
                live.update(render(current, rates, gather_hops()))
                previous, then = current, now
        except KeyboardInterrupt:
            pass
