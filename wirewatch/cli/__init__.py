"""``wirewatch``: one command that drives the stack, the workers, feeds, rules and searches.

Subcommands live in ``wirewatch/commands/``; this module only assembles them.
"""

from __future__ import annotations

import click

from wirewatch.cli import dlq, feeds, index, offline, replay, rules, run, search, stack, status


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wirewatch")
def cli() -> None:
    """Wirewatch: continuous news-feed monitoring on Kafka and Elasticsearch."""


for command in (
    stack.stack,
    run.run,
    run.worker,
    feeds.feeds,
    offline.parse,
    offline.extract,
    search.search,
    rules.rules,
    status.status,
    dlq.dlq,
    replay.replay,
    index.index,
):
    cli.add_command(command)


def main() -> None:
    cli()
