"""JSON lines in, JSON lines out: what ``wirewatch extract --jsonl`` does with the extractor.

Each input line is ``{"id", "text"}`` (optionally ``"title"``); each output line is the same
object plus ``"entities": [{"name", "type", "mentions": [{"start", "end", "text"}]}]`` with
offsets into ``text``. Lines are processed in batches through one ``nlp.pipe`` stream.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from wirewatch.schemas.articles import Entity
from wirewatch.services.extractor.entities import EntityExtractor


def annotate_lines(lines: Iterable[str], extractor: EntityExtractor, batch_size: int = 64) -> Iterator[str]:
    """Annotated JSON lines, in input order; blank input lines are skipped."""
    records = (json.loads(line) for line in lines if line.strip())
    while batch := list(islice(records, batch_size)):
        items = [(record.get("title"), _text(record)) for record in batch]
        ids = [str(record.get("id", i)) for i, record in enumerate(batch)]
        for record, entities in zip(batch, extractor.extract_many(items, ids=ids), strict=True):
            yield json.dumps({**record, "entities": [entity_record(e) for e in entities]}, ensure_ascii=False)


def _text(record: dict[str, Any]) -> str:
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError(f"line with id {record.get('id')!r} has no string 'text'")
    return text


def entity_record(entity: Entity) -> dict[str, Any]:
    """The CLI's compact form of an entity."""
    return {
        "name": entity.name,
        "type": entity.type,
        "mentions": [{"start": m.start, "end": m.end, "text": m.text} for m in entity.mentions],
    }
