"""Organisations recognised by their shape: a name built around an organisation head word is an ORG.

Names of organisations are built the same way in many languages: a head word saying what kind of body it is,
and a modifier saying which one. English and its neighbours put the head last ("Syrian Democratic *Forces*",
"Sinaloa *Cartel*"); romanised Arabic, Persian, Urdu, Pashto, Somali and Hausa names, and Spanish and French
ones, put it first ("*Harakat* al-Nujaba", "*Jaish*-e-Mohammed", "*Frente* Amplio", "*Parti* socialiste"), as
English does before "of" or "for" ("*Ministry* of Defence", "*Front* for the Liberation of …").

:func:`shaped` reads a text's runs of capitalised words (:mod:`.nameruns`) and returns the spans of capitalised
names in either shape. A head word alone ("Army", "Forces") is no name; a title breaks a name ("Interior Ministry
spokesman", "Army Chief Asim Munir" gives nothing after the head); an English head word only leads before
"of"/"for", so "Front Street" and "Union Station" are not organisations. The head words are in :mod:`.headwords`;
:func:`.orgspans.apply_shapes` sets the shaped spans over the model's candidates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from wirewatch.services.extractor.headwords import (
    AND_WORDS,
    HEAD_FINAL,
    HEAD_INITIAL,
    HEAD_INITIAL_LINKS,
    LINKS,
    OPENERS,
    TITLES,
    WEAK_HEADS,
    has_head,
    is_head,
)
from wirewatch.services.extractor.nameruns import WORD, NameWord, raw_runs, read_runs, trimmed

# No name runs longer ("Front for the Liberation of the Enclave of Cabinda" is 9): a longer run of capitals is a
# list or a heading, cut at every "and" at once (cutting where a name ends would cost the square of its length).
_MAX_WORDS = 16
_PLURAL_ARTICLES = frozenset({"los", "las"})
_IN_PLACE = re.compile(r" in (?:the )?[A-Z][\w'’.-]*(?: (?:of |and )?[A-Z][\w'’.-]*){0,4}")
_FORMAL = re.compile(r" (?:for|pour) ")


@dataclass(frozen=True, slots=True)
class Shaped:
    """``text[start:end]`` is an organisation's name by its shape; ``weak`` if its head is a weak one;
    ``article`` if only a Spanish plural article makes it one ("Los Zetas": no person, but maybe a place)."""

    start: int
    end: int
    weak: bool
    article: bool = False


def shaped(text: str) -> list[Shaped]:
    """Every organisation-shaped name of ``text``, left to right, never overlapping (one pass over the words).

    A long formal name goes on over "in" and the place it names ("United Nations Interim Force in Lebanon",
    "Union for Peace in the Central African Republic"); a shorter one stops there ("Mindanao State University
    in Marawi")."""
    return _shaped(text, raw_runs(text))


def _shaped(text: str, runs: Sequence[Sequence[NameWord]]) -> list[Shaped]:
    found: list[Shaped] = []
    reach = 0
    for raw in runs:
        if len(raw) == 1 and " " not in raw[0].key:
            continue  # most runs: one word of one piece, never a name of either shape (see _initial, _final)
        for name in _names(text, trimmed(list(raw))):
            if name.start < reach:
                continue
            name = _in_place(text, name)
            found.append(name)
            reach = name.end
    return found


def _in_place(text: str, name: Shaped) -> Shaped:
    surface = text[name.start : name.end]
    if len(surface.split()) < 4 and not _FORMAL.search(surface):
        return name
    place = _IN_PLACE.match(text, name.end)
    return replace(name, end=place.end()) if place else name


@lru_cache(maxsize=16384)
def shaped_name(surface: str) -> bool:
    """Whether ``surface`` as a whole is an organisation's name by its shape. Remembered per surface (a name
    recurs across articles), and read without :func:`raw_runs`' cache, which keeps the article's runs for the
    next reader of the same text."""
    names = _shaped(surface, read_runs(surface))
    return bool(names) and names[0].start == 0 and names[-1].end == len(surface.rstrip(".,;:"))


def _names(text: str, run: list[NameWord]) -> list[Shaped]:
    """The shaped names of one run: cut at titles ("Army Chief …", but not "General Assembly"), then
    head-initial or head-final."""
    names: list[Shaped] = []
    piece: list[NameWord] = []
    for i, word in enumerate([*run, None]):
        follows = run[i + 1].key if word is not None and i + 1 < len(run) else ""
        if word is None or (word.key in TITLES and follows not in HEAD_FINAL):
            for part in _parts(piece):
                if not _shouting(part, text):
                    names += _split_names(trimmed(part))
            piece = []
        else:
            piece.append(word)
    return names


def _parts(piece: list[NameWord]) -> list[list[NameWord]]:
    """The piece, or a piece too long to be one name cut at every "and" (its parts still longer are dropped)."""
    if len(piece) <= _MAX_WORDS:
        return [piece]
    parts: list[list[NameWord]] = [[]]
    for word in piece:
        if word.key in AND_WORDS:
            parts.append([])
        else:
            parts[-1].append(word)
    return [part for part in parts if 0 < len(part) <= _MAX_WORDS]


def _shouting(words: Sequence[NameWord], text: str) -> bool:
    """Most words in capitals ("WE HAVE A DATE FOR THE RELEASE OF …"): capitals say nothing there."""
    loud = sum(1 for w in words if w.end - w.start > 1 and text[w.start : w.end].isupper())
    return loud * 2 > len(words)


def _split_names(words: list[NameWord]) -> list[Shaped]:
    """The names of a piece, which may be two joined by "and": cut there when the words before it are a name
    by themselves ("Kata'ib Hezbollah and Harakat al-Nujaba"), or the words after it begin with "the" or a
    romanised head; "Jammu and Kashmir Police" stays one."""
    for k, word in enumerate(words):
        if word.key in AND_WORDS and 0 < k < len(words) - 1:
            left, right = words[:k], words[k + 1 :]
            name = _name(left)
            whole = name is not None and name.end == left[-1].end
            if whole or right[0].key == "the" or has_head(right[0].key.split()[0], HEAD_INITIAL):
                return ([name] if name is not None else []) + _split_names(trimmed(right))
    name = _name(words)
    return [name] if name is not None else []


def _name(words: Sequence[NameWord]) -> Shaped | None:
    return _initial(words) or _final(words)


def _initial(words: Sequence[NameWord]) -> Shaped | None:
    """From the first romanised head word that leads a name ("Jaish al-Adl", "Tehreek-e-Insaf") to the end of
    the run; or the whole run if an English head leads through "of"/"for" ("Popular Front for …")."""
    for j, word in enumerate(words):
        parts = word.key.split()
        if not parts:
            continue
        if has_head(parts[0], HEAD_INITIAL) and (len(parts) > 1 or j + 1 < len(words)):
            return Shaped(word.start, words[-1].end, False)
        if j == 0 and parts[0] in _PLURAL_ARTICLES and len(words) > 1 and words[1].capital:
            return Shaped(word.start, words[-1].end, False, article=True)
        if parts[-1] in HEAD_FINAL and j + 2 < len(words) and words[j + 1].key in HEAD_INITIAL_LINKS:
            return Shaped(words[0].start, words[-1].end, False)  # "Court of Appeal", "Union for Peace"
    return None


def _final(words: Sequence[NameWord]) -> Shaped | None:
    """The run up to its last head word, if a capitalised modifier comes before it."""
    for last in range(len(words) - 1, 0, -1):
        key = words[last].key.split()[-1] if words[last].key else ""
        if words[last].capital and key in HEAD_FINAL:
            first = _after_owner(words, last)
            if any(w.capital and w.key not in OPENERS for w in words[first:last]):
                return Shaped(words[first].start, words[last].end, key in WEAK_HEADS)
            return None
    return None


def _after_owner(words: Sequence[NameWord], last: int) -> int:
    """Where a head-final name begins after "… of (the)" when no head word comes before that "of": in "Basit
    Ahmad Dar of the Resistance Front" the name is "Resistance Front"; "Council of the Kivu Union" stays whole."""
    of = max((i for i in range(1, last) if words[i].key == "of"), default=0)
    if of == 0 or any(is_head(w.key) for w in words[:of]):
        return 0
    first = of + 1
    while first < last and words[first].key == "the":
        first += 1
    return first


def title_cased(text: str) -> bool:
    """Whether most words of ``text`` are capitalised, as in many headlines: there a capital says nothing."""
    words = [w for w in WORD.findall(text) if w.casefold() not in LINKS]
    return len(words) >= 3 and sum(w[:1].isupper() for w in words) * 4 >= len(words) * 3
