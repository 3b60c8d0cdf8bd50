"""``wirewatch replay --stage parser|extractor|indexer [--since T]``: reprocess on the backfill lane."""

from __future__ import annotations

import asyncio
from datetime import datetime

import click

from wirewatch.cli._common import LazyChoice, console, settings


def _backfill_stages() -> list[str]:
    """The stages with a backfill lane, from the stage registry (what ``wirewatch.ops.replay`` can feed)."""
    from wirewatch.schemas import backfill_stages

    return sorted(spec.name for spec in backfill_stages())


@click.command()
@click.option(
    "--stage",
    required=True,
    type=LazyChoice(_backfill_stages),
    help="parser: stored raw pages; extractor: parsed articles; indexer: enriched articles",
)
@click.option("--since", help="only messages from this time on (ISO date/datetime; default: all retained)")
def replay(stage: str, since: str | None) -> None:
    """Reprocess stored messages on the backfill lane, which workers serve only while live traffic is idle.

    Use it after a parser or model upgrade."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from wirewatch.ops.replay import replay as run_replay

    moment = None
    if since is not None:
        moment = datetime.fromisoformat(since)
        moment = moment if moment.tzinfo else moment.astimezone()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(f"replaying into the {stage}'s backfill lane", total=None)
        report = asyncio.run(
            run_replay(
                settings(),
                stage,
                since=moment,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        )
    console.print(
        f"copied {report.copied} messages from {report.source} to {report.target}"
        f" ({report.skipped} invalid ones skipped); the {stage} processes them while live traffic is idle"
    )
