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

Every step is near-linear in the number of mentions, so that an article listing thousands of distinct
names cannot stall the extractor: names are found again by looking up the word at each word start
(not one regex alternation of every name), overlaps by bisection, short forms by an index of name
endings (not all pairs). :class:`Caps` bound the mentions and entities of one article.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate

from wirewatch.schemas.articles import MAIN_TYPES, Entity, GeoPoint, Mention, TypeReason
from wirewatch.services.extractor import context, shapes
from wirewatch.services.extractor.gazetteer import GazetteerEntry
from wirewatch.services.extractor.normalise import (
    canonical_name,
    match_key,
    place_key,
    skeleton_is_specific,
    skeleton_key,
)
from wirewatch.services.extractor.spans import Candidate

_ACRONYM = re.compile(r"\s*\(\s*([A-Z][A-Za-z&]{1,9}|[A-Z](?:\.[A-Z])+\.?)\s*\)")
_ACRONYM_BEFORE = re.compile(r"(?<![\w-])([A-Z][A-Za-z&]{1,9}|[A-Z](?:\.[A-Z])+\.?)\s*\(\s*$")
_CLOSING = re.compile(r"\s*\)")
_APPOSED_ACRONYM = re.compile(r"(?<![\w-])([A-Z][A-Z&]{1,9}),\s+(?:the\s+)?$")
_PARTICLES = frozenset({"al", "el", "ad", "as", "ash", "at", "az", "bin", "ibn", "abu"})
_OWNER = re.compile(r" ?['’][sS](?!\w)")  # "X's", and "X 's" as some corpora tokenize it
_WORD_RUN = re.compile(r"\w*")
_NAME_GOES_ON = re.compile(r"\w|['’](?![sS]\b)\w")  # "Ali" is not found in "Alis" or "Ali'i", but in "Ali's"
_UPPERCASE_SET = frozenset(ch for ch in map(chr, range(0x10000)) if ch.isupper())
_CAPITAL_START = re.compile(rf"(?<![\w'’])[{re.escape(''.join(sorted(_UPPERCASE_SET)))}]")
DEFAULT_MAX_MENTIONS = 20_000
DEFAULT_MAX_ENTITIES = 2_000


@dataclass(frozen=True)
class Caps:
    """The most one article may yield: mentions merged and entities kept (the first ones by position)."""

    mentions: int = DEFAULT_MAX_MENTIONS
    entities: int = DEFAULT_MAX_ENTITIES


@dataclass(eq=False)
class _Mention:
    start: int
    end: int
    surface: str
    candidate: Candidate
    in_title: bool
    possessive: bool = False  # "X's": the model often calls a person's possessive an ORG, weak evidence of a type


@dataclass(eq=False)
class _Group:
    key: str
    mentions: list[_Mention] = field(default_factory=list)
    head: _Group | None = None
    why: TypeReason | None = None  # the evidence that decided (or confirmed) the type, if not the model alone

    @property
    def entry_name(self) -> str | None:
        entries = [m.candidate.entry for m in self.mentions if m.candidate.entry is not None]
        return entries[0].name if entries else None

    def root(self) -> _Group:
        """The head of this group's join tree (paths are shortened on the way, so chains stay short)."""
        root = self
        while root.head is not None:
            root = root.head
        node = self
        while node.head is not None and node.head is not root:
            node.head, node = root, node.head
        return root


def build_entities(
    text: str,
    candidates: Sequence[Candidate],
    title: str = "",
    title_candidates: Sequence[Candidate] = (),
    *,
    caps: Caps | None = None,
    capped: set[str] | None = None,
    source: str | None = None,
) -> list[Entity]:
    """Entities of one article, ordered by first appearance (title-only ones first).

    With ``caps``, the first mentions and entities within them are kept, and ``"mentions"`` or
    ``"entities"`` is added to ``capped`` when some were left out. ``source`` is the outlet that published
    the article (feed or site name, or host): named in the text, it is an ORG.
    """
    limit = caps.mentions if caps else None
    acronyms, extra = _acronym_definitions(text, candidates)
    found = _first(sorted([*candidates, *extra], key=lambda c: c.start), limit, capped)
    title_found = _first(title_candidates, _left(limit, found), capped)
    surfaces = _surfaces([(text, c) for c in found] + [(title, c) for c in title_found])
    found += _propagated(text, found, surfaces, _left(limit, found, title_found), capped)
    in_title = [*title_found, *_propagated(title, title_found, surfaces, _left(limit, found, title_found), capped)]
    mentions = [_Mention(c.start, c.end, text[c.start : c.end], c, False, _owns(text, c.end)) for c in found]
    mentions += [_Mention(c.start, c.end, title[c.start : c.end], c, True, _owns(title, c.end)) for c in in_title]
    groups = _grouped(mentions)
    _decide(groups, text, title, context.source_keys(source))
    _join(groups, acronyms)
    entities = _entities(text, groups)
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


def _acronym_definitions(text: str, candidates: Sequence[Candidate]) -> tuple[dict[str, str], list[Candidate]]:
    """``{acronym key: expansion key}`` and a candidate for each acronym the model did not tag."""
    starts = {c.start for c in candidates}
    aliases: dict[str, str] = {}
    extra: list[Candidate] = []
    for candidate in candidates:
        found = _ACRONYM.match(text, candidate.end) or _acronym_before(text, candidate)
        if found is None or not _abbreviates(found.group(1), text[candidate.start : candidate.end]):
            continue
        aliases[match_key(found.group(1))] = _group_key(text[candidate.start : candidate.end], candidate)
        if found.start(1) not in starts:
            extra.append(replace(candidate, start=found.start(1), end=found.end(1), tier="model", entry=None))
    return aliases, extra


def _acronym_before(text: str, candidate: Candidate) -> re.Match[str] | None:
    """The acronym a name in parentheses or in apposition spells out: "SDF (Syrian Democratic Forces)",
    "SDF, the Syrian Democratic Forces,"."""
    window = max(candidate.start - 16, 0), candidate.start
    if _CLOSING.match(text, candidate.end):
        return _ACRONYM_BEFORE.search(text, *window)
    return _APPOSED_ACRONYM.search(text, *window)


def _abbreviates(acronym: str, name: str) -> bool:
    """Whether the capitals of ``acronym`` are, in order, initials of ``name``'s words."""
    letters = [ch for ch in acronym if ch.isupper()]
    initials = "".join(w[0].upper() for w in re.findall(r"\w+", name))
    if len(letters) < 2 or not initials or letters[0] != initials[0]:
        return False
    position = 0
    for letter in letters:
        position = initials.find(letter, position) + 1
        if position == 0:
            return False
    return True


def _propagated(
    text: str,
    found: Sequence[Candidate],
    by_surface: dict[str, Candidate],
    limit: int | None = None,
    capped: set[str] | None = None,
) -> list[Candidate]:
    """Unlabelled occurrences in ``text`` of the names already found (one sense per document), at most
    ``limit`` of them."""
    if not by_surface:
        return []
    taken = _Spans((c.start, c.end) for c in found)
    extra: list[Candidate] = []
    for start, end in _occurrences(text, by_surface):
        if taken.overlaps(start, end):
            continue
        if limit is not None and len(extra) >= limit:
            _note(capped, "mentions")
            break
        extra.append(replace(by_surface[text[start:end]], start=start, end=end))
    return extra


def _occurrences(text: str, names: Collection[str]) -> Iterator[tuple[int, int]]:
    """Where ``names`` occur in ``text`` as whole words, left to right, never overlapping; the longest
    name wins where several start.

    Each position that starts a word (or a name's first character) is looked at once: the word there
    picks the few lengths a name starting with it can have, and each is one set lookup. A regex
    alternation of every name instead tries all of them at every position (quadratic in the names).
    """
    lengths: dict[str, list[int]] = {}
    for name in names:
        lengths.setdefault(_leading_word(name, 0), []).append(len(name))
    by_word = {word: sorted(set(found), reverse=True) for word, found in lengths.items()}
    first_characters = {name[0] for name in names if name}
    resume = 0
    for position in _starts(text, first_characters):
        if position < resume:
            continue
        for length in by_word.get(_leading_word(text, position), ()):
            end = position + length
            if end <= len(text) and text[position:end] in names and not _NAME_GOES_ON.match(text, end):
                yield position, end
                resume = end
                break


def _starts(text: str, first_characters: set[str]) -> Iterator[int]:
    """The positions of ``text`` that hold one of ``first_characters`` and follow no word character nor
    apostrophe. Names almost always begin with a capital: then one compiled pattern finds the capitals and a
    set lookup keeps the right ones (compiling a pattern per text cost more than the scan)."""
    if first_characters <= _UPPERCASE_SET:
        return (m.start() for m in _CAPITAL_START.finditer(text) if m.group() in first_characters)
    pattern = re.compile(rf"(?<![\w'’])[{re.escape(''.join(sorted(first_characters)))}]")
    return (m.start() for m in pattern.finditer(text))


def _leading_word(text: str, position: int) -> str:
    found = _WORD_RUN.match(text, position)
    return found.group() if found else ""


class _Spans:
    """Spans that may overlap each other; :meth:`overlaps` answers in logarithmic time."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [start for start, _ in ordered]
        self.reach = list(accumulate((end for _, end in ordered), max))  # furthest end among the first i

    def overlaps(self, start: int, end: int) -> bool:
        before = bisect_left(self.starts, end)  # the spans starting before ``end``
        return before > 0 and self.reach[before - 1] > start


def _surfaces(found: Sequence[tuple[str, Candidate]]) -> dict[str, Candidate]:
    by_surface: dict[str, Candidate] = {}
    for text, candidate in found:
        surface = text[candidate.start : candidate.end]
        if _propagatable(surface):
            by_surface.setdefault(surface, candidate)
    return by_surface


def _propagatable(surface: str) -> bool:
    if not any(ch.isupper() for ch in surface) or "\n" in surface:
        return False
    return len(surface) >= 4 or (surface.isupper() and len(surface) >= 2)


def _group_key(surface: str, candidate: Candidate) -> str:
    return f"entry:{candidate.entry.name}" if candidate.entry is not None else match_key(surface)


def _grouped(mentions: Sequence[_Mention]) -> list[_Group]:
    groups: dict[str, _Group] = {}
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
        key = _group_key(mention.surface, mention.candidate)
        key = alias_keys.get(key, key)
        groups.setdefault(key, _Group(key)).mentions.append(mention)
    return list(groups.values())


def _decide(groups: Sequence[_Group], text: str, title: str, sources: frozenset[str]) -> None:
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
            _retype(group, type_, why)
    _share_list_types(groups, text, strong)


def _share_list_types(groups: Sequence[_Group], text: str, strong: set[int]) -> None:
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
                _retype(group, target, "context")


def _shouted(group: _Group) -> bool:
    """An all-capitals name ("IAEA", or a name in a shouted headline) is no evidence of its list's type."""
    return all(m.surface.isupper() for m in group.mentions)


def _retype(group: _Group, type_: str, why: str) -> None:
    group.why = why  # type: ignore[assignment]  # "shape", "context" or "source" by construction
    if group_type(group) == type_ and all(m.candidate.type == type_ for m in group.mentions):
        return
    label = {"PERSON": "PERSON", "ORG": "ORG", "LOC": "GPE"}[type_]
    for mention in group.mentions:
        mention.candidate = replace(mention.candidate, type=type_, label=label, why=why)  # type: ignore[arg-type]


def _join(groups: list[_Group], acronyms: dict[str, str]) -> None:
    by_key = {g.key: g for g in groups}
    _abbreviated_bodies(by_key, acronyms)
    for acronym, expansion in acronyms.items():
        if acronym in by_key and expansion in by_key and by_key[acronym].entry_name is None:
            _attach(by_key[acronym], by_key[expansion])
    _join_skeletons(groups)
    _join_short_forms(groups)


def _abbreviated_bodies(by_key: dict[str, _Group], acronyms: dict[str, str]) -> None:
    """A name the text abbreviates and shaped as a body's is an organisation's, whatever other type the model
    gave it ("Asia-Pacific Economic Cooperation (APEC)" is no EVENT); the acronym follows it when joined."""
    for acronym, expansion in acronyms.items():
        head = by_key.get(expansion)
        if head is None or head.entry_name is not None or group_type(head) in MAIN_TYPES:
            continue
        if shapes.shaped_name(head.mentions[0].surface):
            _retype(head, "ORG", "shape")
            short = by_key.get(acronym)
            if short is not None and short.entry_name is None and group_type(short) not in MAIN_TYPES:
                _retype(short, "ORG", "shape")


def _attach(child: _Group, head: _Group) -> None:
    child_root, head_root = child.root(), head.root()
    if child_root is not head_root:
        child_root.head = head_root


def _join_skeletons(groups: list[_Group]) -> None:
    """Same skeleton and same type: one name spelt two ways ("Pakistani" NORP ≠ "Pakistan" LOC)."""
    seen: dict[tuple[str, str], _Group] = {}
    for group in sorted(groups, key=lambda g: -len(g.mentions)):
        skeleton = (skeleton_key(group.key), group_type(group))
        if group.entry_name is not None or not skeleton_is_specific(skeleton[0]):
            continue
        if skeleton in seen:
            _attach(group, seen[skeleton])
        else:
            seen[skeleton] = group


def _join_short_forms(groups: list[_Group]) -> None:
    """A group joins the multi-word PERSON names that end with all its words, when they are one entity.

    The fuller names are found in an index by their proper endings ("sudani", "shia sudani" for
    "mohammed shia al sudani"), so each group costs one lookup instead of a pass over every person.
    """
    by_ending: dict[tuple[str, ...], list[_Group]] = {}
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


def group_type(group: _Group) -> str:
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


def _entities(text: str, groups: Sequence[_Group]) -> list[Entity]:
    members: dict[int, list[_Group]] = {}
    for group in groups:
        members.setdefault(id(group.root()), []).append(group)
    entities = [_entity(text, group, members[id(group)]) for group in groups if group.head is None]
    return sorted(entities, key=lambda e: (bool(e.mentions), e.first_position))


def _entity(text: str, head: _Group, members: Sequence[_Group]) -> Entity:
    mentions = sorted((m for g in members for m in g.mentions), key=lambda m: (m.in_title, m.start))
    # offsets into ``text`` by construction: built without validation (an article has thousands of these)
    in_text = [
        Mention.model_construct(start=m.start, end=m.end, text=text[m.start : m.end])
        for m in mentions
        if not m.in_title
    ]
    type_ = group_type(head)
    name = head.entry_name or _best_name(head.mentions)
    entry = next((m.candidate.entry for m in head.mentions if m.candidate.entry is not None), None)
    labels = Counter(m.candidate.label for m in head.mentions if m.candidate.type == type_)
    # every value is built here from checked parts: constructed without a second validation
    return Entity.model_construct(
        name=name,
        type=type_,  # one of EntityType by construction
        label=labels.most_common(1)[0][0] if labels else (entry.label if entry else None),
        mentions=in_text,
        count=len(mentions),
        first_position=in_text[0].start if in_text else 0,
        in_title=any(m.in_title for m in mentions),
        aliases=_aliases(name, mentions),
        source="gazetteer" if entry else "model",
        why=_why(type_, entry, head),
        key=registry_key(name, entry),
        external_id=entry.id if entry else None,
        country_code=entry.country_code if entry and not entry.ambiguous else None,
        geo=GeoPoint.model_construct(lat=entry.lat, lon=entry.lon)
        if entry and not entry.ambiguous and entry.lat is not None and entry.lon is not None
        else None,
    )


def _why(type_: str, entry: GazetteerEntry | None, head: _Group) -> TypeReason:
    """What decided an entity's type: its entry (an analyst's watchlist, or the shipped places), the evidence
    its group was voted on, the evidence its mentions were found with (an organisation's shape), or the model."""
    if entry is not None:
        return "watchlist" if entry.precedence == "always" else "gazetteer"
    if head.why is not None:
        return head.why
    found = [m.candidate.why for m in head.mentions if m.candidate.type == type_ and m.candidate.why is not None]
    return Counter(found).most_common(1)[0][0] if found else "model"


def registry_key(name: str, entry: GazetteerEntry | None = None) -> str | None:
    """The entity registry's key: the entry's id when it has one, else the name folded with the romanisation
    fold of :func:`~.normalise.place_key`, so that the spellings the extractor merges share a key
    ("Ar-Raqqah", "al Raqqa"; "Kata'ib", "Kataib"). ``None`` for a name without a word."""
    if entry is not None and entry.id:
        return entry.id
    return place_key(entry.name if entry is not None else name) or None


def _best_name(mentions: Sequence[_Mention]) -> str:
    """The fullest form: most words, then not all-caps, then most frequent, then first seen."""
    if len(mentions) == 1:
        return canonical_name(mentions[0].surface)
    names = [canonical_name(m.surface) for m in mentions]
    counts = Counter(names)
    return max(names, key=lambda n: (len(n.split()), not n.isupper() or len(n) <= 6, counts[n]))


def _aliases(name: str, mentions: Sequence[_Mention]) -> list[str]:
    seen, aliases = {match_key(name)}, []
    for mention in mentions:
        alias = canonical_name(mention.surface)
        if match_key(alias) not in seen:
            seen.add(match_key(alias))
            aliases.append(alias)
    return aliases
