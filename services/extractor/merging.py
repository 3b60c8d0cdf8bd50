"""In-document merging: every mention of one real-world name becomes one :class:`Entity`.

1. Acronyms defined in parentheses become aliases: "Joint Operations Command (JOC)" → "JOC", and
   "JOC (Joint Operations Command)" too.
2. Names the model found once are propagated to their other, unlabelled, occurrences in the text
   and the title (a headline gives the model little context).
3. Mentions are grouped by gazetteer entry or by :func:`match_key`; a group's type is voted by
   its mentions unless a gazetteer entry fixes it (PERSON once, ORG three times → ORG; a possessive mention,
   "X's films", votes only where the others tie), or evidence
   outweighs the model (:mod:`.context`: the outlet's own name, an organisation's shape, cues around
   the mentions, the type a list of names shares).
4. Groups join: same transliteration skeleton (Hizballah ~ Hezbollah); acronym → its expansion (an ORG
   when shaped as a body's name, whatever other type the model gave it);
   a short form → the one multi-word PERSON name it ends ("al-Sudani", "Sudani" → "Mohammed
   Shia al-Sudani"). The joined entity takes the type and name of the fuller group.

5. Organisations the model alone found that the text shows to be documents or headings are dropped
   (:mod:`.doubts`), unless the entity registry knows them (``known``).

Steps 1, 2 and 4 live in :mod:`.acronyms`, :mod:`.propagation` and :mod:`.joins`, the groups in :mod:`.groups`
and the Entity records in :mod:`.records`. Every step is near-linear in the number of mentions, so that an
article listing thousands of distinct names cannot stall the extractor (short forms are found by an index of
name endings, not all pairs). :class:`Caps` bound the mentions and entities of one article.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wirewatch.schemas.articles import MAIN_TYPES, Entity
from wirewatch.services.extractor import context
from wirewatch.services.extractor.acronyms import acronym_definitions
from wirewatch.services.extractor.doubts import doubtful_acronyms, doubtful_headings
from wirewatch.services.extractor.groups import Group, GroupedMention, group_type, grouped, retype
from wirewatch.services.extractor.joins import join
from wirewatch.services.extractor.propagation import propagated, surfaces
from wirewatch.services.extractor.records import entities_of
from wirewatch.services.extractor.spans import Candidate

_OWNER = re.compile(r" ?['’][sS](?!\w)")  # "X's", and "X 's" as some corpora tokenize it
DEFAULT_MAX_MENTIONS = 20_000
DEFAULT_MAX_ENTITIES = 2_000


@dataclass(frozen=True)
class Caps:
    """The most one article may yield: mentions merged and entities kept (the first ones by position)."""

    mentions: int = DEFAULT_MAX_MENTIONS
    entities: int = DEFAULT_MAX_ENTITIES


def build_entities(
    text: str,
    candidates: Sequence[Candidate],
    title: str = "",
    title_candidates: Sequence[Candidate] = (),
    *,
    caps: Caps | None = None,
    capped: set[str] | None = None,
    source: str | None = None,
    known: Callable[[str], bool] | None = None,
) -> list[Entity]:
    """Entities of one article, ordered by first appearance (title-only ones first).

    With ``caps``, the first mentions and entities within them are kept, and ``"mentions"`` or
    ``"entities"`` is added to ``capped`` when some were left out. ``source`` is the outlet that published
    the article (feed or site name, or host): named in the text, it is an ORG. ``known`` says whether the entity
    registry knows a registry key (a doubtful organisation it knows is kept).
    """
    limit = caps.mentions if caps else None
    acronyms, extra = acronym_definitions(text, candidates)
    found = _first(sorted([*candidates, *extra], key=lambda c: c.start), limit, capped)
    title_found = _first(title_candidates, _left(limit, found), capped)
    by_surface = surfaces([(text, c) for c in found] + [(title, c) for c in title_found])
    found += propagated(text, found, by_surface, _left(limit, found, title_found), capped)
    in_title = [*title_found, *propagated(title, title_found, by_surface, _left(limit, found, title_found), capped)]
    mentions = [GroupedMention(c.start, c.end, text[c.start : c.end], c, False, _owns(text, c.end)) for c in found]
    mentions += [GroupedMention(c.start, c.end, title[c.start : c.end], c, True, _owns(title, c.end)) for c in in_title]
    groups = grouped(mentions)
    _decide(groups, text, title, context.source_keys(source))
    join(groups, acronyms)
    doubtful = doubtful_acronyms(groups, text, title, set(acronyms), known) | doubtful_headings(groups, text, known)
    if doubtful:
        groups = [g for g in groups if id(g) not in doubtful]
    entities = entities_of(text, groups)
    if caps is not None and len(entities) > caps.entities:
        _note(capped, "entities")
        entities = entities[: caps.entities]
    return entities


def _owns(text: str, end: int) -> bool:
    return _OWNER.match(text, end) is not None


def _first(candidates: Sequence[Candidate], limit: int | None, capped: set[str] | None) -> list[Candidate]:
    if limit is not None and len(candidates) > limit:
        _note(capped, "mentions")
        return list(candidates[: max(limit, 0)])
    return list(candidates)


def _left(limit: int | None, *taken: Sequence[Candidate]) -> int | None:
    return None if limit is None else max(limit - sum(map(len, taken)), 0)


def _note(capped: set[str] | None, what: str) -> None:
    if capped is not None:
        capped.add(what)


def _decide(groups: Sequence[Group], text: str, title: str, sources: frozenset[str]) -> None:
    """Each group's type from its evidence (:func:`.context.vote`: the outlet's name, shape, cues, the
    model), then lists: a group without evidence of its own takes the type its list shares."""
    strong: set[int] = set()
    for group in groups:
        if group.entry_name is not None:
            strong.add(id(group))
            continue
        model_type = group_type(group)
        source = context.is_source(group.key, sources)
        shapes = {m.candidate.type for m in group.mentions if m.candidate.why == "shape"}
        cues: Counter[str] = Counter()
        if model_type in MAIN_TYPES and not source:  # only then can the cues change anything
            cues.update(context.evidence(title if m.in_title else text, m.start, m.end) or "" for m in group.mentions)
        type_, why = context.vote(
            model_type,
            cues,
            shaped="ORG" in shapes,
            source=source,
            place_shaped="LOC" in shapes,
            mentions=len(group.mentions),
            other_votes=any(m.candidate.type in ("ORG", "PRODUCT") for m in group.mentions),
        )
        if why is not None:
            strong.add(id(group))
            retype(group, type_, why)
    _share_list_types(groups, text, strong)


def _share_list_types(groups: Sequence[Group], text: str, strong: set[int]) -> None:
    in_text = sorted(((m, g) for g in groups for m in g.mentions if not m.in_title), key=lambda mg: mg[0].start)
    for chain, introduced in context.chains(text, [(m.start, m.end) for m, _ in in_text]):
        members = [in_text[i][1] for i in chain]
        sure = {group_type(g) for g in members if id(g) in strong}
        kind = "ORG" if introduced else context.list_kind(text, in_text[chain[0]][0].start)
        if kind is not None:
            target = kind
        elif len(sure) == 1 and len(members) >= 3:
            target = sure.pop()
        else:
            continue
        for group in members:
            if id(group) not in strong and group_type(group) in ("PERSON", "ORG", "LOC") and not _shouted(group):
                retype(group, target, "context")


def _shouted(group: Group) -> bool:
    """An all-capitals name ("IAEA", or a name in a shouted headline) is no evidence of its list's type."""
    return all(m.surface.isupper() for m in group.mentions)
