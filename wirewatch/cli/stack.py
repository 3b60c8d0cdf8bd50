"""``wirewatch stack up|down|status|init|logs|check|fetch``: the local Kafka and Elasticsearch."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

from wirewatch.cli._common import console, explain, settings

if TYPE_CHECKING:  # imported by the commands when they run: `wirewatch stack --help` stays instant
    from wirewatch.ops import stack as stack_ops

T = TypeVar("T")


@click.group()
def stack() -> None:
    """Start, stop and inspect the local Kafka and Elasticsearch (no Docker; state in WIREWATCH_STATE_DIR)."""


def stack_settings(**overrides: object) -> stack_ops.StackSettings:
    """The stack's settings from the environment; ``overrides`` (command-line options given) win."""
    from pydantic import ValidationError

    from wirewatch.ops import stack as stack_ops

    try:
        given = {k: v for k, v in overrides.items() if v is not None}
        return stack_ops.StackSettings.model_validate(given) if given else stack_ops.StackSettings()
    except ValidationError as exc:
        problems = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        raise click.UsageError(f"bad stack setting: {problems}") from exc


def _run(action: Callable[[], T]) -> T:
    """StackError (its log tail is already printed) and outages as one line, not a traceback."""
    from wirewatch.ops import stack as stack_ops

    try:
        return action()
    except stack_ops.StackError as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # the CLI's edge: init's outages and refused credentials
        raise explain(exc) from exc


def _report(report: stack_ops.InitReport) -> None:
    console.print(
        f"topics created: {len(report.topics_created)}, indices created: {len(report.indices_created)}, "
        f"Kafka round trip {report.kafka_roundtrip_s * 1000:.0f} ms"
    )


@stack.command()
@click.option("--brokers", type=click.IntRange(1, 9), help="Kafka brokers (WIREWATCH_STACK_BROKERS, default 1)")
@click.option("--es-nodes", type=click.IntRange(1, 9), help="Elasticsearch nodes (WIREWATCH_STACK_ES_NODES, default 1)")
def up(brokers: int | None, es_nodes: int | None) -> None:
    """Start both (idempotent), wait until healthy, create topics and index templates. With --brokers 3
    --es-nodes 3, a local cluster on consecutive ports (README: "A local cluster")."""
    from wirewatch.ops import stack as stack_ops

    config = stack_settings(stack_brokers=brokers, stack_es_nodes=es_nodes)
    _report(_run(lambda: stack_ops.up(config)))
    console.print("[green]stack is up[/green]")


@stack.command()
@click.option("--purge", is_flag=True, help="also delete their data, logs, certificates and state")
def down(purge: bool) -> None:
    """Stop both cleanly (SIGTERM, then SIGKILL after WIREWATCH_STOP_TIMEOUT), and the workspace the demo left."""
    from wirewatch.ops import stack as stack_ops

    config = stack_settings()
    _run(lambda: stack_ops.down(config, purge=purge))


@stack.command(name="status")
def stack_status() -> None:
    """Print the state of Kafka and Elasticsearch and where their files are; exit 3 unless both are up."""
    from wirewatch.ops import stack as stack_ops

    config = stack_settings()
    raise SystemExit(_run(lambda: stack_ops.status(config)))


@stack.command()
def init() -> None:
    """Create topics and index templates on running servers (what compose's setup job runs)."""
    from wirewatch.ops import stack as stack_ops

    _report(_run(lambda: asyncio.run(stack_ops.init(settings()))))


@stack.command()
@click.argument("which", type=click.Choice(["all", "kafka", "elasticsearch", "es"]), default="all")
@click.option("-f", "--follow", is_flag=True, help="keep printing as the logs grow")
@click.option("-n", "lines", type=int, default=50, show_default=True, help="lines per file")
def logs(which: str, follow: bool, lines: int) -> None:
    """Show (or follow) the servers' logs."""
    from wirewatch.ops.stack import control

    config = stack_settings()
    _run(lambda: control.logs(config, "elasticsearch" if which == "es" else which, follow=follow, lines=lines))


@stack.command()
def check() -> None:
    """Check the prerequisites: Python 3.11, a JDK >= 17 for Kafka, a JDK >= 21 for Elasticsearch, Maven."""
    from wirewatch.ops.stack import control

    config = stack_settings()
    _run(lambda: control.check(config))


@stack.command()
def fetch() -> None:
    """Download Kafka's jars and Elasticsearch's integ-test zip into the cache (WIREWATCH_CACHE_DIR)."""
    from wirewatch.ops.stack import control

    config = stack_settings()
    _run(lambda: control.fetch_all(config))
