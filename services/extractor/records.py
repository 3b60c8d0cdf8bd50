"""The :class:`Entity` records of an article's joined groups: name, type, why, mentions, aliases, registry key."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from wirewatch.schemas.articles import Entity, GeoPoint, Mention, TypeReason
from wirewatch.services.extractor.gazetteer import GazetteerEntry
from wirewatch.services.extractor.groups import Group, GroupedMention, group_type
from wirewatch.services.extractor.normalise import canonical_name, match_key, place_key

_T = TypeVar("_T")
_M = TypeVar("_M", bound=BaseModel)


def entities_of(text: str, groups: Sequence[Group]) -> list[Entity]:
    """One entity per joined tree of ``groups``, ordered by first appearance (title-only ones first)."""
    members: dict[int, list[Group]] = {}
    for group in groups:
        members.setdefault(id(group.root()), []).append(group)
    entities = [_entity(text, group, members[id(group)]) for group in groups if group.head is None]
    return sorted(entities, key=lambda e: (bool(e.mentions), e.first_position))


def _entity(text: str, head: Group, members: Sequence[Group]) -> Entity:
    mentions = sorted((m for g in members for m in g.mentions), key=lambda m: (m.in_title, m.start))
    # offsets into ``text`` by construction: built without validation (an article has thousands of these)
    in_text = [
        built(Mention, {"start": m.start, "end": m.end, "text": text[m.start : m.end]})
        for m in mentions
        if not m.in_title
    ]
    type_ = group_type(head)
    name = head.entry_name or _best_name(head.mentions)
    entry = next((m.candidate.entry for m in head.mentions if m.candidate.entry is not None), None)
    labels = [m.candidate.label for m in head.mentions if m.candidate.type == type_]
    located = entry is not None and not entry.ambiguous
    # every value is built here from checked parts: constructed without a second validation
    return built(
        Entity,
        {
            "name": name,
            "type": type_,  # one of EntityType by construction
            "label": _most_common(labels) if labels else (entry.label if entry else None),
            "mentions": in_text,
            "count": len(mentions),
            "first_position": in_text[0].start if in_text else 0,
            "in_title": any(m.in_title for m in mentions),
            "aliases": _aliases(name, mentions),
            "source": "gazetteer" if entry else "model",
            "why": _why(type_, entry, head),
            "key": registry_key(name, entry),
            "external_id": entry.id if entry else None,
            "country_code": entry.country_code if entry and located else None,
            "geo": built(GeoPoint, {"lat": entry.lat, "lon": entry.lon})
            if entry and located and entry.lat is not None and entry.lon is not None
            else None,
        },
    )


def built(model: type[_M], values: dict[str, Any]) -> _M:
    """``model.model_construct(**values)`` for ``values`` that set every field of ``model`` (a model without extra
    fields nor private attributes), without its walk over the model's fields for aliases and defaults: a third of
    the cost of an article's records, which number in the thousands."""
    record = model.__new__(model)
    object.__setattr__(record, "__dict__", values)
    object.__setattr__(record, "__pydantic_fields_set__", set(values))
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)
    return record


def _why(type_: str, entry: GazetteerEntry | None, head: Group) -> TypeReason:
    """What decided an entity's type: its entry (an analyst's watchlist, or the shipped places), the evidence
    its group was voted on, the evidence its mentions were found with (an organisation's shape), or the model."""
    if entry is not None:
        return "watchlist" if entry.precedence == "always" else "gazetteer"
    if head.why is not None:
        return head.why
    found = [m.candidate.why for m in head.mentions if m.candidate.type == type_ and m.candidate.why is not None]
    return _most_common(found) if found else "model"


def _most_common(values: Sequence[_T]) -> _T:
    """The most frequent of ``values`` (not empty), the first seen among equals; no count when all are one (most
    entities: their mentions share a label)."""
    first = values[0]
    if all(value == first for value in values):
        return first
    return Counter(values).most_common(1)[0][0]


def registry_key(name: str, entry: GazetteerEntry | None = None) -> str | None:
    """The entity registry's key: the entry's id when it has one, else the name folded with the romanisation
    fold of :func:`~.normalise.place_key`, so that the spellings the extractor merges share a key
    ("Ar-Raqqah", "al Raqqa"; "Kata'ib", "Kataib"). ``None`` for a name without a word."""
    if entry is not None and entry.id:
        return entry.id
    return place_key(entry.name if entry is not None else name) or None


def _best_name(mentions: Sequence[GroupedMention]) -> str:
    """The fullest form: most words, then not all-caps, then most frequent, then first seen."""
    if len(mentions) == 1:
        return canonical_name(mentions[0].surface)
    names = [canonical_name(m.surface) for m in mentions]
    counts = Counter(names)
    return max(names, key=lambda n: (len(n.split()), not n.isupper() or len(n) <= 6, counts[n]))


def _aliases(name: str, mentions: Sequence[GroupedMention]) -> list[str]:
    seen, aliases = {match_key(name)}, []
    for mention in mentions:
        alias = canonical_name(mention.surface)
        if match_key(alias) not in seen:
            seen.add(match_key(alias))
            aliases.append(alias)
    return aliases
