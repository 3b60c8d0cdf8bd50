"""Extractor benchmark: what the time budget costs per article, what the pool holds in memory, and how long
the hostile inputs of issue 13 take now.

    .venv/bin/python -m bench.extractor [--articles 160] [--batch 16] [--rounds 3] [--model en_core_web_md]
                                        [--json PATH]

1. **Throughput**: generated articles (``bench/corpus.py``, the pipeline benchmark's corpus) enriched in batches
   of ``--batch``, in-process (``enrich``: what the extractor's handler ran before the budget) and through the
   budget's worker process (``BudgetedExtractor.enrich``: what it runs now), in interleaved rounds so that other
   load on the machine hits both alike; the best round of each counts. The ratio is budgeted / in-process.
2. **Memory**: resident and unique (USS) memory of this process before and after loading the model in-process,
   and of the pool's forkserver and worker (the model is loaded in the forkserver; the worker shares its pages).
3. **Hostile inputs** (bounded): the span ``Ali Hassan - - - … - Omar`` at 31, 200 and 5,000 pairs through the
   span cleaner; the old trailing-numbers pattern on the 31-pair span in a killable worker, cut off after
   ``--old-budget`` seconds; 2,000 / 4,000 / 8,000 distinct "Mr. Ahmed X" names through merging.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import spacy
from spacy.tokens import Span

from bench.corpus import Corpus
from wirewatch.schemas.articles import ParsedArticle
from wirewatch.services.extractor.merging import build_entities
from wirewatch.services.extractor.normalise import match_key, skeleton_key
from wirewatch.services.extractor.spans import Candidate, model_candidates

if TYPE_CHECKING:
    import psutil

# -- the hostile inputs (tests/hostile/test_extractor.py uses the same) ------------------------------------------

BLANK = spacy.blank("en")


def as_model_span(text: str, label: str = "PERSON") -> Any:
    """A doc whose one entity is the whole ``text``, as if the model had labelled it."""
    doc = BLANK.make_doc(text)
    doc.ents = [Span(doc, 0, len(doc), label=label)]
    return doc


def dashes(pairs: int) -> str:
    return "Ali Hassan" + " -" * pairs + " Omar"


def surnames(count: int, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    syllables = ["ba", "di", "ka", "lo", "mu", "ne", "ra", "si", "tu", "za", "ho", "ye", "qa", "fi", "gu"]
    names: dict[str, str] = {}  # by skeleton, so that no two are spelling variants of each other
    while len(names) < count:
        name = "".join(rng.choice(syllables) for _ in range(rng.randint(3, 5))).capitalize()
        names.setdefault(skeleton_key(match_key(name)), name)
    return sorted(names.values())


def roll_call(count: int) -> tuple[str, list[Candidate]]:
    """``Mr. Ahmed X``, ``Mr. Ahmed Y``, …: an article of ``count`` distinct people, the model's spans on
    the names (the honorific already stripped, as the span cleaner does), each mentioned again by
    surname."""
    parts: list[str] = []
    candidates: list[Candidate] = []
    cursor = 0
    for surname in surnames(count):
        full = f"Ahmed {surname}"
        sentence = f"Mr. {full} spoke, and {surname} left. "
        start = cursor + 4
        again = cursor + len(sentence) - len(f"{surname} left. ")
        candidates.append(Candidate(start, start + len(full), "PERSON", "PERSON"))
        candidates.append(Candidate(again, again + len(surname), "PERSON", "PERSON"))
        parts.append(sentence)
        cursor += len(sentence)
    return "".join(parts), candidates


def names_page(chars: int) -> str:
    """A page of nothing but distinct names, about ``chars`` long: as the parser lets it through."""
    text = "".join(f"Mr. Ahmed {name} met Mr. {name}. " for name in surnames(chars // 30 + 1))
    return text[:chars]


# -- the benchmark -------------------------------------------------------------------------------------------------


def articles(count: int, seed: int = 13) -> list[ParsedArticle]:
    corpus = Corpus(seed)
    now = datetime.now(UTC)
    found = []
    for number in range(count):
        article = corpus.article(number)
        found.append(
            ParsedArticle(
                id=f"bench{number:05d}",
                url=f"https://bench.example/{article.slug}",
                title=article.title,
                text=article.text,
                language="en",
                extractor="bench",
                extractor_version="0",
                content_hash="0" * 16,
                simhash="0" * 16,
                fetched_at=now,
                parsed_at=now,
            )
        )
    return found


def _batches(items: Sequence[ParsedArticle], size: int) -> list[Sequence[ParsedArticle]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _best_rate(count: int, work: Callable[[], Any], rounds: list[float]) -> None:
    started = time.perf_counter()
    work()
    rounds.append(count / (time.perf_counter() - started))


def _mb(value: float) -> float:
    return round(value / 1e6, 1)


def _memory(process: psutil.Process) -> dict[str, float]:
    info = process.memory_full_info()
    return {"rss_mb": _mb(info.rss), "uss_mb": _mb(info.uss), "pss_mb": _mb(getattr(info, "pss", 0))}


def _role(process: psutil.Process, me: psutil.Process) -> str:
    """What a child of the benchmark is: the pool's forkserver, a worker forked from it, or a helper."""
    command = " ".join(process.cmdline())
    if "forkserver" not in command:
        return "multiprocessing helper"
    return "pool forkserver (model preloaded)" if process.ppid() == me.pid else "pool worker (forked)"


def throughput_and_memory(options: argparse.Namespace) -> dict[str, Any]:
    os.environ["WIREWATCH_NER_MODEL"] = options.model
    os.environ["WIREWATCH_EXTRACTOR_BATCH_MAX"] = str(options.batch)
    import psutil

    from wirewatch.services.extractor.budget import PRELOAD_FLAG, BudgetedExtractor, Recipe, extractor_for
    from wirewatch.services.extractor.enrichment import enrich
    from wirewatch.services.extractor.settings import ExtractorSettings

    me = psutil.Process()
    before_model = _memory(me)
    recipe = Recipe.from_settings(ExtractorSettings())
    extractor = extractor_for(recipe)
    with_model = _memory(me)
    os.environ[PRELOAD_FLAG] = "1"  # the forkserver preloads the same recipe, as in the worker
    pool = BudgetedExtractor(recipe, seconds_per_article=60.0)
    pool.warm_up()
    items = articles(options.articles)
    batches = _batches(items, options.batch)
    enrich(batches[0], extractor=extractor)
    pool.enrich(batches[0])
    direct: list[float] = []
    budgeted: list[float] = []
    for round_number in range(options.rounds):
        _best_rate(len(items), lambda: [enrich(b, extractor=extractor) for b in batches], direct)
        _best_rate(len(items), lambda: [pool.enrich(b) for b in batches], budgeted)
        print(
            f"round {round_number + 1}: in-process {direct[-1]:.1f}/s, budgeted {budgeted[-1]:.1f}/s", file=sys.stderr
        )
    children = {p.pid: p for p in me.children(recursive=True)}
    pool_memory = {f"{_role(p, me)} ({pid})": _memory(p) for pid, p in children.items()}
    pool.close()
    return {
        "model": options.model,
        "articles": len(items),
        "batch": options.batch,
        "in_process_per_s": round(max(direct), 1),
        "budgeted_per_s": round(max(budgeted), 1),
        "ratio": round(max(budgeted) / max(direct), 3),
        "memory": {"this process, no model": before_model, "this process, model loaded": with_model, **pool_memory},
    }


_OLD_TRAILING_NUMBERS = re.compile(r"(?:\s+[\d\W_]+)+$")


def _old_trailing_numbers(text: str) -> int:
    found = _OLD_TRAILING_NUMBERS.search(text)
    return found.start() if found else -1


class _Overran(Exception):
    pass


def hostile(old_budget: float) -> dict[str, Any]:
    from wirewatch.core.budget import BudgetPool

    figures: dict[str, Any] = {}
    for pairs in (31, 200, 5_000):
        text = dashes(pairs)
        started = time.perf_counter()
        model_candidates(as_model_span(text), text, {}, max_chars=10**9)
        figures[f"span cleaner, {len(text)} chars"] = f"{1000 * (time.perf_counter() - started):.2f} ms"
    pool: BudgetPool[str, int] = BudgetPool(
        _old_trailing_numbers, overrun=lambda _r, s: _Overran(s), died=lambda _r, e: e, start_method="spawn"
    )
    text = dashes(31)
    started = time.perf_counter()
    try:
        pool.call(text, old_budget)
        figures[f"old trailing-numbers regex, {len(text)} chars"] = f"{time.perf_counter() - started:.1f} s"
    except _Overran:
        figures[f"old trailing-numbers regex, {len(text)} chars"] = f"> {old_budget:g} s (killed)"
    pool.close()
    for count in (2_000, 4_000, 8_000):
        text, candidates = roll_call(count)
        started = time.perf_counter()
        entities = build_entities(text, candidates)
        figures[f"merging, {count} distinct names"] = (
            f"{time.perf_counter() - started:.2f} s ({len(entities)} entities)"
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=160)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default="en_core_web_md")
    parser.add_argument("--old-budget", type=float, default=20.0)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    results: dict[str, Any] = {"hostile": hostile(options.old_budget)}
    if not options.skip_throughput:
        results["throughput"] = throughput_and_memory(options)
    text = json.dumps(results, indent=2)
    print(text)
    if options.json:
        options.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
