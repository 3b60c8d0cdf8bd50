"""The CLI starts without its heavy libraries: listing and describing commands imports none of them.

Times are not asserted (``bench/startup.py`` measures them); what is asserted is which modules a fresh
interpreter has loaded, which does not depend on how busy the machine is.
"""

from __future__ import annotations

import click
from click.testing import CliRunner

from tests.support.imports import loaded_after
from wirewatch.cli import COMMANDS, cli


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert loaded_after("import wirewatch.cli") == []


def test_help_of_every_command_loads_no_heavy_library() -> None:
    runs = "".join(
        f"cli.main({[*args, '--help']!r}, standalone_mode=False)\n" for args in ([], *([name] for name in COMMANDS))
    )
    assert loaded_after(f"from wirewatch.cli import cli\n{runs}") == []


def test_the_probe_sees_a_heavy_import() -> None:
    assert "elasticsearch" in loaded_after("import elasticsearch")


def test_each_summary_is_the_commands_own_short_help() -> None:
    ctx = click.Context(cli)
    for name, entry in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None, name
        assert entry.summary == command.get_short_help_str(limit=10_000), name


def test_top_level_help_lists_every_command() -> None:
    done = CliRunner().invoke(cli, ["--help"])
    assert done.exit_code == 0
    listed = [line.split()[0] for line in done.output.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == list(COMMANDS)


def test_an_unknown_stage_is_refused_before_anything_runs() -> None:
    done = CliRunner().invoke(cli, ["dlq", "list", "--stage", "nowhere"])
    assert done.exit_code == 2
    assert "'nowhere' is not one of 'fetcher', 'parser'" in done.output


def test_the_index_commands_default_overlap_is_the_migrations() -> None:
    from wirewatch.cli.index import DEFAULT_OVERLAP_S
    from wirewatch.ops.migration import DEFAULT_OVERLAP_S as MIGRATION_DEFAULT

    assert DEFAULT_OVERLAP_S == MIGRATION_DEFAULT
