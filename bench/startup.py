"""Start-up time of the CLI: ``wirewatch --help`` and every ``wirewatch <command> --help`` against a bare
``python -c "import click, pydantic"``, measured in one run so the ratio compares like with like.

    .venv/bin/python -m bench.startup               # 7 runs of each, medians and ratios
    .venv/bin/python -m bench.startup --repeat 15 --json bench/out/startup.json

Each measurement is a fresh process (wall time from spawn to exit, output discarded). The runs are
interleaved (one of each, then again) so a burst of load on the machine hits every line alike. The issue's
target is a ratio of at most 3 for every line; nothing asserts it, the table shows it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASELINE = "python -c 'import click, pydantic'"


def wirewatch_command() -> list[str]:
    """The installed console script beside this interpreter (what a user runs), else ``python -m wirewatch``."""
    script = Path(sys.executable).with_name("wirewatch")
    if script.exists():
        return [str(script)]
    found = shutil.which("wirewatch")
    return [found] if found else [sys.executable, "-m", "wirewatch"]


def command_names() -> list[str]:
    """The CLI's top-level commands, asked in a child process so this one stays as cold as the others."""
    code = "import click; from wirewatch.cli import cli; print('\\n'.join(cli.list_commands(click.Context(cli))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.split()


def cases() -> dict[str, list[str]]:
    wirewatch = wirewatch_command()
    table = {BASELINE: [sys.executable, "-c", "import click, pydantic"], "wirewatch --help": [*wirewatch, "--help"]}
    for name in command_names():
        table[f"wirewatch {name} --help"] = [*wirewatch, name, "--help"]
    return table


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def measure(table: dict[str, list[str]], repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in table}
    for argv in table.values():  # one untimed warm-up each: the page cache, .pyc files
        timed(argv)
    for round_ in range(repeat):
        print(f"round {round_ + 1}/{repeat}", file=sys.stderr)
        for name, argv in table.items():
            times[name].append(timed(argv))
    return times


def report(times: dict[str, list[float]]) -> list[dict[str, float | str]]:
    base = statistics.median(times[BASELINE])
    rows: list[dict[str, float | str]] = []
    for name, values in times.items():
        median = statistics.median(values)
        rows.append({"command": name, "median_s": round(median, 4), "ratio": round(median / base, 2)})
    return rows


def render(rows: list[dict[str, float | str]]) -> str:
    width = max(len(str(row["command"])) for row in rows)
    lines = [f"{'command':<{width}}  {'median':>8}  {'× bare':>7}"]
    for row in rows:
        lines.append(f"{row['command']!s:<{width}}  {row['median_s']:>7.3f}s  {row['ratio']:>6.2f}×")
    worst = max(float(row["ratio"]) for row in rows)
    lines.append(f"worst ratio {worst:.2f}× (target ≤ 3×)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each command (default 7)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this path")
    args = parser.parse_args(argv)
    rows = report(measure(cases(), args.repeat))
    print(render(rows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
