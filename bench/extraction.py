"""Score our parser and trafilatura side by side on an article-extraction benchmark directory.

Usage::

    python bench/extraction.py [DIR] [--limit N] [--json PATH] [--baseline PATH] [--no-second-opinion]

DIR holds ``html/<id>.html.gz`` and ``ground-truth.json`` (``{id: {"articleBody": …, "url": …}}``); it
defaults to ``../shared/data/extraction-benchmark`` next to the repository. The metric is the benchmark's
own: ``\\w+`` tokens (case kept) grouped into 4-token shingles; per page, tp/fp/fn from a multiset match,
normalised to sum to 1; precision is averaged over pages with a non-empty prediction, recall over all
pages; F1 is the harmonic mean of the two averages. Both extractors run on the same pages in the same
process, interleaved page by page so machine load affects both alike, after one untimed warm-up call
each; pages/s counts extraction only (reading and decompressing the files is not timed).

``--baseline`` takes a JSON file written earlier with ``--json`` and lists every page whose F1 for our
extractor fell by more than ``--tolerance`` (0.05) against it; the exit status is 1 when there is one.
``--no-second-opinion`` runs ours without asking trafilatura, to measure what the second opinion buys.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO_ROOT.parent / "shared" / "data" / "extraction-benchmark"
_TOKEN = re.compile(r"\w+")
Extractor = Callable[[bytes, str, str], str]


@dataclass(frozen=True, slots=True)
class PageScore:
    tp: float
    fp: float
    fn: float
    predicted: bool


@dataclass(slots=True)
class Totals:
    name: str
    scores: list[PageScore] = field(default_factory=list)
    seconds: float = 0.0
    failures: int = 0

    def precision(self) -> float:
        counted = [s.tp / (s.tp + s.fp) if s.tp + s.fp else 0.0 for s in self.scores if s.predicted]
        return sum(counted) / len(counted) if counted else 0.0

    def recall(self) -> float:
        values = [s.tp / (s.tp + s.fn) if s.tp + s.fn else 0.0 for s in self.scores]
        return sum(values) / len(values) if values else 0.0

    def f1(self) -> float:
        p, r = self.precision(), self.recall()
        return 2 * p * r / (p + r) if p + r else 0.0

    def pages_per_second(self) -> float:
        return len(self.scores) / self.seconds if self.seconds else 0.0


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    """The multiset of ``size``-token windows of ``\\w+`` tokens (case kept)."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def score_page(predicted: str, expected: str) -> PageScore:
    """tp/fp/fn of one page, normalised so that they sum to 1."""
    pred, true = shingles(predicted), shingles(expected)
    tp = sum((pred & true).values())
    fp, fn = sum(pred.values()) - tp, sum(true.values()) - tp
    total = tp + fp + fn
    if total == 0:
        return PageScore(0.0, 0.0, 0.0, predicted=False)
    return PageScore(tp / total, fp / total, fn / total, predicted=bool(pred))


def page_f1(score: dict[str, float]) -> float:
    """F1 of one page from its stored tp/fp/fn."""
    tp, fp, fn = score["tp"], score["fp"], score["fn"]
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def regressions(
    rows: list[dict[str, Any]], baseline: dict[str, Any], name: str, tolerance: float
) -> list[tuple[str, float, float]]:
    """(page id, F1 before, F1 now) of the pages where ``name`` lost more than ``tolerance`` of F1."""
    before = {str(r["id"]): r[name] for r in baseline.get("pages", []) if name in r}
    worse: list[tuple[str, float, float]] = []
    for row in rows:
        if str(row["id"]) not in before:
            continue
        was, now = page_f1(before[str(row["id"])]), page_f1(row[name])
        if now < was - tolerance:
            worse.append((str(row["id"]), was, now))
    return worse


def ours(html: bytes, url: str, page_id: str) -> str:
    from wirewatch.services.parser.pipeline import parse_page

    return parse_page(html, url=url, page_id=page_id, fetched_at=datetime.now(UTC)).text


def theirs(html: bytes, url: str, page_id: str) -> str:
    return trafilatura.extract(html) or ""


def load(directory: Path, limit: int | None) -> list[tuple[str, str, str]]:
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    return [(i, truth[i]["url"], truth[i]["articleBody"]) for i in ids]


def run(
    directory: Path, limit: int | None, extractors: dict[str, Extractor]
) -> tuple[list[Totals], list[dict[str, Any]]]:
    pages = load(directory, limit)
    totals = {name: Totals(name) for name in extractors}
    _warm_up(directory, pages, extractors)
    rows: list[dict[str, Any]] = []
    for index, (page_id, url, expected) in enumerate(pages, 1):
        html = gzip.decompress((directory / "html" / f"{page_id}.html.gz").read_bytes())
        row: dict[str, Any] = {"id": page_id, "url": url}
        for name, extract in extractors.items():
            text, seconds, failed = _timed(extract, html, url, page_id)
            score = score_page(text, expected)
            totals[name].scores.append(score)
            totals[name].seconds += seconds
            totals[name].failures += failed
            row[name] = asdict(score)
        rows.append(row)
        _progress(index, len(pages), totals)
    print(file=sys.stderr)
    return list(totals.values()), rows


def _warm_up(directory: Path, pages: list[tuple[str, str, str]], extractors: dict[str, Extractor]) -> None:
    """One untimed call each, so one-off start-up costs (models, stoplists) are not counted as speed."""
    if pages:
        page_id, url, _ = pages[0]
        html = gzip.decompress((directory / "html" / f"{page_id}.html.gz").read_bytes())
        for extract in extractors.values():
            _timed(extract, html, url, page_id)


def _timed(extract: Extractor, html: bytes, url: str, page_id: str) -> tuple[str, float, int]:
    start = time.perf_counter()
    try:
        text, failed = extract(html, url, page_id), 0
    except Exception as error:  # one bad page is scored as empty, never ends the run
        print(f"\n{page_id}: {type(error).__name__}: {error}", file=sys.stderr)
        text, failed = "", 1
    return text, time.perf_counter() - start, failed


def _progress(done: int, total: int, totals: dict[str, Totals]) -> None:
    f1s = "  ".join(f"{t.name} F1 {t.f1():.4f}" for t in totals.values())
    print(f"\r[{done:>4}/{total}] {f1s}", end="", file=sys.stderr, flush=True)


def table(results: list[Totals]) -> str:
    lines = [f"{'extractor':<14}{'precision':>10}{'recall':>10}{'F1':>10}{'pages/s':>10}{'failures':>10}"]
    for t in results:
        lines.append(
            f"{t.name:<14}{t.precision():>10.4f}{t.recall():>10.4f}{t.f1():>10.4f}"
            f"{t.pages_per_second():>10.1f}{t.failures:>10}"
        )
    if len(results) == 2 and results[1].f1() and results[1].pages_per_second():
        a, b = results
        lines.append(
            f"F1 ratio {a.name}/{b.name}: {a.f1() / b.f1():.4f}   "
            f"speed ratio: {a.pages_per_second() / b.pages_per_second():.2f}x   pages: {len(a.scores)}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages (sorted ids)")
    parser.add_argument("--json", type=Path, default=None, help="write per-page scores and totals here")
    parser.add_argument("--baseline", type=Path, default=None, help="a --json file to compare each page against")
    parser.add_argument("--tolerance", type=float, default=0.05, help="F1 a page may lose against --baseline")
    parser.add_argument("--no-second-opinion", action="store_true", help="ours without trafilatura's help")
    args = parser.parse_args(argv)
    if args.no_second_opinion:
        from wirewatch.services.parser import bodies

        bodies.SECOND_OPINION = False
    if not (args.directory / "ground-truth.json").is_file():
        parser.error(f"{args.directory} has no ground-truth.json")
    results, rows = run(args.directory, args.limit, {"wirewatch": ours, "trafilatura": theirs})
    print(table(results))
    if args.json:
        summary = {
            t.name: {
                "precision": t.precision(),
                "recall": t.recall(),
                "f1": t.f1(),
                "pages_per_second": t.pages_per_second(),
                "failures": t.failures,
            }
            for t in results
        }
        args.json.write_text(json.dumps({"summary": summary, "pages": rows}, indent=1), encoding="utf-8")
    if args.baseline:
        return _compare(rows, json.loads(args.baseline.read_text(encoding="utf-8")), args.tolerance)
    return 0


def _compare(rows: list[dict[str, Any]], baseline: dict[str, Any], tolerance: float) -> int:
    worse = regressions(rows, baseline, "wirewatch", tolerance)
    was = float(baseline.get("summary", {}).get("wirewatch", {}).get("f1") or 0.0)
    print(f"against the baseline (F1 {was:.4f}): {len(worse)} page(s) worse by more than {tolerance}")
    for page_id, before, now in worse:
        print(f"  {page_id}  {before:.3f} -> {now:.3f}")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    sys.exit(main())
