"""``wirewatch``: one command that drives the stack, the workers, feeds, rules and searches.

Subcommands live in the modules of this package; this one only names them. A command's module is imported
when that command runs (or shows its help), never to list the commands, so ``wirewatch --help`` loads click
and nothing else: Elasticsearch, Kafka, spaCy and rich are imported inside the commands that use them.
``bench/startup.py`` measures what that buys.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

import click
from click.utils import make_default_short_help


class Entry(NamedTuple):
    """Where a command lives (``module:attribute``) and its one-line summary for ``wirewatch --help``.
    The summary is the command's own short help; ``tests/unit/cli/test_startup.py`` checks they agree."""

    target: str
    summary: str


COMMANDS: dict[str, Entry] = {
    "stack": Entry(
        "wirewatch.cli.stack:stack",
        "Start, stop and inspect the local Kafka and Elasticsearch (no Docker; state in WIREWATCH_STATE_DIR).",
    ),
    "run": Entry(
        "wirewatch.cli.run:run",
        "Run the workers (and the workspace) in the foreground until Ctrl-C or SIGTERM, then stop them cleanly.",
    ),
    "worker": Entry("wirewatch.cli.run:worker", "Run one worker in the foreground (what each compose service runs)."),
    "feeds": Entry("wirewatch.cli.feeds:feeds", "Manage monitored feeds."),
    "parse": Entry(
        "wirewatch.cli.offline:parse", "Parse saved HTML pages into Article JSON, exactly as the parser worker would."
    ),
    "extract": Entry(
        "wirewatch.cli.offline:extract", "Add entities to Article JSON, exactly as the extractor worker would."
    ),
    "search": Entry(
        "wirewatch.cli.search:search", "Search articles with Lucene query syntax; facet filters narrow the results."
    ),
    "rules": Entry("wirewatch.cli.rules:rules", "Manage saved searches (alert rules)."),
    "status": Entry(
        "wirewatch.cli.status:status",
        "Per-stage processed messages, rate and lag; dead letters; feeds, articles and alerts.",
    ),
    "dlq": Entry("wirewatch.cli.dlq:dlq", "Inspect and replay dead-lettered messages."),
    "replay": Entry(
        "wirewatch.cli.replay:replay",
        "Reprocess stored messages on the backfill lane, which workers serve only while live traffic is idle.",
    ),
    "index": Entry("wirewatch.cli.index:index", "The articles index: versions, alias, migrations."),
    "entities": Entry(
        "wirewatch.cli.entities:entities",
        "The entity registry: every person, organisation and place the indexed articles name.",
    ),
    "stories": Entry(
        "wirewatch.cli.stories:stories",
        "Stories: copies of one event from several outlets, as the indexer clusters them.",
    ),
    "serve": Entry(
        "wirewatch.cli.serve:serve",
        "Serve the workspace: search, entities, rules, feeds, alerts, dead letters, status; API under /api.",
    ),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is asked for."""

    def __init__(self, *args: object, lazy: dict[str, Entry], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *(name for name in super().list_commands(ctx) if name not in self.lazy)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = entry.target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{entry.target} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the summaries, so listing them imports none of their modules."""
        limit = formatter.width - 6 - max((len(name) for name in self.lazy), default=0)
        rows = [(name, make_default_short_help(entry.summary, limit)) for name, entry in self.lazy.items()]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wirewatch")
def cli() -> None:
    """Wirewatch: continuous news-feed monitoring on Kafka and Elasticsearch."""


def main() -> None:
    cli()
