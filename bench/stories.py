"""Benchmark: precision and recall of "same story" on the invented pairs of ``bench/stories_pairs.py``, for
the old rule (the parser's SimHash within 10 bits, found through 11 bands of ~6 bits) and the story
clustering of ``wirewatch/core/stories.py`` (MinHash band keys, then the shingle decision), side by side.

Besides the decision it reports the candidate stage: how many pairs share at least one band key (what the
indexer's terms query would return), for the same-story pairs (the recall ceiling) and the others (the load
the keys put on the verification), and how often a band key of one text is shared by an unrelated one.

With ``--indexer`` it also measures what stories cost the indexer, on the real stack (its own namespace,
removed after): the same synthetic articles (``bench/indexing.py``'s, a share ``--copies`` of them wire
copies of earlier ones) written batch by batch by the bulk path alone (what the indexer did before stories)
and by the whole handler (story look-up, write, story documents), the two interleaved round by round on
fresh indices so that the machine's load falls on both alike; medians of articles per second.

Run: ``.venv/bin/python -m bench.stories [--indexer [--docs N] [--rounds N] [--copies F]] [--json PATH]``.
It reports, it does not assert.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
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


async def _index_rate(articles: list[Any], batch: int, *, stories: bool, settings: Any) -> float:
    from bench.indexing import fresh_index, write_alias
    from wirewatch.core.es import make_es
    from wirewatch.services.indexer.bulk import write
    from wirewatch.services.indexer.handler import IndexHandler

    index = settings.index_name("articles") + ("-with" if stories else "-without")
    es = make_es(settings, timeout=120)
    try:
        await fresh_index(es, index)
        await es.options(ignore_status=404).indices.delete(index=settings.index_name("stories"))
        handler = IndexHandler(
            es,
            alias=write_alias(index),
            indexed_topic="bench",
            max_bytes=8 * 1024 * 1024,
            stories_index=settings.index_name("stories"),
        )
        started = time.perf_counter()
        for i in range(0, len(articles), batch):
            chunk = articles[i : i + batch]
            if stories:
                await handler(chunk)
            else:
                await write(es, write_alias(index), chunk, max_bytes=8 * 1024 * 1024)
        elapsed = time.perf_counter() - started
        await es.indices.delete(index=index)
        return len(articles) / elapsed
    finally:
        await es.close()


async def indexer_cost(docs: int, batch: int, rounds: int, copies: float) -> dict[str, Any]:
    from bench.indexing import article
    from wirewatch.core.settings import CommonSettings
    from wirewatch.ops.stack import drop_namespace, init

    tag = uuid.uuid4().hex[:6]
    settings = CommonSettings().model_copy(update={"topic_prefix": f"bst{tag}.", "index_prefix": f"bst{tag}"})
    rng = random.Random(16)
    articles = [article(n, rng, tag="s") for n in range(docs)]
    for n in range(1, docs):
        if rng.random() < copies:
            text = f"By {articles[n].source} staff\n\n{articles[rng.randrange(n)].text}\n\nRead more"
            articles[n] = articles[n].model_copy(update={"text": text})
    await init(settings)
    rates: dict[str, list[float]] = {"without": [], "with": []}
    try:
        for r in range(rounds):
            for which in ("without", "with") if r % 2 == 0 else ("with", "without"):
                rate = await _index_rate(articles, batch, stories=which == "with", settings=settings)
                rates[which].append(rate)
                print(f"  round {r + 1}/{rounds}: {which} stories {rate:,.0f} docs/s", file=sys.stderr)
    finally:
        await drop_namespace(settings)
    without, with_ = statistics.median(rates["without"]), statistics.median(rates["with"])
    return {"docs": docs, "batch": batch, "copies": copies, "without": without, "with": with_, "ratio": with_ / without}


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
    if args.indexer:
        cost = asyncio.run(indexer_cost(args.docs, args.batch, args.rounds, args.copies))
        result["indexer"] = cost
        Console().print(
            f"indexer, {cost['docs']} articles in batches of {cost['batch']} ({cost['copies']:.0%} copies): "
            f"bulk path alone {cost['without']:,.0f} docs/s, with stories {cost['with']:,.0f} docs/s, "
            f"ratio {cost['ratio']:.2f}"
        )
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", dest="json_path", help="also write the figures to this file")
    parser.add_argument("--indexer", action="store_true", help="also measure the indexer with and without stories")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--copies", type=float, default=0.0, help="share of articles copying an earlier one")
    main(parser.parse_args())
