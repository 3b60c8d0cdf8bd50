"""Start-up time of the CLI: ``wirewatch --help`` and every ``wirewatch <command> --help`` against a bare
``python -c "import click, pydantic"``, measured in one run so the ratio compares like with like.

    .venv/bin/python -m bench.startup               # 7 runs of each, medians and ratios
    .venv/bin/python -m bench.startup --repeat 15 --json bench/out/startup.json
    .venv/bin/python -m bench.startup --baseline ../old-checkout/.venv/bin/python   # before/after, one run

Each measurement is a fresh process (wall time from spawn to exit, output discarded). The runs are
interleaved (one of each, then again) so a burst of load on the machine hits every line alike. The issue's
target is a ratio of at most 3 for every line; nothing asserts it, the table shows it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASELINE = "python -c 'import click, pydantic'"


def wirewatch_command(python: Path) -> list[str]:
    """The console script beside ``python`` (what a user runs), else ``python -m wirewatch``."""
    script = python.with_name("wirewatch")
    return [str(script)] if script.exists() else [str(python), "-m", "wirewatch"]


def command_names(python: Path) -> list[str]:
    """The CLI's top-level commands, asked in a child process so this one stays as cold as the others."""
    code = "import click; from wirewatch.cli import cli; print('\\n'.join(cli.list_commands(click.Context(cli))))"
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout
    return out.split()


def cases(python: Path) -> dict[str, list[str]]:
    """``wirewatch --help`` and each ``wirewatch <command> --help`` of the installation ``python`` belongs to."""
    wirewatch = wirewatch_command(python)
    table = {"wirewatch --help": [*wirewatch, "--help"]}
    for name in command_names(python):
        table[f"wirewatch {name} --help"] = [*wirewatch, name, "--help"]
    return table


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


Key = tuple[str, str]  # (side: "ours" or "baseline", command)


def measure(table: dict[Key, list[str]], repeat: int) -> dict[Key, list[float]]:
    times: dict[Key, list[float]] = {key: [] for key in table}
    for argv in table.values():  # one untimed warm-up each: the page cache, .pyc files
        timed(argv)
    for round_ in range(repeat):
        print(f"round {round_ + 1}/{repeat}", file=sys.stderr)
        for key, argv in table.items():
            times[key].append(timed(argv))
    return times


def report(times: dict[Key, list[float]]) -> list[dict[str, float | str | None]]:
    """One row per command: its median and ratio to the bare import, here and (if measured) in the baseline."""
    base = statistics.median(times[("ours", BASELINE)])
    commands = list(dict.fromkeys(command for _, command in times))
    rows: list[dict[str, float | str | None]] = []
    for command in commands:
        row: dict[str, float | str | None] = {"command": command}
        for side in ("ours", "baseline"):
            values = times.get((side, command)) if command != BASELINE else times[("ours", BASELINE)]
            median = statistics.median(values) if values else None
            row[f"{side}_median_s"] = round(median, 4) if median is not None else None
            row[f"{side}_ratio"] = round(median / base, 2) if median is not None else None
        rows.append(row)
    return rows


def render(rows: list[dict[str, float | str | None]], with_baseline: bool) -> str:
    width = max(len(str(row["command"])) for row in rows)
    sides = ("ours", "baseline") if with_baseline else ("ours",)
    header = f"{'command':<{width}}" + "".join(f"  {side + ' median':>16}  {'× bare':>7}" for side in sides)
    lines = [header]
    for row in rows:
        line = f"{row['command']!s:<{width}}"
        for side in sides:
            median, ratio = row[f"{side}_median_s"], row[f"{side}_ratio"]
            line += f"  {median:>15.3f}s  {ratio:>6.2f}×" if median is not None else f"  {'—':>16}  {'—':>7}"
        lines.append(line)
    for side in sides:
        ratios = [r for row in rows if row["command"] != BASELINE and (r := row[f"{side}_ratio"]) is not None]
        worst = max(float(r) for r in ratios)
        lines.append(f"{side}: worst ratio {worst:.2f}× (target ≤ 3×)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each command (default 7)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this path")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="the Python of another installation (e.g. an older checkout's .venv/bin/python): its commands are "
        "timed in the same interleaved rounds and shown beside ours",
    )
    args = parser.parse_args(argv)
    table: dict[Key, list[str]] = {("ours", BASELINE): [sys.executable, "-c", "import click, pydantic"]}
    table |= {("ours", name): cmd for name, cmd in cases(Path(sys.executable)).items()}
    if args.baseline:
        table |= {("baseline", name): cmd for name, cmd in cases(args.baseline).items()}
    rows = report(measure(table, args.repeat))
    print(render(rows, with_baseline=args.baseline is not None))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
