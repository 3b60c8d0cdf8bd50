"""``wirewatch index``: the versioned articles index behind its alias — status, and migrating to a new
version created from the current template with no gap in search (see ``wirewatch.ops.migration``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from wirewatch.cli._common import console, print_json, settings, with_es

if TYPE_CHECKING:
    from rich.progress import TaskID

    from wirewatch.ops.migration import MigrationReport

#: ``wirewatch.ops.migration.DEFAULT_OVERLAP_S`` (a test keeps them equal; importing it here would load the
#: Elasticsearch client for ``--help``)
DEFAULT_OVERLAP_S = 300.0


@click.group()
def index() -> None:
    """The articles index: versions, alias, migrations."""


@index.command("status")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def status(as_json: bool) -> None:
    """Index versions with document counts, where the alias points, and a migration in progress."""
    from rich.table import Table

    from wirewatch.ops.migration import versions_status

    result = with_es(lambda es: versions_status(es, settings()))
    if as_json:
        print_json(result)
        return
    targets = ", ".join(result["targets"]) or "nothing"
    table = Table(title=f"{result['alias']} → {targets} ({result['state']})")
    for column in ("index", "documents", "size", "alias", "migration"):
        table.add_column(column, justify="right" if column in ("documents", "size") else "left")
    for v in result["versions"]:
        role = "—"
        if v["in_alias"]:
            role = ("write" if v["write"] else "read") + (", filtered" if v["filtered"] else "")
        table.add_row(v["index"], f"{v['docs']:,}", f"{v['bytes'] / 1e6:.1f} MB", role, _migration(v["migration"]))
    console.print(table)
    if result["write_index"] and result["state"] == "ok":
        console.print(
            "template: "
            + (
                "current"
                if result["template_current"]
                else "changed since this version — run `wirewatch index migrate`"
            )
        )


def _migration(meta: dict[str, Any] | None) -> str:
    if not meta:
        return ""
    if meta.get("done_at"):
        return f"from {meta['from']}, done {meta['done_at'][:19]}"
    return f"from {meta['from']}, copied up to id {meta.get('last_id') or '—'}"


@index.command("migrate")
@click.option("--force", is_flag=True, help="create a new version even if the current one is up to date")
@click.option(
    "--overlap-s",
    default=DEFAULT_OVERLAP_S,
    show_default=True,
    type=click.FloatRange(0),
    help="documents indexed this long before the switch show up through both versions meanwhile",
)
@click.option(
    "--page-size",
    default=1000,
    show_default=True,
    type=click.IntRange(1, 10000),
    help="documents per search page and bulk request while copying",
)
def migrate(force: bool, overlap_s: float, page_size: int) -> None:
    """Create the next index version from the current template, copy every document (same id and
    version), then swap the alias atomically. Safe to interrupt: run it again to continue."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from wirewatch.ops import migration
    from wirewatch.ops.migration import MigrationError

    err = Console(stderr=True)
    with Progress(
        TextColumn("copying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=False
    ) as bar:
        task: list[TaskID] = []

        def progress(done: int, total: int) -> None:
            if not task:
                task.append(bar.add_task("copy", total=total))
            bar.update(task[0], completed=done, total=total)

        try:
            report = with_es(
                lambda es: migration.migrate(
                    es, settings(), force=force, overlap_s=overlap_s, page_size=page_size, progress=progress
                )
            )
        except MigrationError as exc:
            raise click.ClickException(exc.reason) from exc
    _summary(report)


def _summary(report: MigrationReport) -> None:
    if report.up_to_date:
        console.print(
            f"{report.source} already matches the current template: nothing to do (--force to "
            "create a new version anyway)"
        )
        return
    console.print(
        f"{'resumed: ' if report.resumed else ''}{report.source} → {report.target}: copied "
        f"{report.copied:,} (already newer in {report.target}: {report.newer_in_target:,}, "
        f"caught up {report.caught_up:,}) in {report.seconds:.1f}s; alias now on {report.target} "
        f"({report.target_count:,} documents; {report.source} kept with {report.source_count:,})"
    )
