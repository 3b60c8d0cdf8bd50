"""The pipeline benchmark's outputs: a Markdown report, PNG plots (matplotlib, Agg), a JSON summary and
the tables printed at the end of a run."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from rich.console import Console
from rich.table import Table

from bench.results import BACKFILL_MIN_RATE, BACKFILL_TARGET, TARGET_P95_WEBSUB_S, LoadResult, RunResult
from bench.stats import fmt_seconds, per_second, summary
from bench.waterfall import Waterfall, budget_rows, chart
from bench.waterfall import plot as plot_waterfall

#: issue 19: end to end ≥ 0.95 × the slowest stage alone; p95 feed → searchable ≤ 1.5 s at 5 articles/s
TARGET_RATIO = 0.95
TARGET_P95_AT_5_S = 1.5
BUDGET_COLUMNS = ("hop", "p50 s", "p95 s", "p95 budget s", "verdict")
RSS_LIMIT_MB = {"extractor": 800.0}
RSS_DEFAULT_LIMIT_MB = 300.0


def write_all(result: RunResult, out: Path, json_path: Path | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    plot_latency(result, out / "latency-cdf.png")
    plot_throughput(result, out / "throughput.png")
    plot_waterfall(waterfalls(result), out / "waterfall.png")
    (out / "pipeline-report.md").write_text(markdown(result), encoding="utf-8")
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(result.as_json(), indent=1, default=str), encoding="utf-8")


def standing(result: RunResult) -> list[str]:
    """What the figures may be used for: a smoke run's are not comparable; a busy machine's ratios are refused."""
    lines = []
    if result.smoke:
        lines.append("SMOKE RUN (--quick): a smaller protocol; its figures are not comparable with a full run's")
    if (busy := result.busy_reason()) is not None:
        lines.append(f"RATIOS REFUSED: {busy}")
    return lines


def waterfalls(result: RunResult) -> dict[str, Waterfall]:
    """Every phase's waterfall that has one, in the order they ran."""
    found = {"saturation": result.saturation_waterfall} | {load.name: load.waterfall for load in result.loads}
    if result.backfill is not None:
        for label, load in (("backfill: idle", result.backfill.idle), ("backfill: during", result.backfill.during)):
            if load is not None:
                found[label] = load.waterfall
    return {label: hops for label, hops in found.items() if hops}


def budgeted(result: RunResult) -> dict[str, Waterfall]:
    """The waterfalls the hop budgets are for: the 5 articles/s loads (polled and, when measured, pushed)."""
    return {label: hops for label, hops in waterfalls(result).items() if label == "5/s" or label.endswith(" 5/s")}


def cpu_share_rows(result: RunResult) -> list[tuple[str, ...]]:
    return [(name, f"{share:.2f}", f"{max(0.0, 1.0 - share):.0%}") for name, share in sorted(result.cpu_share.items())]


# plots ------------------------------------------------------------------------------------------------


def _cdf(axis: plt.Axes, values: list[float], label: str, style: str) -> None:
    finite = sorted(v for v in values if math.isfinite(v))
    if not finite:
        return
    share = [(i + 1) / len(values) for i in range(len(finite))]  # misses keep the curve below 1
    axis.step(finite, share, style, where="post", label=label)


def plot_latency(result: RunResult, path: Path) -> None:
    figure, axis = plt.subplots(figsize=(8, 5))
    for load in result.loads:
        _cdf(axis, load.searchable, f"{load.name} searchable", "-")
        _cdf(axis, load.alerted, f"{load.name} alert", "--")
    axis.set_xscale("log")
    axis.set_xlabel("seconds after the item appeared in its feed")
    axis.set_ylabel("share of items")
    axis.set_title("Latency CDF per offered load (feed → searchable / → alert)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_throughput(result: RunResult, path: Path) -> None:
    figure, axis = plt.subplots(figsize=(10, 4))
    origin = result.started_at
    counts = per_second(result.indexed_times, origin, 5.0)
    axis.plot([5.0 * i for i in range(len(counts))], [c / 5.0 for c in counts], drawstyle="steps-post")
    for name, start, end in result.phases:
        axis.axvspan(start - origin, end - origin, alpha=0.08)
        axis.text(start - origin, axis.get_ylim()[1] * 0.95 if counts else 1, name, fontsize=7, va="top")
    axis.set_xlabel("seconds since the run started")
    axis.set_ylabel("articles searchable per second (5 s bins)")
    axis.set_title("Throughput over time")
    axis.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


# tables -----------------------------------------------------------------------------------------------


def _rate(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}"


def throughput_rows(result: RunResult) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        (name, _rate(rate), f"{result.e2e_throughput / rate:.2f}" if rate else "n/a")
        for name, rate in result.stage_rates.items()
    ]
    rows.append(("end to end (saturation)", _rate(result.e2e_throughput), "1.00"))
    return rows


def latency_rows(load: LoadResult, label: str | None = None) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for what, values in (
        ("feed → searchable", load.searchable),
        ("feed → alert", load.alerted),
        ("feed → listed in a served feed", load.listed),
        ("feed → page fetched", load.fetched),
    ):
        s = summary(values)
        rows.append(
            (
                label or load.name,
                what,
                fmt_seconds(s["p50"]),
                fmt_seconds(s["p95"]),
                fmt_seconds(s["p99"]),
                f"{s['count']}",
                f"{s['missed']}",
            )
        )
    return rows


def backfill_rows(result: RunResult) -> list[tuple[str, ...]]:
    """Live feed → searchable without and with the backfill running, and the backfill's own rate."""
    b = result.backfill
    if b is None:
        return []
    rows: list[tuple[str, ...]] = []
    for label, load in (("idle", b.idle), ("during backfill", b.during)):
        if load is None:
            continue
        s = summary(load.searchable)
        rows.append(
            (
                f"{b.rate:g}/s {label}",
                fmt_seconds(s["p50"]),
                fmt_seconds(s["p95"]),
                fmt_seconds(s["p99"]),
                f"{s['count']}",
                f"{s['missed']}",
            )
        )
    return rows


def _ratio(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return "∞ (missed)" if math.isinf(value) else f"{value:.2f}"


def backfill_line(result: RunResult) -> str:
    b = result.backfill
    if b is None:
        return ""
    return (
        f"p95 during ÷ idle = {_ratio(b.ratio)} (target ≤ {BACKFILL_TARGET:g}); backfill "
        f"{_rate(b.backfill_rate)} articles/s while the live load ran ({b.backfill_docs} in "
        f"{_rate(b.window_s)} s); {b.backfill_done} of {b.copied} replayed articles done by the end"
    )


def worker_rows(result: RunResult) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for key, mb in sorted(result.rss_mb.items()):
        cpu = result.cpu_per_article.get(key)
        rows.append(
            (
                key,
                f"{mb:.0f}",
                f"{result.rss_tree_mb.get(key, math.nan):.0f}",
                f"{_limit(key):.0f}",
                f"{cpu:.3f}" if cpu is not None else "",
            )
        )
    return rows


def _limit(key: str) -> float:
    return RSS_LIMIT_MB.get(key.split("#")[0], RSS_DEFAULT_LIMIT_MB)


def print_tables(result: RunResult, console: Console) -> None:
    for line in standing(result):
        console.print(f"[bold red]{line}[/]")
    table = Table(title="Throughput (articles/s) and e2e / stage ratio")
    for column in ("stage alone", "articles/s", "e2e ÷ stage"):
        table.add_column(column)
    for row in throughput_rows(result):
        table.add_row(*row)
    console.print(table)
    console.print(
        f"slowest stage alone: {result.slowest_stage} {_rate(result.slowest_rate)}/s; "
        f"ratio e2e/slowest = [bold]{result.ratio:.2f}[/] (target ≥ {TARGET_RATIO})"
    )
    latency = Table(title="Latency (s) after an item appeared in its feed")
    for column in ("load", "measure", "p50", "p95", "p99", "items", "missed"):
        latency.add_column(column)
    for load in result.loads:
        for row in latency_rows(load):
            latency.add_row(*row)
    console.print(latency)
    for pushed in (load for load in result.loads if load.label.startswith("websub")):
        p95 = summary(pushed.searchable)["p95"]
        console.print(f"{pushed.name}: p95 feed → searchable {fmt_seconds(p95)} s (target ≤ {TARGET_P95_WEBSUB_S:g} s)")
    for label, hops in waterfalls(result).items():
        console.print(f"[bold]waterfall, {label}[/] (█ p50, ░ to p95)")
        console.print(chart(hops), markup=False, highlight=False)
    for label, hops in budgeted(result).items():
        budgets = Table(title=f"Hop budgets, {label}")
        for column in BUDGET_COLUMNS:
            budgets.add_column(column)
        for row in budget_rows(hops):
            budgets.add_row(*row)
        console.print(budgets)
    cpu = Table(title="Saturation: CPU per worker (cores busy; idle or waiting = 1 − busy)")
    for column in ("worker", "busy cores", "idle/wait"):
        cpu.add_column(column)
    for row in cpu_share_rows(result):
        cpu.add_row(*row)
    console.print(cpu)
    memory = Table(title="Workers: peak RSS and CPU per article (saturation)")
    for column in ("worker", "peak RSS MB", "with helpers MB", "limit MB", "CPU s/article"):
        memory.add_column(column)
    for row in worker_rows(result):
        memory.add_row(*row)
    console.print(memory)
    if result.scale:
        s = result.scale
        console.print(
            f"scale-out {s.worker}: 1 replica {_rate(s.stage_rate.get(1, math.nan))}/s, "
            f"2 replicas {_rate(s.stage_rate.get(2, math.nan))}/s "
            f"({', '.join(f'{k} {_rate(v)}' for k, v in s.replica_rates.get(2, {}).items())}), "
            f"ratio {s.ratio():.2f}"
        )
    if result.backfill:
        backfill = Table(title="Backfill: live latency (s) feed → searchable, idle and during a backfill")
        for column in ("load", "p50", "p95", "p99", "items", "missed"):
            backfill.add_column(column)
        for row in backfill_rows(result):
            backfill.add_row(*row)
        console.print(backfill)
        console.print(backfill_line(result))


# markdown ---------------------------------------------------------------------------------------------


def _md_table(header: tuple[str, ...], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def markdown(result: RunResult) -> str:
    o = result.options
    when = datetime.fromtimestamp(result.started_at or 0, UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"# Wirewatch pipeline benchmark — {when}",
        *[f"**{line}**" for line in standing(result)],
        f"Options: seed {o['seed']}, {o['feeds']} feeds on {o['hosts']} loopback hosts, poll interval "
        f"{o['interval']:g} s, fetcher min delay {o['min_delay']:g} s, model {o['model']}, preload "
        f"{o['preload']}, {o['duration']:g} s per load (drain {o['drain']:g} s).",
        "## Targets",
        _targets(result),
        "## Throughput",
        _md_table(("stage alone", "articles/s", "e2e ÷ stage"), throughput_rows(result)),
        f"End to end: {_rate(result.e2e_throughput)} articles/s steady (10th–90th percentile of "
        f"{result.e2e_articles} preloaded articles' searchable times; all searchable "
        f"{fmt_seconds(result.e2e_seconds)} s after they appeared). Stages alone on "
        f"{result.stage_articles} of the same articles, one process. Slowest stage alone: "
        f"**{result.slowest_stage}**; ratio "
        f"**{result.ratio:.2f}**; against the slowest worker core (our `enrich`): "
        f"{result.worker_core_ratio():.2f}.",
        "## Latency",
        _md_table(
            ("load", "measure", "p50", "p95", "p99", "items", "missed"),
            [r for load in result.loads for r in latency_rows(load)],
        ),
        _probe_note(result),
        "![latency CDF](latency-cdf.png)",
        "## Waterfall",
        "Per hop of the articles' timelines (announced by the indexer; `published` is the bench's own time "
        "the item was put in its feed, `alerted` the webhook's arrival): █ to the p50, ░ on to the p95, each "
        "hop starting where the earlier p50s end.",
        *[f"{label}:\n\n```\n{chart(hops)}\n```" for label, hops in waterfalls(result).items()],
        "![waterfall](waterfall.png)",
        "Each hop's p95 against its budget (`bench/waterfall.py` `HOP_BUDGET_S`, for 5 articles/s and a 1 s poll):",
        *[f"{label}:\n\n{_md_table(BUDGET_COLUMNS, budget_rows(hops))}" for label, hops in budgeted(result).items()],
        _md_table(("worker", "busy cores (saturation)", "idle or waiting"), cpu_share_rows(result)),
        "## Workers",
        _md_table(
            ("worker", "peak RSS MB", "with helper processes MB", "limit MB", "CPU s/article (saturation)"),
            worker_rows(result),
        ),
        "Peak RSS is the worker process's `VmHWM`; *with helper processes* is the largest sampled sum "
        "over the process tree (the parser's forkserver pool), an upper bound. CPU counts the tree.",
        "## Scale-out",
        _scale(result),
        "## Backfill",
        _backfill(result),
        "![throughput over time](throughput.png)",
        "## Conditions",
        _conditions(result),
    ]
    if result.notes:
        parts += ["## Notes", "\n".join(f"- {n}" for n in result.notes)]
    return "\n\n".join(parts) + "\n"


def _targets(result: RunResult) -> str:
    refused = result.busy_reason() is not None
    rows = [
        (
            f"e2e ≥ {TARGET_RATIO:g} × slowest stage alone",
            "refused (busy machine)" if refused else f"{result.ratio:.2f}",
            "-" if refused else _verdict(result.ratio >= TARGET_RATIO),
        )
    ]
    five = next((load for load in result.loads if load.rate == 5 and not load.label), None)
    if five is not None:
        p95 = summary(five.searchable)["p95"]
        limit = TARGET_P95_AT_5_S
        rows.append((f"p95 feed→searchable ≤ {limit:g} s at 5/s", fmt_seconds(p95), _verdict(p95 <= limit)))
    for pushed in (load for load in result.loads if load.label.startswith("websub")):
        p95 = summary(pushed.searchable)["p95"]
        rows.append(
            (
                f"p95 feed→searchable ≤ {TARGET_P95_WEBSUB_S:g} s, {pushed.name}",
                fmt_seconds(p95),
                _verdict(p95 <= TARGET_P95_WEBSUB_S),
            )
        )
    if result.backfill is not None and result.backfill.during is not None:
        ratio = result.backfill.ratio
        rows.append(
            (
                f"p95 during a backfill ≤ {BACKFILL_TARGET:g} × idle at {result.backfill.rate:g}/s",
                _ratio(ratio),
                _verdict(ratio <= BACKFILL_TARGET),
            )
        )
        rate = result.backfill.backfill_rate
        rows.append(
            (f"backfill ≥ {BACKFILL_MIN_RATE:g} articles/s meanwhile", _rate(rate), _verdict(rate >= BACKFILL_MIN_RATE))
        )
    for key, mb in sorted(result.rss_mb.items()):
        rows.append((f"{key} RSS < {_limit(key):.0f} MB", f"{mb:.0f}", _verdict(mb < _limit(key))))
    return _md_table(("target", "measured", "verdict"), rows)


def _probe_note(result: RunResult) -> str:
    gaps = [g for load in result.loads for g in load.probe_minus_announced]
    if not gaps:
        return "Searchable = `searchable_at` of the indexer's `articles.indexed` announcement."
    s = summary(gaps)
    return (
        "Searchable = `searchable_at` of the indexer's `articles.indexed` announcement (taken after the "
        "bulk request with `refresh=true` returned). Cross-check: an independent 0.25 s search poll "
        f"found {s['count']} sampled ids p50 {s['p50']:+.2f} s / max {s['max']:+.2f} s after that time "
        "(positive: the announcement is not late)."
    )


def _scale(result: RunResult) -> str:
    s = result.scale
    if s is None:
        return "Skipped."
    rows = []
    for n in (1, 2):
        replicas = s.replica_rates.get(n, {})
        batches = s.batches.get(n, {})
        rows.append(
            (
                f"{n}",
                _rate(s.stage_rate.get(n, math.nan)),
                ", ".join(f"{k} {_rate(v)} ({batches.get(k, 0)} batches)" for k, v in replicas.items()),
                _rate(s.e2e_rate.get(n, math.nan)),
                _rate(s.measured_s.get(n, math.nan)),
                str(s.backlog_left.get(n, "")) + (" (ran low)" if s.backlog_ran_out.get(n) else ""),
                _rate(s.stall_s.get(n, math.nan)),
            )
        )
    return (
        f"Worker **{s.worker}** with a backlog of {s.backlog} messages in its input topic. Rates come "
        "from the replicas' batch completions once every replica consumes (the rebalance is over): per "
        "replica, whole batches completed after its first completion past that moment, over that span; "
        f"at least {s.window_s:g} s and 2 whole batches per replica.\n\n"
        + _md_table(
            (
                "replicas",
                f"{s.worker} articles/s",
                "per replica",
                "searchable/s",
                "measured s",
                "backlog left",
                "start → all replicas consuming, s",
            ),
            rows,
        )
        + f"\n\nRatio 2 / 1 replicas: **{s.ratio():.2f}**."
    )


def _backfill(result: RunResult) -> str:
    b = result.backfill
    if b is None:
        return "Skipped."
    return (
        f"Live load {b.rate:g} articles/s for {result.options['duration']:g} s, first on an idle pipeline, "
        f'then while `replay(settings, "parser")` backfills every stored page ({b.copied} copied to '
        f"`pages.backfill` in {_rate(b.replay_s)} s; first backfill batch searchable "
        f"{_rate(b.first_backfill_s)} s after the replay started), so parser, extractor and indexer all "
        "serve their backfill lane while their live lane is idle.\n\n"
        + _md_table(("live load", "p50", "p95", "p99", "items", "missed"), backfill_rows(result))
        + f"\n\n{backfill_line(result)}. The backfill rate counts documents of `articles.indexed` batches "
        'with `lane == "backfill"` announced while the live load ran.'
    )


def _conditions(result: RunResult) -> str:
    c = result.conditions
    start = c.get("start", {})
    lines = [
        f"{start.get('cores')} cores; load average at start {start.get('loadavg')}; "
        f"busiest processes at start: {', '.join(start.get('busiest', []))}."
    ]
    rows = [
        (
            name,
            f"{v.get('busy_cores', math.nan):.2f}",
            f"{v.get('our_cores', math.nan):.2f}",
            f"{v.get('other_cores', math.nan):.2f}",
        )
        for name, v in c.get("cpu_by_phase", {}).items()
        if v
    ]
    if rows:
        lines.append(_md_table(("phase", "busy cores", "ours (workers + bench)", "others"), rows))
    return "\n\n".join(lines)
