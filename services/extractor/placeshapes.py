"""Places recognised by their shape: a name built around a geographic, facility or administrative head word is a
place (LOC), whether or not the gazetteer lists it.

Most features and facilities of a conflict are in no list of cities: "Sambisa Forest", "Danube Delta", "Mosul
Dam", "Ain al-Asad Air Base", "Odessa Oblast", "Wadi Hadramawt", "Mount Sinjar", "Strait of Hormuz",
"Community of Madrid". Their names say what they are the way organisations' names do (:mod:`.shapes`): a head
word, last in English ("… Delta", "… Airport") or first in romanised Arabic and in Spanish ("Wadi …", "Jabal
…", "Sierra …"), or first before "of" ("Gulf of …", "Principality of …"), with a capitalised modifier.

Guards, each for a way the shape alone misleads:

* a *weak* head is also a surname or a given name ("Ricki Lake", "Joan Rivers", "Rio Ferdinand"): it retypes
  a model ORG span, never a PERSON, and adds no span;
* an *administrative* head makes a place only when its modifier is a known place ("Odessa Oblast", "Helmand
  Province"), since an armed group's branch is named the same way ("Islamic State Sahel Province");
* an organisation's shape wins ("Lake Chad Basin Commission" ends with its head), and so does a users'
  watchlist; a head word alone ("the Delta") is no name.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wirewatch.services.extractor.headwords import OPENERS, TITLES
from wirewatch.services.extractor.nameruns import NameWord, edges_trimmed, raw_runs
from wirewatch.services.extractor.spans import Candidate


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Head words that end a place's name (folded).
FEATURE_FINAL = _words(
    """
    river rivers delta canal desert forest forests jungle mountains mountain range hills highlands valley
    plateau plain plains lake lakes sea ocean strait straits gulf peninsula island islands isles archipelago
    coast lagoon marshes marsh oasis falls glacier basin
    """
)
FACILITY_FINAL = _words(
    """
    airport airfield airbase base bridge bridges dam square station stadium palace mosque cathedral shrine
    prison highway crossing checkpoint refinery harbour harbor hospital museum theater theatre cinema arena mall
    plaza tower building hotel gardens hall
    """
)
ADMIN_FINAL = _words("oblast krai raion province governorate prefecture district county region territory municipality")
# Also surnames or given names ("Ricki Lake", "Joan Rivers", "Jeff Bridges", "Michael Bay", "Rio Ferdinand").
WEAK = _words(
    """
    lake hill hills river rivers bay cape fort camp church temple street road avenue park port falls range ocean
    marsh bridges isla monte rio sierra khan umm sidi ras hall tower
    """
)
# Head words that begin one ("Wadi Hadramawt", "Jabal Sinjar", "Mount Kenya", "Sierra Maestra").
# Romanised Arabic and Persian ones say spring, well, hill, gate, bridge, fort, village, port, monastery, house:
# "Ain al-Asad", "Bir Ali", "Tal Afar", "Bab al-Hawa", "Jisr al-Shughur", "Kafr Nabl", "Bandar Abbas".
PLACE_INITIAL = _words(
    """
    mount mt lake wadi jabal jebel djebel jabel jbel shatt khor sierra cerro monte isla lac rio
    ain ein bir tal tell bab jisr qasr kafr deir dayr beit bayt bandar qala qalat khan umm sidi ras
    """
)
# … or begin one before "of" ("Gulf of Aden", "Principality of Nitra").
PLACE_OF = _words(
    """
    gulf strait straits bay sea isle island islands cape port province region governorate district community
    principality county oblast
    """
)
_ADMIN_OF = _words("province region governorate district community principality county oblast")
_OF_LINKS = frozenset({"of", "the"})
_RETYPED = frozenset({"PERSON", "ORG", "LOC", "PRODUCT"})  # "Qaryat Dam" as a PRODUCT is a place
_ANDS = frozenset({"and", "et", "y"})


@dataclass(frozen=True, slots=True)
class PlaceShaped:
    """``text[start:end]`` is a place by its shape; ``kind`` is the head's: feature, facility or admin.
    ``modifier`` is the span of the words that say which one ("Odessa" in "Odessa Oblast")."""

    start: int
    end: int
    kind: str
    weak: bool
    modifier: tuple[int, int]


def place_shaped(text: str) -> list[PlaceShaped]:
    """Every place-shaped name of ``text``, left to right (one pass over its runs of capitalised words)."""
    found: list[PlaceShaped] = []
    for raw in raw_runs(text):
        if len(raw) < 2:  # most runs are one word: no head with a name beside it (trimming only shortens a run)
            continue
        run = edges_trimmed(list(raw))
        if len(run) < 2:
            continue
        for part in _parts(run):
            name = _final(part) or _initial(part)
            if name is not None:
                found.append(name)
    return found


def _parts(run: list[NameWord]) -> list[list[NameWord]]:
    """The run cut at each "and": "Odessa Oblast and Mosul Dam" names two places."""
    parts: list[list[NameWord]] = [[]]
    for word in run:
        if word.key in _ANDS:
            parts.append([])
        else:
            parts[-1].append(word)
    return [part for part in parts if part]


def _kind(key: str) -> str | None:
    if key in FEATURE_FINAL:
        return "feature"
    if key in FACILITY_FINAL:
        return "facility"
    if key in ADMIN_FINAL:
        return "admin"
    return None


def _last(word: NameWord) -> str:
    parts = word.key.split()
    return parts[-1] if parts else ""


def _first(word: NameWord) -> str:
    parts = word.key.split()
    return parts[0] if parts else ""


def _initial(run: Sequence[NameWord]) -> PlaceShaped | None:
    """A head at the run's start or after "of (the)": "Wadi Hadramawt", or "Gulf of Aden" (the head, "of", the
    name); "Residents of the Principality of Nitra" names the principality."""
    for i in range(len(run) - 1):
        if i and run[i - 1].key not in _OF_LINKS:
            continue
        head, word = _first(run[i]), run[i]
        if not word.capital or len(word.key.split()) != 1:
            continue
        if head in PLACE_INITIAL and run[i + 1].capital:
            return PlaceShaped(word.start, run[-1].end, "feature", head in WEAK, (run[i + 1].start, run[-1].end))
        if head in PLACE_OF and run[i + 1].key == "of":
            rest = [w for w in run[i + 2 :] if w.key not in _OF_LINKS or w.capital]
            if rest and rest[0].capital and rest[0].key not in OPENERS:
                kind = "admin" if head in _ADMIN_OF else "feature"
                return PlaceShaped(word.start, run[-1].end, kind, False, (rest[0].start, run[-1].end))
    return None


def _final(run: Sequence[NameWord]) -> PlaceShaped | None:
    """The run up to its last word, if that is a place head with a capitalised modifier before it; the name
    begins after the last "of" ("the President of the Kurdistan Region") and after a title."""
    last = run[-1]
    kind = _kind(_last(last)) if last.capital else None
    if kind is None or len(run) < 2:
        return None
    first = 0
    for i in range(len(run) - 1):
        if run[i].key == "of" or run[i].key in TITLES:
            first = i + 1
    while first < len(run) - 1 and (run[first].key in OPENERS or not run[first].capital):
        first += 1
    if first >= len(run) - 1:
        return None
    return PlaceShaped(run[first].start, last.end, kind, _last(last) in WEAK, (run[first].start, run[-2].end))


def apply_place_shapes(
    text: str, candidates: Sequence[Candidate], is_place: Callable[[str], bool] = lambda _: False
) -> list[Candidate]:
    """The candidates with place-shaped names set as LOC (``why="shape"``); ``is_place`` says whether a text is
    a known place (the gazetteer), for the modifier of an administrative head over a model ORG.

    A shaped place replaces the model and places-gazetteer candidates it covers exactly or from inside; one
    the model did not find is added (unless its head is weak). Watchlist matches and organisation-shaped names
    are never touched, and a model span that reaches beyond the name is left as it is."""
    kept = sorted(candidates, key=lambda c: c.start)
    starts, ends = [c.start for c in kept], [c.end for c in kept]
    for name in place_shaped(text):
        first = bisect_right(ends, name.start)
        last = bisect_left(starts, name.end, lo=first)
        decided = _decided(text, name, kept[first:last], is_place)
        if decided is not None:
            kept[first:last] = decided
            starts[first:last] = [c.start for c in decided]
            ends[first:last] = [c.end for c in decided]
    return kept


def _decided(
    text: str, name: PlaceShaped, overlapping: Sequence[Candidate], is_place: Callable[[str], bool]
) -> list[Candidate] | None:
    place = Candidate(name.start, name.end, "LOC", "FAC" if name.kind == "facility" else "LOC", why="shape")
    known = name.kind != "admin" or is_place(text[name.modifier[0] : name.modifier[1]])
    if not overlapping:
        return None if name.weak or not known else [place]
    if any(c.tier == "watch" or (c.why == "shape" and c.type == "ORG") for c in overlapping):
        return None
    if not all(name.start <= c.start and c.end <= name.end for c in overlapping):
        return None
    exact = [c for c in overlapping if (c.start, c.end) == (name.start, name.end)]
    if (exact and exact[0].tier == "place") or any(c.type not in _RETYPED for c in overlapping):
        return None  # the gazetteer already has it; a NORP, an EVENT, a work of art … is the model's call
    types = {c.type for c in overlapping if c.tier == "model"}
    if name.weak and "PERSON" in types:
        return None
    return [place] if known or types == {"LOC"} else None
