"""Candidate mentions of one text: the model's entities cleaned up, and the gazetteer's matches.

Stages, per chunk of text:

1. :func:`preset_watchlist` — before ``ner`` runs, matches of users' watchlists are set on the
   ``Doc`` as entities, so the model labels only around them.
2. :func:`model_candidates` — the model's entities, mapped to our types and trimmed to the name:
   no leading "the", possessive, quotes or punctuation; no title before a person's name; no
   trailing numbers; split at line breaks, "Zay and Zayion" in two, and an organisation at a slash or a
   comma between names ("Ecogas/Enron"); e-mail addresses and URLs dropped.
3. :func:`with_places` — matches of the shipped places win over overlapping model spans, except
   over one that strictly contains them ("University of Edinburgh"); fuzzy matches (skeleton
   only) of any gazetteer need the model to have found a span there.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from spacy.util import filter_spans

from wirewatch.services.extractor.gazetteer import GazetteerEntry, GazetteerMatch
from wirewatch.services.extractor.normalise import strip_honorific, trim_span
from wirewatch.services.extractor.places import PlaceContext

Tier = Literal["model", "place", "watch"]
Why = Literal["shape", "context", "source"]
# The model's label → our type; labels not here (DATE, MONEY, CARDINAL, …) are dropped.
TYPE_BY_LABEL = {
    "PERSON": "PERSON",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "NORP",
    "EVENT": "EVENT",
    "PRODUCT": "PRODUCT",
    "WORK_OF_ART": "WORK_OF_ART",
    "LAW": "LAW",
    "LANGUAGE": "LANGUAGE",
}
MODEL_LABEL_BY_TYPE = {"PERSON": "PERSON", "ORG": "ORG", "LOC": "GPE"}
# Every pattern here runs on text an attacker writes, so none may backtrack more than linearly: no nested or
# adjacent quantifiers over overlapping classes (the old trailing-numbers pattern ``(?:\s+[\d\W_]+)+$`` took
# 247 s on "Ali Hassan - - - … - Omar"); runs are found once with ``\s+`` and looked at with plain code.
DEFAULT_MAX_SPAN_CHARS = 120
_LONG_NUMBER = re.compile(r"\d[\d\W_]{2,}")
_NAME_GOES_ON = re.compile(r"[ \t]++[A-Z][a-z]")
_NOT_A_NAME = re.compile(r"@|://|\bwww\.")
_SPACES = re.compile(r"\s+")
_SPACED_DASH = re.compile(r"[ \t]++[-–—]{1,2}+[ \t]++")
_AND_AFTER_SPACES = re.compile(r"(?:and|&)\s++(?=[A-Z])")
_ORG_JOINT = re.compile(r"(?<=\w)(?:/|,[ ]+)(?=[A-Z])")
_LEGAL_FORM = re.compile(r"(?:Inc|LLC|LLP|Ltd|PLC|PC|Corp|Co|GmbH|SA|AG|NV|BV)\b\.?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One mention: ``text[start:end]`` is a name of ``type`` (``label`` is the model's or the entry's)."""

    start: int
    end: int
    type: str
    label: str
    tier: Tier = "model"
    entry: GazetteerEntry | None = None
    why: Why | None = None  # what set the type when it is not the model's or the entry's

    def shifted(self, offset: int) -> Candidate:
        return replace(self, start=self.start + offset, end=self.end + offset) if offset else self


def preset_watchlist(doc: Any, matches: Iterable[GazetteerMatch]) -> dict[tuple[int, int], GazetteerEntry]:
    """Set watchlist matches as the doc's entities before ``ner``; returns them by char offsets."""
    spans, entries = [], {}
    for match in matches:
        label = match.entry.label if match.entry.label in MODEL_LABEL_BY_TYPE.values() else None
        span = doc.char_span(
            match.start,
            match.end,
            label=label or MODEL_LABEL_BY_TYPE.get(match.entry.type, "ORG"),
            alignment_mode="expand",
        )
        if span is not None:
            spans.append(span)
            entries[(span.start_char, span.end_char)] = match.entry
    if spans:
        doc.set_ents(filter_spans(spans), default="unmodified")
    return entries


def model_candidates(
    doc: Any,
    text: str,
    presets: dict[tuple[int, int], GazetteerEntry],
    *,
    max_chars: int = DEFAULT_MAX_SPAN_CHARS,
    capped: set[str] | None = None,
) -> list[Candidate]:
    """The doc's entities (preset ones as ``watch`` candidates) in the doc's own offsets.

    ``text`` is the doc's text, passed in because ``Doc.text`` rebuilds the string on every access. A line
    of a model span longer than ``max_chars`` is no name: it is dropped before any cleaning, and
    ``"span_chars"`` is added to ``capped``.
    """
    found: list[Candidate] = []
    for ent in doc.ents:
        entry = presets.get((ent.start_char, ent.end_char))
        if entry is not None:
            found.append(Candidate(ent.start_char, ent.end_char, entry.type, entry.label or entry.type, "watch", entry))
        elif ent.label_ in TYPE_BY_LABEL:
            for start, end in _lines(text, ent.start_char, ent.end_char):
                if end - start > max_chars:
                    if capped is not None:
                        capped.add("span_chars")
                    continue
                found += _cleaned(text, start, end, TYPE_BY_LABEL[ent.label_], ent.label_)
    return found


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A name never runs across a line break: "Phillip\n\nJim" is two spans, cut at the whole run of
    whitespace that holds the break; nor across a spaced dash, as after a dateline ("GOMA - Rebels")."""
    if text.find("\n", start, end) == -1 and not any(text.find(dash, start, end) != -1 for dash in "-–—"):
        return [(start, end)]  # most spans: neither a line break nor a dash to cut at
    pieces, cursor = [], start
    for run in _SPACES.finditer(text, start, end):
        if text.find("\n", run.start(), run.end()) != -1:
            pieces.append((cursor, run.start()))
            cursor = run.end()
        elif (dash := _SPACED_DASH.match(text, run.start(), end)) is not None:
            pieces.append((cursor, run.start()))
            cursor = dash.end()
    return [*pieces, (cursor, end)]


def _cleaned(text: str, start: int, end: int, type_: str, label: str) -> list[Candidate]:
    if _NOT_A_NAME.search(text, start, end):
        return []
    start, end = trim_span(text, start, end)
    if type_ == "PERSON":
        start, end = trim_span(text, *strip_honorific(text, start, end))
    trailing = _trailing_numbers(text, start, end)
    if trailing is not None and trailing > start and (type_ == "PERSON" or _LONG_NUMBER.search(text, trailing, end)):
        start, end = trim_span(text, start, trailing)
    if end - start < 2 or not any(ch.isalpha() for ch in text[start:end]):
        return []
    if type_ == "PERSON" and any(ch.isdigit() for ch in text[start:end]):
        return []  # "07:15 GMT+3", "Room 101": people's names carry no digits
    if type_ == "PERSON" and (joint := _and(text, start, end)):
        return [
            *_cleaned(text, start, joint[0], type_, label),
            *_cleaned(text, joint[1], end, type_, label),
        ]
    if type_ == "ORG" and (joint := _listed(text, start, end)):
        return [
            *_cleaned(text, start, joint[0], type_, label),
            *_cleaned(text, joint[1], end, type_, label),
        ]
    return [Candidate(start, end, type_, label)]


def _listed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The first slash or comma between two names in one model ORG span ("Ecogas/Enron", "Netscape, Suns
    Systems"), unless a company's legal form follows the comma ("Holland & Hart, LLP")."""
    for joint in _ORG_JOINT.finditer(text, start, end):
        if joint.start() > start and joint.end() < end and not _LEGAL_FORM.match(text, joint.end(), end):
            return joint.start(), joint.end()
    return None


def _trailing_numbers(text: str, start: int, end: int) -> int | None:
    """Where the numbers after a name begin ("Elizabeth 36349", "TX 77388-5746"), if any.

    The tail is the longest end of the span without a letter (digits, punctuation, spaces, ``_``); it
    begins at its first whitespace that still has a character after it. One backward scan, one forward.
    """
    tail = end
    while tail > start and _not_a_letter(text[tail - 1]):
        tail -= 1
    for position in range(tail, end - 1):
        if text[position].isspace():
            return position
    return None


def _not_a_letter(ch: str) -> bool:
    """``[\\d\\W_]`` of ``re``: a decimal digit, ``_``, or not a word character at all."""
    return ch.isdecimal() or ch == "_" or not ch.isalnum()


def _and(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The first " and " / " & " between two capitalised names: the run of spaces before it and the end of
    the run after it. Each run of spaces is tried once, so a span of many spaces costs linear time."""
    for run in _SPACES.finditer(text, start, end):
        after = _AND_AFTER_SPACES.match(text, run.end(), end)
        if after is not None:
            return run.start(), after.end()
    return None


def with_places(candidates: Sequence[Candidate], matches: Iterable[GazetteerMatch], text: str) -> list[Candidate]:
    """Add post-hoc gazetteer matches (places, and fuzzy watchlist matches) over the model's spans.

    A match replaces the model spans it overlaps, unless one of them strictly contains it and the
    match may yield (``unless_inside_longer_name``). A fuzzy match needs a model span there; an
    exact place match with no model span is dropped when a capitalised word follows it, as in
    "Edinburgh Evening Courant" — a place used inside a longer name the model missed. Whether a place
    match is a place here at all (person evidence, context for ambiguous names) is :mod:`.places`' call.

    ``candidates`` never overlap each other (they are pieces of the doc's entities), nor do ``matches``, so
    kept spans sorted by start are sorted by end too: the ones a match overlaps are found by bisection.
    """
    kept = sorted(candidates, key=lambda c: c.start)
    matches = list(matches)
    if not matches:
        return kept
    starts, ends = [c.start for c in kept], [c.end for c in kept]
    context = PlaceContext(text, matches, [(c.start, c.end) for c in kept if c.type == "PERSON"])
    for match in matches:
        first = bisect_right(ends, match.start)
        last = bisect_left(starts, match.end, lo=first)
        if not _applies(match, kept[first:last], text) or not context.fits(match, {c.type for c in kept[first:last]}):
            continue
        entry = match.entry
        place = Candidate(match.start, match.end, entry.type, entry.label or entry.type, _tier(entry), entry)
        kept[first:last], starts[first:last], ends[first:last] = [place], [match.start], [match.end]
    return kept


def _applies(match: GazetteerMatch, overlapping: Sequence[Candidate], text: str) -> bool:
    if any(c.tier != "model" for c in overlapping):
        return False
    if not overlapping:
        return not match.fuzzy and not _NAME_GOES_ON.match(text, match.end)
    yields = match.entry.precedence == "unless_inside_longer_name"
    return not (yields and any(_strictly_contains(c, match) for c in overlapping))


def _tier(entry: GazetteerEntry) -> Tier:
    return "watch" if entry.precedence == "always" else "place"


def _strictly_contains(candidate: Candidate, match: GazetteerMatch) -> bool:
    inside = candidate.start <= match.start and match.end <= candidate.end
    return inside and (candidate.start, candidate.end) != (match.start, match.end)
