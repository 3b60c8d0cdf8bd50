"""Organisation-shaped names set over the model's candidates (:func:`apply_shapes`): a shaped name is ORG, a model
span that names no one is dropped (:mod:`.nonnames`), and names that cues around them make a group's are added."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from wirewatch.services.extractor.context import listed_bodies, named_acronyms, named_after_kind, named_by_members
from wirewatch.services.extractor.headwords import AND_WORDS, OPENERS, TITLES, is_head
from wirewatch.services.extractor.nameruns import NameWord, edges_trimmed, raw_runs
from wirewatch.services.extractor.nonnames import common_word, lowercase_words, no_name, single_word_org
from wirewatch.services.extractor.normalise import fold
from wirewatch.services.extractor.shapes import Shaped, shaped, shaped_name
from wirewatch.services.extractor.spans import Candidate

_DEFINITE = re.compile(r"(?:[Aa]l|[Ee]l|[Aa][dnrstz]|[Aa]sh)-[A-Z][\w'’]*")
_OF_BEFORE = re.compile(r"[ ]of[ ](?:[Tt]he[ ])?$")


def apply_shapes(text: str, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates with shaped names set as ORG.

    A shaped name replaces the model candidates it covers (a PERSON one only if its head is not weak) and any
    place-gazetteer ones strictly inside it ("Jammu and Kashmir" in "Jammu and Kashmir Police"); it never
    touches a watchlist match. A model candidate around a shaped name is typed ORG when its own words are
    in shape. A shaped name where there was no candidate is added, and so is a name the words after it make a
    group's (:func:`.context.named_by_members`). A model span that is a head word alone is dropped.
    """
    singles = Counter(text[c.start : c.end] for c in candidates if single_word_org(text, c))
    lowercase = lowercase_words(text) if singles else Counter[str]()
    named = (c for c in candidates if not no_name(text, c) and not common_word(text, c, lowercase, singles))
    kept = sorted((_definite(text, c) for c in named), key=lambda c: c.start)
    starts, ends = [c.start for c in kept], [c.end for c in kept]
    for name in shaped(text):
        if text[name.end - 1] in "'’":  # a plural's possessive: "American Motors' models"
            name = replace(name, end=name.end - 1)
        first = bisect_right(ends, name.start)
        last = bisect_left(starts, name.end, lo=first)
        decided = _decided(text, name, kept[first:last])
        if decided is not None:
            kept[first:last] = decided
            starts[first:last] = [c.start for c in decided]
            ends[first:last] = [c.end for c in decided]
    return _with_members_cues(text, kept)


def _with_members_cues(text: str, kept: list[Candidate]) -> list[Candidate]:
    """Names the model missed that the words after them make a group's ("Daesh cells"), or "the" before them a
    body's ("the CPA has"), added as ORG."""
    starts, ends = [c.start for c in kept], [c.end for c in kept]
    added: list[Candidate] = []
    for start, end in sorted({*named_by_members(text), *named_acronyms(text), *named_after_kind(text)}):
        if not _overlaps(starts, ends, start, end) and (not added or added[-1].end <= start):
            added.append(Candidate(start, end, "ORG", "ORG", why="context"))
    kept = sorted([*kept, *added], key=lambda c: c.start) if added else kept
    return _with_list_cues(text, kept)


def _with_list_cues(text: str, kept: list[Candidate]) -> list[Candidate]:
    """Capitalised names the model missed in a list of organisations (:func:`.context.listed_bodies`), added as
    ORG."""
    starts, ends = [c.start for c in kept], [c.end for c in kept]
    untyped = [
        (piece[0].start, piece[-1].end)
        for raw in raw_runs(text)
        for piece in _pieces(raw)
        if not _overlaps(starts, ends, piece[0].start, piece[-1].end)
    ]
    typed = [(c.start, c.end, c.type) for c in kept]
    added = [Candidate(start, end, "ORG", "ORG", why="context") for start, end in listed_bodies(text, typed, untyped)]
    return sorted([*kept, *added], key=lambda c: c.start) if added else kept


def _pieces(raw: Sequence[NameWord]) -> list[list[NameWord]]:
    """:func:`_and_pieces` of the run ``raw`` trimmed at its edges. Most runs are one word: it is its own piece
    unless it is an opener, a link or "and"/"or" (what trimming and cutting would leave of it)."""
    if len(raw) == 1:
        word = raw[0]
        alone = word.capital and word.key not in OPENERS and word.key not in AND_WORDS and word.key != "or"
        return [[word]] if alone else []
    return _and_pieces(edges_trimmed(list(raw)))


def _and_pieces(run: list[NameWord]) -> list[list[NameWord]]:
    """The run cut at "and"/"or" ("Uber and Snapchat" is two names of a list), each piece without links at its
    edges."""
    pieces: list[list[NameWord]] = [[]]
    for word in run:
        if word.key in AND_WORDS or word.key == "or":
            pieces.append([])
        else:
            pieces[-1].append(word)
    return [trimmed for piece in pieces if (trimmed := edges_trimmed(piece))]


def _overlaps(starts: list[int], ends: list[int], start: int, end: int) -> bool:
    """Whether any of the sorted, disjoint spans (``starts``, ``ends``) overlaps ``start:end``."""
    i = bisect_right(ends, start)
    return i < len(starts) and starts[i] < end


def _definite(text: str, candidate: Candidate) -> Candidate:
    """A model PERSON of two or more words that all carry the Arabic article ("Al-Quwa Al-Jawiya", "al-Hashd
    al-Shaabi") is a noun and its adjective — a body's name; a person's name begins with a given name or a
    kunya ("Abu al-Khasib" stays)."""
    if candidate.tier != "model" or candidate.type != "PERSON":
        return candidate
    words = text[candidate.start : candidate.end].split()
    if len(words) < 2 or not all(_DEFINITE.fullmatch(word) for word in words):
        return candidate
    return replace(candidate, type="ORG", label="ORG", why="shape")


def _decided(text: str, name: Shaped, overlapping: Sequence[Candidate]) -> list[Candidate] | None:
    """What replaces ``overlapping`` for ``name``, or ``None`` to leave them as they are.

    A weak head ("West Bank", "Margaret Court", "Soviet Union") only mends the edges of a span the model
    already called ORG: it adds no span and retypes none."""
    if any(c.tier == "watch" for c in overlapping):
        return None
    models = [c for c in overlapping if c.tier == "model"]
    if name.weak and not (models and all(c.type == "ORG" for c in models)):
        return None
    if name.article and any(c.type == "LOC" for c in overlapping):
        return None
    org = Candidate(name.start, name.end, "ORG", "ORG", why="shape")
    if not overlapping:
        return [org]
    if len(overlapping) == 1 and _around(overlapping[0], name):
        only = overlapping[0]
        if only.tier == "model" and only.type == "ORG" and "(" in text[only.start : only.end]:
            return [org]  # "Allied Democratic Forces (ADF": the name, and its acronym apart
        if only.tier == "model" and (member := _member_of(text, only, name)) is not None:
            return [member, org]
        if only.tier != "model" or only.type == "ORG" or not shaped_name(text[only.start : only.end]):
            return None
        return [replace(only, type="ORG", label="ORG", why="shape")]
    inside = all(name.start <= c.start and c.end <= name.end for c in overlapping)
    if not inside or any(c.tier == "place" and (c.start, c.end) == (name.start, name.end) for c in overlapping):
        return None
    return [org]


def _member_of(text: str, candidate: Candidate, name: Shaped) -> Candidate | None:
    """The person in a model span "Basit Ahmad Dar of The Resistance Front": two to four capitalised words with
    no head word among them, then "of (the)", then the shaped name to the span's end."""
    if name.end != candidate.end:
        return None
    of = _OF_BEFORE.search(text, candidate.start, name.start)
    if of is None:
        return None
    words = text[candidate.start : of.start()].split()
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return None
    if any(is_head(fold(w)) or fold(w) in TITLES for w in words):
        return None
    return Candidate(candidate.start, of.start(), "PERSON", "PERSON", why="context")


def _around(candidate: Candidate, name: Shaped) -> bool:
    return candidate.start <= name.start and name.end <= candidate.end
