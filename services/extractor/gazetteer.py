"""Gazetteers and watchlists: names analysts vouch for, found in text by their folded key.

A file is YAML: either a list of entries or ``{precedence: …, entries: [...]}``. An entry is
``{name, type, aliases?, id?, label?, country_code?, lat?, lon?, ambiguous?, needs_context?, population?}``.

Two precedences decide what happens when a match overlaps a span the statistical model found:

* ``always`` (users' watchlists, the default): the match is set on the document *before* ``ner``
  runs, so the model labels only around it. "These are organisations" is obeyed.
* ``unless_inside_longer_name`` (the shipped places): the match wins over any model span
  it overlaps, except one that strictly contains it — "University of Edinburgh" stays an ORG.

The shipped places are ``gazetteer/places.jsonl.gz`` (built by ``gazetteer/build_places.py``: a header line,
then one entry a line), read once per process.

Matching is on words: the words of an alias and of the text are folded with
:func:`~wirewatch.services.extractor.normalise.place_word`, so case, diacritics, apostrophes, hyphens and
romanisation variants (Ar-Raqqah / al-Raqqa, Kismaayo / Kismayo) do not matter — but a match must start with
a capital, and an all-caps alias ("KH") must match exactly, while a short all-caps word ("ENA") matches only
an all-caps alias. The folded words of every alias form a token
trie, so finding the names in a text costs a few dictionary lookups per word, whatever the number of
entries. A match that only the romanisation fold makes (the plain folds of the words differ) is ``fuzzy``.
A lowercase article glued before a match by a hyphen ("ar-Raqqa"), or "al"/"el" by a space, is part of it.
For users' watchlists a transliteration skeleton is the fallback for long names (Hizballah ↔ Hezbollah); such a
``fuzzy`` match only confirms or retypes a span the model also found, it never adds one
("Companies" has the skeleton of Campinas).
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wirewatch.schemas.articles import EntityType
from wirewatch.services.extractor.errors import GazetteerError
from wirewatch.services.extractor.normalise import (
    ARTICLES,
    HYPHENS,
    fold,
    place_word,
    skeleton_is_specific,
    skeleton_key,
)

log = logging.getLogger(__name__)

Precedence = Literal["always", "unless_inside_longer_name"]
PLACES_FILE = Path(__file__).resolve().parent / "gazetteer" / "places.jsonl.gz"
DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "gazetteers"
_WORD = re.compile(r"\w+(?:['’ʼ](?![sS]\b)\w+)*")  # "Kata'ib" is one word, "Iraq's" is "Iraq" + "s"
_WORD_CHAR = re.compile(r"\w")
_APOSTROPHES = "'’ʼ"
#: a word character in capitals or a digit after no word character: where a word a match may start at can start
#: (one an apostrophe joins to the word before it excepted, see :func:`_joined`); finding these with one regex
#: spares looking at every word of a text, most of which start in lowercase. Characters beyond the BMP are let
#: through and looked at in :func:`_capital_words` (as literals in the class they would slow every position).
_CAPITALS = "".join(ch for ch in map(chr, range(0x10000)) if (ch.isupper() or ch.isdigit()) and _WORD_CHAR.match(ch))
_CAPITAL_START = re.compile(rf"[{re.escape(_CAPITALS)}\U00010000-\U0010ffff](?<!\w.)")
_MAX_GLUE = 3  # characters between two words of a name (see _GLUE)
_MEMO_WORDS, _MEMO_WORD_CHARS = 65_536, 40  # at most 2.6 M characters of words remembered
_fold, _place_word = fold.__wrapped__, place_word.__wrapped__
_GLUE = re.compile(r"[ \t\xa0]{1,3}|[ \t]?[-‐‑–—][ \t]?|\.|['’ʼ]")
_ABBREVIATION_GLUE = re.compile(r"\.[ \t]")
MAX_WORDS = 8
# libyaml's safe loader where PyYAML has it: 3.5x faster, and a watchlist is reloaded within a batch's budget
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SHORT_CAPITALS = 4  # "ENA", "NASA" in capitals are acronyms, not the towns Ena or Nasa (but for a dateline)


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
    needs_context: bool = False  # also a word or a given name: a place only with context (see .places)
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
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
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


def read_places(path: Path = PLACES_FILE) -> list[GazetteerEntry]:
    """Entries of the generated places file (gzipped JSON lines after a header line)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            precedence = json.loads(next(lines)).get("precedence", "unless_inside_longer_name")
            # one line at a time: the parsed rows never all live at once
            return [GazetteerEntry.model_validate_json(line, context=None) for line in _with(lines, precedence)]
    except (OSError, StopIteration, ValueError) as exc:
        raise GazetteerError(path, f"cannot read: {exc}") from exc


def _with(lines: Iterable[str], precedence: str) -> Iterator[str]:
    """Each JSON line with the file's precedence added (the generated lines are objects without one)."""
    for line in lines:
        yield f'{{"precedence": "{precedence}", {line.strip()[1:]}'


def default_directories(configured: Path | None, state_dir: Path) -> list[Path]:
    """Where users' gazetteers live: the configured directory, else ``deploy/gazetteers`` of the
    repository and ``<state dir>/gazetteers`` (both optional)."""
    if configured is not None:
        return [configured]
    return [DEPLOY_DIR, state_dir / "gazetteers"]


def gazetteer_files(directories: Iterable[Path], *, quiet: bool = False) -> list[Path]:
    """``*.yaml``/``*.yml`` files (not ``*.example.yaml``) of each existing directory, sorted (``quiet``: a
    missing directory is not logged, as when watchlists are polled for changes)."""
    found: list[Path] = []
    for directory in directories:
        if not directory.is_dir():
            if not quiet:
                log.info("gazetteer directory %s does not exist; skipped", directory)
            continue
        files = [*directory.glob("*.yaml"), *directory.glob("*.yml")]
        found += sorted(p for p in files if ".example." not in p.name)
    return found


def read_users(directories: Iterable[Path]) -> list[GazetteerEntry]:
    """The entries of every users' file in ``directories``; :class:`GazetteerError` names a broken one."""
    return [entry for path in gazetteer_files(directories) for entry in read_entries(path)]


def _words(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(text)]


def _capital_words(text: str) -> Iterator[int]:
    """Where the words of ``text`` (as :func:`_words` finds them) that start with a capital or a digit start."""
    for found in _CAPITAL_START.finditer(text):
        start = found.start()
        if found.group() > "\uffff" and not _capital(found.group()):
            continue
        if not _joined(text, start):
            yield start


def _capital(ch: str) -> bool:
    return (ch.isupper() or ch.isdigit()) and bool(_WORD_CHAR.match(ch))


def _joined(text: str, position: int) -> bool:
    """Whether the word character at ``position`` continues the word before an apostrophe ("Kata'Ib"), as
    :data:`_WORD` reads it: an apostrophe between word characters joins them, unless an "s" alone follows."""
    if position < 2 or text[position - 1] not in _APOSTROPHES or not _WORD_CHAR.match(text, position - 2):
        return False
    alone = position + 1 == len(text) or not _WORD_CHAR.match(text, position + 1)
    return not (text[position] in "sS" and alone)


def _word_before(text: str, start: int) -> tuple[int, int] | None:
    """The word before the one at ``start`` if it may be a glued article: at most :data:`_MAX_GLUE` characters
    before it and at most three long (``None`` otherwise)."""
    end = start
    while end > 0 and start - end <= _MAX_GLUE and not _WORD_CHAR.match(text, end - 1):
        end -= 1
    if end == 0 or start - end > _MAX_GLUE:
        return None
    first = end - 1
    while first > 0 and end - first <= 3 and _WORD_CHAR.match(text, first - 1):
        first -= 1
    if end - first > 3 or _joined(text, first):  # longer, or with an apostrophe: no article
        return None
    return first, end


@dataclass(frozen=True, slots=True)
class _Alias:
    entry: GazetteerEntry
    exact: str | None  # an all-caps alias matches these letters only
    plain: tuple[str, ...]  # the words folded without the romanisation fold


class Gazetteer:
    """Entries in a token trie of folded words; :meth:`find` returns non-overlapping matches in a text.

    The trie is a dict from (node, word) to the child node (0 is the root), and a dict from a node to the
    aliases that end there: flat dicts keep the many short keys of a large gazetteer compact.

    ``users`` is a layer over these entries: users' watchlists, in a small trie of their own, so that
    :class:`~wirewatch.services.extractor.watchlists.Watchlists` can swap it whole when the files change while
    the shipped places stay loaded. Where a match of the layer overlaps one of these entries, the layer's wins
    (a fuzzy one yields to an exact match of these entries).
    """

    users: Gazetteer | None

    def __init__(self, entries: Sequence[GazetteerEntry], users: Gazetteer | None = None) -> None:
        self.entries = list(entries)
        self.users = users
        self._children: dict[tuple[int, str], int] = {}
        self._aliases: dict[int, list[_Alias]] = {}
        self._by_skeleton: dict[str, list[GazetteerEntry]] = {}
        self._skeleton_prefixes: set[tuple[str, ...]] = set()
        self.max_words = 0
        # memos for building only: fold's own cache is kept for the texts' words, which the many alias
        # words would evict; one string object per distinct word
        self._folded: dict[str, str] = {}
        self._placed: dict[str, str] = {}
        for entry in sorted(self.entries, key=lambda e: e.precedence != "always"):
            for alias in entry.names:
                self._add(entry, alias)
        del self._folded, self._placed
        self._starts_alias: dict[str, bool] = {}  # a text's capitalised word → whether an alias starts with it

    @classmethod
    def load(cls, directories: Iterable[Path] = (), *, places: bool = True) -> Gazetteer:
        """The shipped places (unless ``places=False``) with every users' file in ``directories`` as the
        ``users`` layer."""
        users = cls(read_users(directories))
        return cls(read_places() if places else [], users)

    def _add(self, entry: GazetteerEntry, alias: str) -> None:
        plain = tuple(self._fold(alias[a:b]) for a, b in _words(alias))
        if not plain or len(plain) > MAX_WORDS:
            return
        exact = alias if alias.isupper() and len(alias.replace(".", "")) <= 6 else None
        self._index(entry, exact, plain)
        if exact is not None or entry.precedence != "always":
            return
        skeleton = skeleton_key(" ".join(plain))
        if skeleton_is_specific(skeleton):
            if skeleton not in self._by_skeleton:
                words = tuple(skeleton.split())
                self._skeleton_prefixes.update(words[:n] for n in range(1, len(words) + 1))
            self._by_skeleton.setdefault(skeleton, []).append(entry)

    def _fold(self, word: str) -> str:
        folded = self._folded.get(word)
        if folded is None:
            folded = self._folded[word] = sys.intern(_fold(word))
        return folded

    def _place_word(self, word: str) -> str:
        placed = self._placed.get(word)
        if placed is None:
            placed = self._placed[word] = sys.intern(_place_word(word))
        return placed

    def _index(self, entry: GazetteerEntry, exact: str | None, plain: tuple[str, ...]) -> None:
        node = 0
        for word in plain:
            node = self._children.setdefault((node, self._place_word(word)), len(self._children) + 1)
        self._aliases.setdefault(node, []).append(_Alias(entry, exact, plain))
        self.max_words = max(self.max_words, len(plain))

    def named(self, name: str) -> list[GazetteerEntry]:
        """Every entry with an alias whose folded words are those of ``name`` (for the geocoder)."""
        node = 0
        for a, b in _words(name):
            node = self._children.get((node, place_word(fold(name[a:b]))), 0)
            if not node:
                break
        own = self._aliases.get(node, ()) if node else ()
        entries = {id(a.entry): a.entry for a in own}
        if self.users is not None:
            entries.update({id(entry): entry for entry in self.users.named(name)})
        return list(entries.values())

    def find(self, text: str) -> list[GazetteerMatch]:
        """Longest matches, left to right, never overlapping (the ``users`` layer's first)."""
        found = self._find(text)
        if self.users is None or not self.users.entries:
            return found
        users = self.users._find(text)
        exact = _over([m for m in users if not m.fuzzy], found)
        return _over(exact, [m for m in users if m.fuzzy])

    def _find(self, text: str) -> list[GazetteerMatch]:
        """Only words with a capital (or a digit) start a match; the words after one are read as it is tried."""
        matches: list[GazetteerMatch] = []
        for start in _capital_words(text):
            if matches and start < matches[-1].end:
                continue
            word = _WORD.match(text, start)  # a word character starts a word
            if word is None or (not self._by_skeleton and not self._starts_an_alias(word.group())):
                continue  # most capitalised words: no walk
            match = self._match_at(text, start)
            if match is not None:
                matches.append(_with_article(text, match))
        return matches

    def _starts_an_alias(self, word: str) -> bool:
        """Whether some alias begins with ``word`` (memoised for words of a name's length: the same names recur
        across texts, and a hostile text's 10,000-character tokens must not fill the memo)."""
        starts = self._starts_alias.get(word)
        if starts is None:
            starts = (0, place_word(fold(word))) in self._children
            if len(word) <= _MEMO_WORD_CHARS:
                if len(self._starts_alias) >= _MEMO_WORDS:
                    self._starts_alias.clear()
                self._starts_alias[word] = starts
        return starts

    def _match_at(self, text: str, start: int) -> GazetteerMatch | None:
        nodes, words = self._walk(text, start)
        for n in range(len(nodes), 0, -1):
            if not self._by_skeleton and nodes[n - 1] not in self._aliases:
                continue  # no alias ends here and no skeleton to try: _lookup would find nothing ("The", "I")
            end = words[n - 1][1]
            plain = tuple(fold(text[a:b]) for a, b in words[:n])
            match = self._lookup(nodes[n - 1], plain, text, start, end)
            if match is not None:
                return match
        return None

    def _walk(self, text: str, start: int) -> tuple[list[int], list[tuple[int, int]]]:
        """The trie nodes (0 where the trie has none) reached by the words from ``start`` on, one per word, as
        long as the words are glued and some alias (or skeleton) could still start with them; and the words."""
        nodes: list[int] = []
        words: list[tuple[int, int]] = []
        node = 0
        skeleton: tuple[str, ...] = ()
        found = _WORD.match(text, start)
        while found is not None and len(nodes) < self.max_words:
            a, b = found.span()
            if nodes and not _glued(text, words[-1], (a, b)):
                break
            word = fold(text[a:b])
            node = self._children.get((node, place_word(word)), 0) if node or not nodes else 0
            if self._by_skeleton:  # only watchlists have skeletons
                skeleton += (skeleton_key(word),)
            if not node and (not self._by_skeleton or skeleton not in self._skeleton_prefixes):
                break
            nodes.append(node)
            words.append((a, b))
            found = _WORD.search(text, b)
        return nodes, words

    def _lookup(self, node: int, plain: tuple[str, ...], text: str, start: int, end: int) -> GazetteerMatch | None:
        surface = text[start:end]
        aliases = self._aliases.get(node, ()) if node else ()
        dateline = start == 0 or text[start - 1] == "\n"  # "GOMA, Congo —" opens a line
        acronym = surface.isupper() and len(surface) <= SHORT_CAPITALS and not dateline
        usable = [a for a in aliases if (a.exact is None and not acronym) or _same_letters(a.exact or "", surface)]
        for alias in usable:
            if alias.plain == plain:
                return GazetteerMatch(start, end, alias.entry)
        if usable:  # only the romanisation fold matches: the likeliest place
            best = max(usable, key=lambda a: (not a.entry.needs_context, a.entry.population or 0))
            return GazetteerMatch(start, end, best.entry, fuzzy=True)
        if sum(map(len, plain)) < 6 or surface.isupper():
            return None
        folded = " ".join(plain)
        candidates = self._by_skeleton.get(skeleton_key(folded), [])
        if len({c.name for c in candidates}) != 1 or not _same_ending(folded, candidates[0]):
            return None
        return GazetteerMatch(start, end, candidates[0], fuzzy=True)


def _over(winners: list[GazetteerMatch], others: list[GazetteerMatch]) -> list[GazetteerMatch]:
    """``winners`` and the ``others`` that overlap none of them, in text order (each list is in text order and
    without overlaps of its own: one pass over both)."""
    if not winners or not others:
        return winners or others
    kept, i = list(winners), 0
    for match in others:
        while i < len(winners) and winners[i].end <= match.start:
            i += 1
        if i == len(winners) or winners[i].start >= match.end:
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


def _with_article(text: str, match: GazetteerMatch) -> GazetteerMatch:
    """``match`` widened over a lowercase article glued before it ("al-Raqqa", "al Anbar")."""
    before = _word_before(text, match.start)
    if before is None:
        return match
    a, b = before
    article = text[a:b]
    if article not in ARTICLES or not _glued(text, before, (match.start, match.start)):
        return match
    if article in ("al", "el") or text[b] in HYPHENS:  # "al Anbar", "ar-Raqqa"; never "as Milan", "at Israel"
        return GazetteerMatch(a, match.end, match.entry, match.fuzzy)
    return match


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
