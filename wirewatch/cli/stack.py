"""``wirewatch stack up|down|status|init``: the local Kafka and Elasticsearch."""

from __future__ import annotations

import asyncio

import click

from wirewatch.cli._common import console, explain, settings
from wirewatch.ops import stack as stack_ops


@click.group()
def stack() -> None:
    """Start, stop and inspect the local Kafka and Elasticsearch."""


def _report(report: stack_ops.InitReport) -> None:
    console.print(
        f"topics created: {len(report.topics_created)}, indices created: {len(report.indices_created)}, "
        f"Kafka round trip {report.kafka_roundtrip_s * 1000:.0f} ms"
    )


@stack.command()
def up() -> None:
    """Start both (idempotent), wait until healthy, create topics and index templates."""
    try:
        _report(stack_ops.up(settings()))
    except stack_ops.StackError as exc:
        raise click.ClickException(str(exc)) from exc
    console.print("[green]stack is up[/green]")


@stack.command()
@click.option("--purge", is_flag=True, help="also delete the data directories")
def down(purge: bool) -> None:
    """Stop both cleanly."""
    try:
        stack_ops.down(settings(), purge=purge)
    except stack_ops.StackError as exc:
        raise click.ClickException(str(exc)) from exc


@stack.command(name="status")
def stack_status() -> None:
    """Print the state of Kafka and Elasticsearch."""
    raise SystemExit(stack_ops.status(settings()))


@stack.command()
def init() -> None:
    """Create topics and index templates on running servers (what compose's setup job runs)."""
    try:
        report = asyncio.run(stack_ops.init(settings()))
    except Exception as exc:  # outages and refused credentials: one line, not a traceback
        raise explain(exc) from exc
    _report(report)
