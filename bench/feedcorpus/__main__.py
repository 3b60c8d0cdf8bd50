"""Benchmark: our feed parser vs feedparser 6.0.14 on the feed corpus of issue 15.

For each parser: how many feeds it read, how many it read exactly (count, links, titles, dates), its agreement
with the expected items (items found, links, titles, dates), and its speed (items per second from each feed's
fastest parse over ``--rounds`` passes in which the parsers take turns feed by feed, and the ratio to
feedparser), side by side; then the same per document group
(feedparser reads no JSON Feed and no sitemap: the RSS/Atom/RDF row is the fair comparison) and per family;
then each parser's failure list (a feed it could not read, or the first misses of a feed it read wrongly).

Run from the repository root: ``.venv/bin/python -m bench.feedcorpus [--rounds 3] [--misses 2] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import contextlib
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


def score_all(feeds: list[CorpusFeed]) -> dict[str, list[FeedResult]]:
    """Every parser on every feed once: what it returned, scored against the truth."""
    results: dict[str, list[FeedResult]] = {}
    for name, (reader, modelled) in PARSERS.items():
        results[name] = []
        for index, feed in enumerate(feeds, 1):
            results[name].append(run(reader, feed, modelled))
            if index % 50 == 0 or index == len(feeds):
                progress(f"  {name}: scored {index}/{len(feeds)} feeds")
    return results


def time_all(results: dict[str, list[FeedResult]], rounds: int) -> None:
    """Each result's ``seconds`` becomes its feed's fastest parse over ``rounds`` more passes, the parsers taking
    turns feed by feed, so that the load of a shared machine falls on both alike."""
    names = list(results)
    for round_number in range(1, rounds + 1):
        for position in range(len(results[names[0]])):
            for name in names:
                reader, _modelled = PARSERS[name]
                result = results[name][position]
                started = time.perf_counter()
                with contextlib.suppress(Exception):  # the scoring pass recorded it; only the time matters here
                    reader(result.feed)
                result.seconds = min(result.seconds, time.perf_counter() - started)
        progress(f"  timing: round {round_number}/{rounds}")


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


def report(results: dict[str, list[FeedResult]], misses: int) -> dict[str, object]:
    names = list(results)
    overall = {name: totals(results[name]) for name in names}
    rows = [
        [label] + [dict(summary_rows(overall[name]))[label] for name in names]
        for label, _ in summary_rows(overall[names[0]])
    ]
    items = {name: overall[name].got for name in names}
    rows.append(["parse time (fastest per feed)"] + [f"{overall[name].seconds:.3f} s" for name in names])
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
    print("\n## By document group (feedparser reads RSS, Atom and RDF only; speed from each feed's fastest parse)\n")
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
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="timing passes, the parsers taking turns feed by feed; each feed's fastest counts",
    )
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
    results = score_all(feeds)
    time_all(results, args.rounds)
    figures = report(results, args.misses)
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
