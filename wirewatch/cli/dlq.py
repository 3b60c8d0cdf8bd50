"""``wirewatch dlq list|show|replay``: dead letters you can act on."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

import click

from wirewatch.cli._common import LazyChoice, console, plain, print_json, safe, settings, stage_names

if TYPE_CHECKING:
    from wirewatch.schemas import DeadLetter


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.astimezone()


def _load(stage: str | None, since: str | None, error_class: str | None) -> list[DeadLetter]:
    from wirewatch.ops.deadletters import select
    from wirewatch.ops.observe import read_dead_letters

    return select(asyncio.run(read_dead_letters(settings())), stage=stage, since=_since(since), error_class=error_class)


stage_option = click.option("--stage", type=LazyChoice(stage_names), help="only this stage's dead letters")
since_option = click.option("--since", help="only letters from this time on (ISO date/datetime)")


class _ErrorClassOption(click.Option):
    """``--error-class``: its help lists the labels of the error tree, collected only when help is shown."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from wirewatch.ops.deadletters import dead_letter_labels

        self.help = (
            f"only this error class: {', '.join(dead_letter_labels())}; "
            "or the snake_case type name of an unexpected exception (e.g. value_error)"
        )
        return super().get_help_record(ctx)


def _error_class(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Labels have one style: a class name (``NotHtml``) is refused with the label it stands for."""
    from wirewatch.core.errors import is_label, snake_case

    if value is None:
        return None
    if not is_label(value):
        hint = f" (did you mean {snake_case(value)!r}?)" if is_label(snake_case(value)) else ""
        raise click.BadParameter(f"{value!r} is not a label: labels are snake_case{hint}")
    from wirewatch.ops.deadletters import dead_letter_labels

    if value not in dead_letter_labels():
        click.echo(
            f"note: {value!r} is no label of the error tree; it can only match an unexpected exception", err=True
        )
    return value


class_option = click.option("--error-class", cls=_ErrorClassOption, metavar="LABEL", callback=_error_class)


@click.group()
def dlq() -> None:
    """Inspect and replay dead-lettered messages."""


@dlq.command(name="list")
@stage_option
@since_option
@class_option
@click.option("--json", "as_json", is_flag=True)
def list_letters(stage: str | None, since: str | None, error_class: str | None, as_json: bool) -> None:
    """Dead letters, oldest first: number, time, stage, kind, error class, item, reason."""
    letters = _load(stage, since, error_class)
    from wirewatch.ops.deadletters import kind_of

    if as_json:
        print_json([d.model_dump(mode="json", exclude={"payload_b64"}) | {"kind": kind_of(d)} for d in letters])
        return
    from rich.table import Table

    table = Table(title=f"{len(letters)} dead letters")
    for column in ("#", "failed at", "stage", "kind", "error class", "item", "reason"):
        table.add_column(column, overflow="fold")
    for number, d in enumerate(letters):
        table.add_row(
            str(number),
            d.failed_at.isoformat(timespec="seconds"),
            safe(d.stage),
            kind_of(d),
            safe(d.error_class),
            safe(d.item_id or d.key or ""),
            safe(d.reason[:160]),
        )
    console.print(table)


@dlq.command()
@click.argument("number", type=int)
@stage_option
@since_option
@class_option
def show(number: int, stage: str | None, since: str | None, error_class: str | None) -> None:
    """One dead letter in full (NUMBER as in `dlq list` with the same filters), with its payload."""
    letters = _load(stage, since, error_class)
    if not 0 <= number < len(letters):
        raise click.ClickException(f"no dead letter #{number} (there are {len(letters)})")
    letter = letters[number]
    from wirewatch.ops.deadletters import kind_of, payload

    print_json(letter.model_dump(mode="json", exclude={"payload_b64"}) | {"kind": kind_of(letter)})

    body = payload(letter)
    console.print(f"payload ({len(body)} bytes):")
    console.print(plain(body[:4000].decode("utf-8", "replace")), markup=False)


@dlq.command()
@stage_option
@since_option
@class_option
@click.option("--dry-run", is_flag=True, help="say what would be replayed, send nothing")
def replay(stage: str | None, since: str | None, error_class: str | None, dry_run: bool) -> None:
    """Send dead letters back through their stage (after a fix). Failed feed polls are skipped, with a note:
    the fetcher retries a failing feed by itself."""
    from wirewatch.ops.deadletters import NOT_REPLAYED, kind_of

    letters = _load(stage, since, error_class)
    unreplayable = Counter(kind for d in letters if (kind := kind_of(d)) in NOT_REPLAYED)
    if dry_run:
        console.print(f"would replay {len(letters) - unreplayable.total()} dead letters")
    else:
        sent, requeued, skipped = asyncio.run(_replay(letters))
        console.print(f"replayed {sent} messages, re-queued {requeued} alerts, skipped {skipped}")
    for kind, count in sorted(unreplayable.items()):
        console.print(f"skipped {count} {kind} letter(s): {NOT_REPLAYED[kind]}", markup=False)


async def _replay(letters: list[DeadLetter]) -> tuple[int, int, int]:
    from wirewatch.ops.deadletters import replay as replay_letters

    return await replay_letters(letters, settings())
