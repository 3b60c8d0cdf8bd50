"""Benchmark: our feed parser vs feedparser 6.0.14 on the feed corpus of issue 15.

For each parser: how many feeds it read, how many it read exactly (count, links, titles, dates), its agreement
with the expected items (items found, links, titles, dates), and its speed (items per second, best of
``--rounds`` full passes, and the ratio to feedparser), side by side; then the same per document group
(feedparser reads no JSON Feed and no sitemap: the RSS/Atom/RDF row is the fair comparison) and per family;
then each parser's failure list (a feed it could not read, or the first misses of a feed it read wrongly).

Run from the repository root: ``.venv/bin/python -m bench.feedcorpus [--rounds 3] [--misses 2] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.feedcorpus.cases import build_corpus
from bench.feedcorpus.model import CorpusFeed
from bench.feedcorpus.readers import FEEDPARSER_MODELLED, OURS_MODELLED, Reader, read_feedparser, read_ours, run
from bench.feedcorpus.scoring import FeedResult, Totals, totals

PARSERS: dict[str, tuple[Reader, tuple[type[BaseException], ...]]] = {
    "ours": (read_ours, OURS_MODELLED),
    "feedparser": (read_feedparser, FEEDPARSER_MODELLED),
}
GROUPS: dict[str, Callable[[CorpusFeed], bool]] = {
    "RSS/Atom/RDF": lambda feed: feed.format.startswith(("rss", "rdf", "atom")),
    "JSON Feed": lambda feed: feed.format.startswith("json"),
    "sitemaps": lambda feed: "sitemap" in feed.format,
}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# 1. Running -----------------------------------------------------------------------------------------------------------


def measure(name: str, feeds: list[CorpusFeed], rounds: int) -> tuple[list[FeedResult], float]:
    """Score one parser on every feed (first pass), and the best wall time of ``rounds`` passes; each result's
    ``seconds`` becomes that feed's fastest time over the passes (for the per-group speeds)."""
    reader, modelled = PARSERS[name]
    best = float("inf")
    results: list[FeedResult] = []
    for round_number in range(1, rounds + 1):
        started = time.perf_counter()
        current = []
        for index, feed in enumerate(feeds, 1):
            current.append(run(reader, feed, modelled))
            if index % 50 == 0 or index == len(feeds):
                progress(f"  {name}: round {round_number}/{rounds}, {index}/{len(feeds)} feeds")
        best = min(best, time.perf_counter() - started)
        for first, again in zip(results, current, strict=False):  # no pairs on the first pass
            first.seconds = min(first.seconds, again.seconds)
        results = results or current
    return results, best


# 2. Reporting ---------------------------------------------------------------------------------------------------------


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "-"


def summary_rows(total: Totals) -> list[tuple[str, str]]:
    return [
        ("feeds read", f"{total.read}/{total.feeds}"),
        ("feeds exact", f"{total.perfect}/{total.feeds}"),
        ("item count right", f"{total.count_ok}/{total.feeds}"),
        ("items found", f"{total.matched}/{total.expected} ({percent(total.matched, total.expected)})"),
        ("links", percent(total.links, total.expected)),
        ("titles", percent(total.titles, total.expected)),
        ("dates", percent(total.dates, total.expected)),
        ("uncaught exceptions", str(len(total.crashes))),
    ]


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in [header, *rows]]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def report(results: dict[str, list[FeedResult]], seconds: dict[str, float], misses: int) -> dict[str, object]:
    names = list(results)
    overall = {name: totals(results[name]) for name in names}
    rows = [
        [label] + [dict(summary_rows(overall[name]))[label] for name in names]
        for label, _ in summary_rows(overall[names[0]])
    ]
    items = {name: overall[name].got for name in names}
    rows.append(["parse time (fastest per feed)"] + [f"{overall[name].seconds:.3f} s" for name in names])
    rows.append(["whole pass, scoring too (best)"] + [f"{seconds[name]:.3f} s" for name in names])
    rows.append(["items/s"] + [f"{items[name] / overall[name].seconds:,.0f}" for name in names])
    reference = overall["feedparser"].seconds if "feedparser" in overall else overall[names[0]].seconds
    rows.append(["speed vs feedparser"] + [f"{reference / overall[name].seconds:.1f}×" for name in names])
    print(f"\n## The whole corpus ({overall[names[0]].feeds} feeds, {overall[names[0]].expected} items)\n")
    print(table(["", *names], rows))

    group_rows = []
    for group, belongs in GROUPS.items():
        chosen = {name: totals([result for result in results[name] if belongs(result.feed)]) for name in names}
        reference_s = chosen["feedparser"].seconds if "feedparser" in chosen else 0.0
        for name, total in chosen.items():
            versus = f"{reference_s / total.seconds:.1f}×" if chosen.get("feedparser", total).matched else "-"
            speed = [f"{total.got / total.seconds:,.0f}", versus]
            group_rows.append([group, name, *[value for _label, value in summary_rows(total)[:7]], *speed])
    print("\n## By document group (feedparser reads RSS, Atom and RDF only; speed from each feed's fastest pass)\n")
    header = ["group", "parser", *[label for label, _ in summary_rows(Totals())[:7]], "items/s", "vs feedparser"]
    print(table(header, group_rows))

    families = sorted({result.feed.family for result in results[names[0]]})
    family_rows = []
    for family in families:
        cells = []
        for name in names:
            total = totals([result for result in results[name] if result.feed.family == family])
            cells += [f"{total.perfect}/{total.feeds}", percent(total.dates, total.expected)]
        family_rows.append([family, *cells])
    print("\n## Feeds read exactly, and dates right, by family\n")
    print(table(["family", *[f"{name} {what}" for name in names for what in ("exact", "dates")]], family_rows))

    for name in names:
        slowest = sorted(results[name], key=lambda result: result.seconds, reverse=True)[:5]
        listed = ", ".join(f"{result.feed.name} {1000 * result.seconds:.1f} ms" for result in slowest)
        print(f"\nslowest feeds for {name}: {listed}")
    for name in names:
        print(f"\n## Failures: {name}\n")
        for result in results[name]:
            if result.perfect:
                continue
            reason = result.crash or result.error
            detail = f"UNCAUGHT {reason}" if result.crash else (reason or "; ".join(result.misses[:misses]))
            print(f"- {result.feed.name} [{result.feed.family}]: {detail}"[:400])
    return {
        name: {
            "feeds": overall[name].feeds,
            "read": overall[name].read,
            "exact": overall[name].perfect,
            "items": overall[name].expected,
            "found": overall[name].matched,
            "links": overall[name].links,
            "titles": overall[name].titles,
            "dates": overall[name].dates,
            "crashes": overall[name].crashes,
            "seconds": overall[name].seconds,
            "items_per_s": items[name] / overall[name].seconds,
        }
        for name in names
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="full passes per parser; the fastest is reported")
    parser.add_argument("--misses", type=int, default=2, help="misses shown per imperfect feed")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # every broken feed logs a warning: the report lists them instead

    import feedparser  # only to name its version

    progress("building the corpus…")
    feeds = build_corpus()
    progress(
        f"{len(feeds)} feeds, {sum(len(feed.expected) for feed in feeds)} items; feedparser {feedparser.__version__}"
    )
    results: dict[str, list[FeedResult]] = {}
    seconds: dict[str, float] = {}
    for name in PARSERS:
        results[name], seconds[name] = measure(name, feeds, args.rounds)
    figures = report(results, seconds, args.misses)
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
