"""``wirewatch status``: what each stage has processed, its lag, dead letters, and what is searchable."""

from __future__ import annotations

import asyncio

import click
from rich.table import Table

from wirewatch.commands._common import console, print_json, settings
from wirewatch.es import make_es
from wirewatch.observe import PipelineStatus, count_by_stage, read_dead_letters, stage_status


async def collect() -> PipelineStatus:
    s = settings()
    status = PipelineStatus(stages=await stage_status(s),
                            dead_letters=count_by_stage(await read_dead_letters(s)))
    es = make_es(s)
    try:
        for attr, family in (("articles_indexed", "articles"), ("alerts", "alerts"), ("feeds", "feeds")):
            response = await es.count(index=s.index_name(family), ignore_unavailable=True)
            setattr(status, attr, response.body["count"])
    finally:
        await es.close()
    return status


@click.command()
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def status(as_json: bool) -> None:
    """Per-stage processed messages and lag, dead letters, indexed articles, alerts, feeds."""
    result = asyncio.run(collect())
    if as_json:
        print_json(result.as_dict())
        return
    table = Table(title="pipeline")
    for column in ("stage", "input topic", "in topic", "processed", "lag", "dead letters"):
        table.add_column(column, justify="right" if column not in ("stage", "input topic") else "left")
    for st in result.stages:
        table.add_row(st.stage, st.topic, str(st.produced), str(st.processed), str(st.lag),
                      str(result.dead_letters.get(st.stage, 0)))
    console.print(table)
    console.print(f"feeds {result.feeds} · articles searchable {result.articles_indexed} · alerts {result.alerts}"
                  f" · dead letters from the fetcher {result.dead_letters.get('fetcher', 0)}")
