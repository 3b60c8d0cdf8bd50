"""Gazetteers and watchlists: names analysts vouch for, found in text by their folded key.

A file is YAML: either a list of entries or ``{precedence: …, entries: [...]}``. An entry is
``{name, type, aliases?, id?, label?, country_code?, lat?, lon?, ambiguous?, population?}``.

Two precedences decide what happens when a match overlaps a span the statistical model found:

* ``always`` (users' watchlists, the default): the match is set on the document *before* ``ner``
  runs, so the model labels only around it. "These are organisations" is obeyed.
* ``unless_inside_longer_name`` (the shipped ``places.yaml``): the match wins over any model span
  it overlaps, except one that strictly contains it — "University of Edinburgh" stays an ORG.

Matching is on words: the words of an alias and of the text are folded with
:func:`~wirewatch.services.extractor.normalise.fold`, so case, diacritics, apostrophes and hyphens do not
matter — but a match must start with a capital, and an all-caps alias ("KH") must match exactly.
A transliteration skeleton is the fallback for long names (Hizballah ↔ Hezbollah); such a
``fuzzy`` match only confirms or retypes a span the model also found, it never adds one
("Companies" has the skeleton of Campinas).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wirewatch.schemas.articles import EntityType
from wirewatch.services.extractor.errors import GazetteerError
from wirewatch.services.extractor.normalise import fold, skeleton_is_specific, skeleton_key

log = logging.getLogger(__name__)

Precedence = Literal["always", "unless_inside_longer_name"]
PLACES_FILE = Path(__file__).resolve().parent / "gazetteer" / "places.yaml"
DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "gazetteers"
_WORD = re.compile(r"\w+(?:['’ʼ](?![sS]\b)\w+)*")  # "Kata'ib" is one word, "Iraq's" is "Iraq" + "s"
_GLUE = re.compile(r"[ \t\xa0]{1,3}|[ \t]?[-‐‑–—][ \t]?|\.|['’ʼ]")
_ABBREVIATION_GLUE = re.compile(r"\.[ \t]")
MAX_WORDS = 8


class GazetteerEntry(BaseModel):
    """One name an analyst (or the places builder) vouches for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    type: EntityType
    aliases: tuple[str, ...] = ()
    id: str | None = None
    label: str | None = None
    country_code: str | None = Field(default=None, min_length=2, max_length=2)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    population: int | None = None
    ambiguous: bool = False
    precedence: Precedence = "always"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class GazetteerMatch:
    """``text[start:end]`` names ``entry``; ``fuzzy`` if only the transliteration skeleton matched."""

    start: int
    end: int
    entry: GazetteerEntry
    fuzzy: bool = False


def read_entries(path: Path, *, default_precedence: Precedence = "always") -> list[GazetteerEntry]:
    """Entries of one YAML file, each carrying the file's precedence."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GazetteerError(path, f"cannot read: {exc}") from exc
    precedence = default_precedence
    if isinstance(data, dict):
        precedence = data.get("precedence", precedence)
        data = data.get("entries")
    if not isinstance(data, list):
        raise GazetteerError(path, "expected a list of entries or a mapping with 'entries'")
    try:
        return [GazetteerEntry.model_validate({"precedence": precedence, **item}) for item in data]
    except (ValidationError, TypeError) as exc:
        raise GazetteerError(path, str(exc)) from exc


def default_directories(configured: Path | None, state_dir: Path) -> list[Path]:
    """Where users' gazetteers live: the configured directory, else ``deploy/gazetteers`` of the
    repository and ``<state dir>/gazetteers`` (both optional)."""
    if configured is not None:
        return [configured]
    return [DEPLOY_DIR, state_dir / "gazetteers"]


def gazetteer_files(directories: Iterable[Path]) -> list[Path]:
    """``*.yaml``/``*.yml`` files (not ``*.example.yaml``) of each existing directory, sorted."""
    found: list[Path] = []
    for directory in directories:
        if not directory.is_dir():
            log.info("gazetteer directory %s does not exist; skipped", directory)
            continue
        files = [*directory.glob("*.yaml"), *directory.glob("*.yml")]
        found += sorted(p for p in files if ".example." not in p.name)
    return found


def _words(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(text)]


def _capital(text: str, word: tuple[int, int]) -> bool:
    first = text[word[0]]
    return first.isupper() or first.isdigit()


class Gazetteer:
    """Entries indexed by folded words; :meth:`find` returns non-overlapping matches in a text."""

    def __init__(self, entries: Sequence[GazetteerEntry]) -> None:
        self.entries = list(entries)
        self._by_key: dict[tuple[str, ...], list[tuple[GazetteerEntry, str | None]]] = {}
        self._by_skeleton: dict[str, list[GazetteerEntry]] = {}
        for entry in sorted(self.entries, key=lambda e: e.precedence != "always"):
            for alias in entry.names:
                self._add(entry, alias)
        self.max_words = max((len(k) for k in self._by_key), default=0)
        self._prefixes = {k[:n] for k in self._by_key for n in range(1, len(k) + 1)}
        self._skeleton_prefixes = {
            tuple(k.split()[:n]) for k in self._by_skeleton for n in range(1, len(k.split()) + 1)
        }

    @classmethod
    def load(cls, directories: Iterable[Path] = (), *, places: bool = True) -> Gazetteer:
        """The shipped places (unless ``places=False``) plus every users' file in ``directories``."""
        entries = read_entries(PLACES_FILE, default_precedence="unless_inside_longer_name") if places else []
        for path in gazetteer_files(directories):
            entries += read_entries(path)
        return cls(entries)

    def _add(self, entry: GazetteerEntry, alias: str) -> None:
        key = tuple(fold(alias[a:b]) for a, b in _words(alias))
        if not key or len(key) > MAX_WORDS:
            return
        exact = alias if alias.isupper() and len(alias.replace(".", "")) <= 6 else None
        self._by_key.setdefault(key, []).append((entry, exact))
        skeleton = skeleton_key(" ".join(key))
        if exact is None and skeleton_is_specific(skeleton):
            self._by_skeleton.setdefault(skeleton, []).append(entry)

    def find(self, text: str) -> list[GazetteerMatch]:
        """Longest matches, left to right, never overlapping."""
        words = _words(text)
        matches, i = [], 0
        while i < len(words):
            found = self._match_at(text, words, i) if _capital(text, words[i]) else None
            if found is None:
                i += 1
                continue
            match, width = found
            matches.append(match)
            i += width
        return matches

    def _match_at(self, text: str, words: list[tuple[int, int]], i: int) -> tuple[GazetteerMatch, int] | None:
        width = self._widest(text, words, i)
        for n in range(width, 0, -1):
            start, end = words[i][0], words[i + n - 1][1]
            key = tuple(fold(text[a:b]) for a, b in words[i : i + n])
            match = self._lookup(key, text, start, end)
            if match is not None:
                return match, n
        return None

    def _widest(self, text: str, words: list[tuple[int, int]], i: int) -> int:
        """How many words from ``i`` on could still be (the start of) some alias."""
        width = 0
        key: tuple[str, ...] = ()
        skeleton: tuple[str, ...] = ()
        while i + width < len(words) and width < self.max_words:
            if width and not _glued(text, words[i + width - 1], words[i + width]):
                break
            word = fold(text[words[i + width][0] : words[i + width][1]])
            key += (word,)
            skeleton += (skeleton_key(word),)
            if key not in self._prefixes and skeleton not in self._skeleton_prefixes:
                break
            width += 1
        return width

    def _lookup(self, key: tuple[str, ...], text: str, start: int, end: int) -> GazetteerMatch | None:
        surface = text[start:end]
        for entry, exact in self._by_key.get(key, ()):
            if exact is None or _same_letters(exact, surface):
                return GazetteerMatch(start, end, entry)
        if sum(map(len, key)) < 6 or surface.isupper():
            return None
        folded = " ".join(key)
        candidates = self._by_skeleton.get(skeleton_key(folded), [])
        if len({c.name for c in candidates}) != 1 or not _same_ending(folded, candidates[0]):
            return None
        return GazetteerMatch(start, end, candidates[0], fuzzy=True)


def _glued(text: str, left: tuple[int, int], right: tuple[int, int]) -> bool:
    """Words of one name: joined by a space, hyphen or apostrophe; ". " only after "St"-like words."""
    if _GLUE.fullmatch(text, left[1], right[0]):
        return True
    return left[1] - left[0] <= 2 and bool(_ABBREVIATION_GLUE.fullmatch(text, left[1], right[0]))


def _same_ending(folded: str, entry: GazetteerEntry) -> bool:
    """A vowel ending is not a spelling variant: "Pakistani" is not "Pakistan"."""
    endings = {fold(name)[-1:] in "aeiouy" for name in entry.names if skeleton_key(fold(name)) == skeleton_key(folded)}
    return (folded[-1:] in "aeiouy") in endings


def _same_letters(alias: str, surface: str) -> bool:
    """All-caps aliases match case-sensitively, with or without dots ("US" ~ "U.S.")."""
    return alias.replace(".", "") == surface.replace(".", "")
