"""The per-stage latency waterfall of a load: p50/p95 of each hop of the articles' timelines.

The timelines are the ones the indexer announced on ``articles.indexed`` (each document's stamps up to
searchable, see ``schemas/timelines.py``), plus two the bench adds from its own clocks: ``published`` (when
the item was put in its feed on the loopback site: ``published → appeared`` is the poll wait) and ``alerted``
(when the rule's webhook POST arrived). Every stamp is unix seconds on this machine's one clock.

:func:`waterfall` gives ``{hop: {"p50", "p95", "count"}}`` in pipeline order; :func:`chart` draws it as text
(each hop's bar starts where the previous hops' p50s end: ``█`` to its p50, ``░`` on to its p95);
:func:`plot` as a PNG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path

from bench.stats import percentile

#: the stamps in order: the bench's ``published``, the pipeline's (``schemas.timelines.STAMPS``), the webhook's
ORDER = ("published", "appeared", "fetched", "parsed", "extracted", "indexed", "searchable", "alerted")
Waterfall = dict[str, dict[str, float]]

#: each hop's p95 allowance at 5 articles/s with a 1 s poll (issue 19 item 3: p95 published → searchable
#: ≤ 1.5 s, searchable → alerted ≤ 0.3 s). The poll wait is uniform over the interval (p95 0.95 s) and the
#: schedule's ±10 % jitter; the rest shares about half a second. Hops rarely hit their p95 on the same item,
#: so the budgets add up to more than the end-to-end target, which is the contract.
HOP_BUDGET_S: dict[str, float] = {
    "published → appeared": 1.0,  # the poll wait: the interval's p95 plus its jitter
    "appeared → fetched": 0.05,  # one GET of the page on the same host
    "fetched → parsed": 0.08,  # a page parse (~0.01 s CPU) and its batch window (0.02 s)
    "parsed → extracted": 0.35,  # NER of a poll's burst of articles shared by the model processes
    "extracted → indexed": 0.15,  # batch window (0.05 s), one bulk request with refresh, stories, mentions
    "indexed → searchable": 0.02,  # nothing: the bulk request refreshed
    "searchable → alerted": 0.3,  # match the rules and POST the webhook
}


def waterfall(timelines: Sequence[Mapping[str, float | None]]) -> Waterfall:
    """p50/p95 (nearest rank) of every consecutive hop that at least one timeline has both ends of."""
    result: Waterfall = {}
    for start, end in pairwise(ORDER):
        seconds = [b - a for t in timelines if (a := t.get(start)) is not None and (b := t.get(end)) is not None]
        if seconds:
            result[f"{start} → {end}"] = {
                "p50": percentile(seconds, 50),
                "p95": percentile(seconds, 95),
                "count": float(len(seconds)),
            }
    return result


def budget_rows(hops: Waterfall) -> list[tuple[str, str, str, str, str]]:
    """Per hop with a budget: p50, p95, the budget, and whether its p95 is within it (or by how much not)."""
    rows = []
    for name, budget in HOP_BUDGET_S.items():
        if (stats := hops.get(name)) is None:
            continue
        over = stats["p95"] - budget
        verdict = "within" if over <= 0 else f"over by {over:.3f} s"
        rows.append((name, f"{stats['p50']:.3f}", f"{stats['p95']:.3f}", f"{budget:g}", verdict))
    return rows


def chart(hops: Waterfall, width: int = 60) -> str:
    """The waterfall as lines of text, one per hop, on a common scale (the sum of the p50s plus the last p95)."""
    if not hops:
        return "(no timelines)"
    offsets, at = [], 0.0
    for stats in hops.values():
        offsets.append(at)
        at += max(0.0, stats["p50"])
    span = max(o + max(0.0, s["p95"]) for o, s in zip(offsets, hops.values(), strict=True)) or 1.0
    label = max(len(name) for name in hops)
    lines = []
    for offset, (name, stats) in zip(offsets, hops.items(), strict=True):
        lead = round(offset / span * width)
        solid = max(1, round(max(0.0, stats["p50"]) / span * width))
        shade = max(0, round(max(0.0, stats["p95"]) / span * width) - solid)
        bar = " " * lead + "█" * solid + "░" * shade
        lines.append(f"{name:<{label}}  {bar:<{width}}  p50 {stats['p50']:7.3f} s  p95 {stats['p95']:7.3f} s")
    return "\n".join(lines)


def plot(waterfalls: Mapping[str, Waterfall], path: Path) -> None:
    """One horizontal waterfall per load (p50 solid, p95 pale) in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = {label: hops for label, hops in waterfalls.items() if hops}
    if not shown:
        return
    figure, axes = plt.subplots(len(shown), 1, figsize=(9, 1.2 + 0.45 * 8 * len(shown)), squeeze=False)
    for axis, (label, hops) in zip(axes[:, 0], shown.items(), strict=True):
        at = 0.0
        for row, stats in enumerate(hops.values()):
            axis.barh(row, max(0.0, stats["p95"]), left=at, color="#9ecae1")
            axis.barh(row, max(0.0, stats["p50"]), left=at, color="#3182bd")
            at += max(0.0, stats["p50"])
        axis.set_yticks(range(len(hops)), list(hops))
        axis.invert_yaxis()
        axis.set_title(f"{label}: hop p50 (dark) and p95 (pale), each starting where the earlier p50s end")
        axis.set_xlabel("seconds after the item was published in its feed")
        axis.grid(True, axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
