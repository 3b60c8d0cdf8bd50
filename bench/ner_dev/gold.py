"""The conflict-news development set: inline-marked source files turned into gold jsonl with offsets.

Source (``bench/ner_dev/items/<region>.md``): a ``# title`` line, then one block per item, headed
``## <doc_id> <country>``; the item's text is the following non-blank lines joined by a space. A name is
marked inline as ``[text|LABEL]`` or ``[text|LABEL:kind]`` (kinds in :data:`KINDS`); nothing else in a
text may contain ``[``, ``]`` or ``|``. Output (``ner-dev.jsonl``): one line per item, in the format of
``../shared/data/ner-gold/ner-gold-dev.jsonl`` plus ``region``, ``country`` and each entity's ``kind``.

    .venv/bin/python -m bench.ner_dev.gold           # rewrite ner-dev.jsonl from the sources
    .venv/bin/python -m bench.ner_dev.gold --check   # exit 1 if ner-dev.jsonl is stale
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "items"
GOLD = HERE / "ner-dev.jsonl"
LABELS = ("PER", "ORG", "LOC")
KINDS = {
    "ORG": ("arm", "pol", "gov", "intl", "med", "co"),
    "LOC": ("ctry", "city", "reg", "feat"),
    "PER": ("",),
}
_MARK = re.compile(r"\[([^\[\]|]+)\|([A-Z]+)(?::([a-z]+))?\]")
_HEADER = re.compile(r"## (\S+) (\S+)$")


class SourceError(ValueError):
    """A source file that does not parse: the file, the line and what is wrong."""


@dataclass
class Item:
    doc_id: str
    region: str
    country: str
    text: str = ""
    entities: list[dict[str, Any]] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {
            "corpus": "ner_dev",
            "file": f"{self.region}.md",
            "doc_id": self.doc_id,
            "sent_id": self.doc_id,
            "region": self.region,
            "country": self.country,
            "text": self.text,
            "entities": self.entities,
        }


def unmark(marked: str, where: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and its entities (character offsets) from a text with ``[name|LABEL:kind]`` marks."""
    parts: list[str] = []
    entities: list[dict[str, Any]] = []
    position = 0
    for mark in _MARK.finditer(marked):
        parts.append(marked[position : mark.start()])
        start = sum(len(p) for p in parts)
        name, label, kind = mark.group(1), mark.group(2), mark.group(3) or ""
        if label not in LABELS or kind not in KINDS[label]:
            raise SourceError(f"{where}: bad label or kind in {mark.group(0)!r}")
        parts.append(name)
        entities.append({"start": start, "end": start + len(name), "label": label, "text": name, "kind": kind})
        position = mark.end()
    parts.append(marked[position:])
    text = "".join(parts)
    if stray := set(text) & set("[]|"):
        raise SourceError(f"{where}: stray {''.join(sorted(stray))!r} outside a mark")
    return text, entities


def parse_source(path: Path) -> list[Item]:
    """The items of one region's source file, in file order."""
    region, items = path.stem, list[Item]()
    lines: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("## "):
            if not (header := _HEADER.match(line)):
                raise SourceError(f"{path.name}:{number}: header must be '## <doc_id> <country>'")
            _finish(items, lines, path.name)
            items.append(Item(header.group(1), region, header.group(2)))
        elif line.strip() and not line.startswith("# "):
            if not items:
                raise SourceError(f"{path.name}:{number}: text before the first item header")
            lines.append(line.strip())
    _finish(items, lines, path.name)
    return items


def _finish(items: list[Item], lines: list[str], where: str) -> None:
    if items and lines:
        items[-1].text, items[-1].entities = unmark(" ".join(lines), f"{where} {items[-1].doc_id}")
    lines.clear()


def load_items(sources: Path = SOURCES) -> list[Item]:
    """Every item of every region, regions in name order."""
    return [item for path in sorted(sources.glob("*.md")) for item in parse_source(path)]


def render(items: list[Item]) -> str:
    return "".join(json.dumps(item.row(), ensure_ascii=False) + "\n" for item in items)


def main(argv: list[str]) -> int:
    rendered = render(load_items())
    if "--check" in argv:
        fresh = GOLD.exists() and GOLD.read_text(encoding="utf-8") == rendered
        print("ner-dev.jsonl is up to date" if fresh else "ner-dev.jsonl is stale: run python -m bench.ner_dev.gold")
        return 0 if fresh else 1
    GOLD.write_text(rendered, encoding="utf-8")
    print(f"wrote {GOLD} ({rendered.count(chr(10))} items)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
