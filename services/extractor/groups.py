"""Mentions grouped into would-be entities, and the type each group's mentions vote for.

A mention is grouped under its gazetteer entry, or under its :func:`~.normalise.match_key` (every alias of an
entry mentioned in the article leads to that entry's group). Groups are later joined into trees
(:mod:`.joins`): a joined group's ``head`` points towards the group that names the entity.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from wirewatch.schemas.articles import TypeReason
from wirewatch.services.extractor.gazetteer import GazetteerEntry
from wirewatch.services.extractor.normalise import match_key
from wirewatch.services.extractor.spans import Candidate


@dataclass(eq=False)
class GroupedMention:
    """One mention of a name in the text or the title, with the candidate it was found as."""

    start: int
    end: int
    surface: str
    candidate: Candidate
    in_title: bool
    possessive: bool = False  # "X's": the model often calls a person's possessive an ORG, weak evidence of a type


@dataclass(eq=False)
class Group:
    """The mentions of one name (one entry, or one match key)."""

    key: str
    mentions: list[GroupedMention] = field(default_factory=list)
    head: Group | None = None
    why: TypeReason | None = None  # the evidence that decided (or confirmed) the type, if not the model alone

    @property
    def entry_name(self) -> str | None:
        entries = [m.candidate.entry for m in self.mentions if m.candidate.entry is not None]
        return entries[0].name if entries else None

    def root(self) -> Group:
        """The head of this group's join tree (paths are shortened on the way, so chains stay short)."""
        root = self
        while root.head is not None:
            root = root.head
        node = self
        while node.head is not None and node.head is not root:
            node.head, node = root, node.head
        return root


def group_key(surface: str, candidate: Candidate) -> str:
    """The key a mention is grouped under: its entry's name, else its folded surface."""
    return f"entry:{candidate.entry.name}" if candidate.entry is not None else match_key(surface)


def grouped(mentions: Sequence[GroupedMention]) -> list[Group]:
    """The mentions grouped by entry or by match key, in order of first mention."""
    groups: dict[str, Group] = {}
    # each entry's names are keyed once, however many mentions it has, in the order of its last mention (where
    # two entries share a name, the one mentioned last has it)
    entries: dict[int, GazetteerEntry] = {}
    for mention in mentions:
        entry = mention.candidate.entry
        if entry is not None:
            entries.pop(id(entry), None)
            entries[id(entry)] = entry
    alias_keys: dict[str, str] = {}
    for entry in entries.values():
        alias_keys.update({match_key(name): f"entry:{entry.name}" for name in entry.names})
    for mention in mentions:
        key = group_key(mention.surface, mention.candidate)
        key = alias_keys.get(key, key)
        groups.setdefault(key, Group(key)).mentions.append(mention)
    return list(groups.values())


def retype(group: Group, type_: str, why: str) -> None:
    """Set ``type_`` on every mention of ``group``, and ``why`` (what decided it) on the group."""
    group.why = why  # type: ignore[assignment]  # "shape", "context" or "source" by construction
    if group_type(group) == type_ and all(m.candidate.type == type_ for m in group.mentions):
        return
    label = {"PERSON": "PERSON", "ORG": "ORG", "LOC": "GPE"}[type_]
    for mention in group.mentions:
        mention.candidate = replace(mention.candidate, type=type_, label=label, why=why)  # type: ignore[arg-type]


def group_type(group: Group) -> str:
    """The entry's type if a gazetteer matched; else the majority of the mentions' types, those of possessive
    mentions ("X's films") counting only where the others leave a tie."""
    mentions = group.mentions
    for mention in mentions:
        if mention.candidate.entry is not None:
            return mention.candidate.entry.type
    first_type = mentions[0].candidate.type
    if all(m.candidate.type == first_type for m in mentions):  # most groups: no vote to count
        return first_type
    votes = Counter(m.candidate.type for m in mentions if not m.possessive)
    weak = Counter(m.candidate.type for m in mentions if m.possessive)
    first = {t: i for i, t in reversed(list(enumerate(m.candidate.type for m in mentions)))}
    return min(first, key=lambda t: (-votes[t], -weak[t], first[t]))
