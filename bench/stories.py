"""Benchmark: precision and recall of "same story" on the invented pairs of ``bench/stories_pairs.py``, for
the old rule (the parser's SimHash within 10 bits, found through 11 bands of ~6 bits) and the story
clustering of ``wirewatch/core/stories.py`` (MinHash band keys, then the shingle decision), side by side.

Besides the decision it reports the candidate stage: how many pairs share at least one band key (what the
indexer's terms query would return), for the same-story pairs (the recall ceiling) and the others (the load
the keys put on the verification), and how often a band key of one text is shared by an unrelated one.

Run: ``.venv/bin/python -m bench.stories [--json PATH]``. It reports, it does not assert.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console
from rich.table import Table

from bench.stories_pairs import Pair, pairs
from wirewatch.core import stories
from wirewatch.services.parser.fingerprints import hamming, simhash

#: the parser's old rule: within this many bits, found through this many bands
OLD_MAX_DISTANCE = 10
OLD_BANDS = 11


def old_same(a: str, b: str) -> bool:
    return hamming(simhash(a), simhash(b)) <= OLD_MAX_DISTANCE


def new_same(a: str, b: str) -> bool:
    return stories.same_story(stories.fingerprint(a), stories.fingerprint(b))


def old_keys(text: str) -> set[tuple[int, int]]:
    value = int(simhash(text), 16)
    edges = [round(i * 64 / OLD_BANDS) for i in range(OLD_BANDS + 1)]
    return {(band, (value >> low) & ((1 << (high - low)) - 1)) for band, (low, high) in enumerate(pairwise(edges))}


def new_keys(text: str) -> set[str]:
    return set(stories.fingerprint(text).keys)


def scores(rule: Callable[[str, str], bool], labelled: list[Pair]) -> dict[str, Any]:
    tp = fp = fn = tn = 0
    wrong: list[str] = []
    for label, kind, a, b in labelled:
        said = rule(a, b)
        tp += label and said
        fp += (not label) and said
        fn += label and not said
        tn += (not label) and not said
        if said != label:
            wrong.append(kind)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall, "wrong": wrong}


def candidate_rates(keys: Callable[[str], set[Any]], labelled: list[Pair]) -> dict[str, float]:
    """Share of same-story and other pairs that share at least one band key."""
    same = [bool(keys(a) & keys(b)) for label, _, a, b in labelled if label]
    other = [bool(keys(a) & keys(b)) for label, _, a, b in labelled if not label]
    return {"same": sum(same) / len(same), "other": sum(other) / len(other)}


def main(args: argparse.Namespace) -> dict[str, Any]:
    labelled = pairs()
    result = {
        "pairs": len(labelled),
        "same_pairs": sum(1 for p in labelled if p[0]),
        "old": scores(old_same, labelled) | {"candidates": candidate_rates(old_keys, labelled)},
        "new": scores(new_same, labelled) | {"candidates": candidate_rates(new_keys, labelled)},
    }
    table = Table(title=f"same story: {result['pairs']} pairs ({result['same_pairs']} same)")
    table.add_column("measure")
    table.add_column("old: SimHash ≤ 10 bits", justify="right")
    table.add_column("new: band keys + shingles", justify="right")
    for key in ("precision", "recall"):
        table.add_row(key, f"{result['old'][key]:.3f}", f"{result['new'][key]:.3f}")
    for key in ("tp", "fp", "fn", "tn"):
        table.add_row(key, str(result["old"][key]), str(result["new"][key]))
    table.add_row(
        "same-story pairs sharing a band key",
        f"{result['old']['candidates']['same']:.2f}",
        f"{result['new']['candidates']['same']:.2f}",
    )
    table.add_row(
        "other pairs sharing a band key",
        f"{result['old']['candidates']['other']:.2f}",
        f"{result['new']['candidates']['other']:.2f}",
    )
    Console().print(table)
    for rule in ("old", "new"):
        if result[rule]["wrong"]:
            Console().print(f"{rule} wrong on: {', '.join(sorted(set(result[rule]['wrong'])))}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", dest="json_path", help="also write the figures to this file")
    main(parser.parse_args())
