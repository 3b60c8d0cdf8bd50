"""Groups joined into one entity: one name spelt two ways, an acronym and its expansion, a short form and the
person's full name. A joined entity takes the type and the name of the fuller group."""

from __future__ import annotations

from wirewatch.schemas.articles import MAIN_TYPES
from wirewatch.services.extractor import shapes
from wirewatch.services.extractor.groups import Group, group_type, retype
from wirewatch.services.extractor.normalise import skeleton_is_specific, skeleton_key

_PARTICLES = frozenset({"al", "el", "ad", "as", "ash", "at", "az", "bin", "ibn", "abu"})


def join(groups: list[Group], acronyms: dict[str, str]) -> None:
    """Join ``groups`` in place (``head`` links): acronyms, skeletons, short forms."""
    by_key = {g.key: g for g in groups}
    _abbreviated_bodies(by_key, acronyms)
    for acronym, expansion in acronyms.items():
        if acronym in by_key and expansion in by_key and by_key[acronym].entry_name is None:
            _attach(by_key[acronym], by_key[expansion])
    _join_skeletons(groups)
    _join_short_forms(groups)


def _abbreviated_bodies(by_key: dict[str, Group], acronyms: dict[str, str]) -> None:
    """A name the text abbreviates and shaped as a body's is an organisation's, whatever other type the model
    gave it ("Asia-Pacific Economic Cooperation (APEC)" is no EVENT); the acronym follows it when joined."""
    for acronym, expansion in acronyms.items():
        head = by_key.get(expansion)
        if head is None or head.entry_name is not None or group_type(head) in MAIN_TYPES:
            continue
        if shapes.shaped_name(head.mentions[0].surface):
            retype(head, "ORG", "shape")
            short = by_key.get(acronym)
            if short is not None and short.entry_name is None and group_type(short) not in MAIN_TYPES:
                retype(short, "ORG", "shape")


def _attach(child: Group, head: Group) -> None:
    child_root, head_root = child.root(), head.root()
    if child_root is not head_root:
        child_root.head = head_root


def _join_skeletons(groups: list[Group]) -> None:
    """Same skeleton and same type: one name spelt two ways ("Pakistani" NORP ≠ "Pakistan" LOC)."""
    seen: dict[tuple[str, str], Group] = {}
    for group in sorted(groups, key=lambda g: -len(g.mentions)):
        skeleton = (skeleton_key(group.key), group_type(group))
        if group.entry_name is not None or not skeleton_is_specific(skeleton[0]):
            continue
        if skeleton in seen:
            _attach(group, seen[skeleton])
        else:
            seen[skeleton] = group


def _join_short_forms(groups: list[Group]) -> None:
    """A group joins the multi-word PERSON names that end with all its words, when they are one entity.

    The fuller names are found in an index by their proper endings ("sudani", "shia sudani" for
    "mohammed shia al sudani"), so each group costs one lookup instead of a pass over every person.
    """
    by_ending: dict[tuple[str, ...], list[Group]] = {}
    for group in groups:
        words = _name_words(group.key)
        if len(words) >= 2 and group_type(group) == "PERSON":
            for count in range(1, len(words)):
                by_ending.setdefault(tuple(words[-count:]), []).append(group)
    for group in groups:
        if any(m.candidate.tier == "watch" for m in group.mentions):
            continue
        fuller = by_ending.get(tuple(_name_words(group.key)), [])
        if fuller and len({p.root().key for p in fuller}) == 1:
            _attach(group, fuller[0])


def _name_words(key: str) -> list[str]:
    return [w for w in key.split() if w not in _PARTICLES]
