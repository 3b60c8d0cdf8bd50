"""Stories: which articles tell the same story (wire copies, light rewrites), decided from their text alone.

An article's text becomes a :class:`Fingerprint`: the hashed 3-word shingles of its prose (paragraphs of 8+
words, so datelines, credits and "read more" furniture do not count) and its LSH band keys, a MinHash
signature of ``BANDS × ROWS`` values cut into bands of ``ROWS`` values each. Two texts share a band key with
probability J^ROWS (J: the Jaccard similarity of their shingles): a copy or light rewrite (J ≥ 0.3) shares
at least one of 24 bands with probability ≥ 0.9, while texts that merely share a topic (J ≈ 0.01) collide
on one key in about one of 400 pairs, and unrelated texts essentially never. So a band key is rare, unlike
a 6-bit SimHash band shared by 1/64 of every index; the indexer finds candidates with one terms query on
the keys (``services/indexer/stories.py``) and :func:`same_story` decides on the shingles themselves.

The decision (measured on the pairs of ``bench/stories_pairs.py``, ``python -m bench.stories``): the same
story when the shingles overlap by Jaccard ≥ :data:`MIN_JACCARD`, or when the smaller text is mostly
contained in the larger one (≥ :data:`MIN_CONTAINMENT`, a trimmed copy or one with an added standfirst).
A different event on the same topic reuses a background paragraph or two, rarely more.

:func:`assign` clusters a batch: each article, earliest first, joins the story of its closest earlier match
(an indexed candidate or an earlier article of the batch), else starts its own story whose id is its own id;
an article that already has a story (a replay) keeps it. Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

SHINGLE_WORDS = 3
#: a paragraph shorter than this is furniture (a dateline, a credit, a "read more" line)
PROSE_MIN_WORDS = 8
#: a text with fewer distinct shingles is too short to tell a story from boilerplate: it gets no keys and
#: stays alone
MIN_SHINGLES = 12
#: only the opening words of the prose count: copies share their openings, and the fingerprint's cost (the
#: indexer's main one per article) stays that of a short article however long the text (a megabyte included)
MAX_WORDS = 500
#: and no more than this many characters are read to find them (a megabyte without a paragraph break)
MAX_CHARS = 20_000
BANDS = 24
ROWS = 2
MIN_JACCARD = 0.3
MIN_CONTAINMENT = 0.5
#: containment alone joins a story only when the smaller text has this many shingles (a two-line teaser
#: contained in a long article says little)
CONTAINMENT_MIN_SHINGLES = 30

_WORDS = re.compile(r"\w+")
_PARAGRAPHS = re.compile(r"(?:(?!\n\s*\n).)+", re.DOTALL)


def _seeds(count: int, label: str) -> np.ndarray:
    # fixed by a hash of their position, never by a random generator: keys must not change between versions
    values = [
        int.from_bytes(hashlib.blake2b(f"{label}{i}".encode(), digest_size=8).digest(), "big") for i in range(count)
    ]
    return np.array(values, dtype=np.uint64)


_MULTIPLIERS = _seeds(BANDS * ROWS, "wirewatch-story-a") | np.uint64(1)
_OFFSETS = _seeds(BANDS * ROWS, "wirewatch-story-b")
_SHINGLE_WEIGHTS = _seeds(2, "wirewatch-shingle-") | np.uint64(1)


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """What story clustering keeps of a text: its shingle hashes and its band keys."""

    hashes: np.ndarray
    keys: tuple[str, ...]

    @functools.cached_property
    def shingles(self) -> frozenset[int]:
        """The shingle hashes as a set, built only for an article that is compared with another."""
        return frozenset(self.hashes.tolist())


@dataclass(frozen=True)
class Member:
    """An article as clustering sees it; ``story_id`` is ``None`` until it has one."""

    id: str
    fetched_at: datetime
    fingerprint: Fingerprint
    story_id: str | None = None


@dataclass
class Assignment:
    story_id: str
    joined: str | None = None  # the article whose story it joined (None: its own, or kept on replay)
    similarity: float = 0.0
    candidates: int = field(default=0)


def prose_words(text: str) -> list[str]:
    """Case-folded words of the paragraphs that are sentences (all words if none is), the first
    :data:`MAX_WORDS` only: a long text is read no further than its opening."""
    kept: list[str] = []
    short: list[str] = []
    for paragraph in _PARAGRAPHS.finditer(text[:MAX_CHARS]):
        words = _WORDS.findall(paragraph.group().casefold())
        if len(words) >= PROSE_MIN_WORDS:
            kept += words
        elif len(short) < MAX_WORDS:
            short += words
        if len(kept) >= MAX_WORDS:
            break
    return (kept or short)[:MAX_WORDS]


@functools.lru_cache(maxsize=100_000)
def _word_hash(word: str) -> int:
    # blake2b, not hash(): the keys must be the same in every process and every version
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")


def _mix(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: every bit of a combined value depends on every bit of its words."""
    values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    mixed: np.ndarray = values ^ (values >> np.uint64(31))
    return mixed


def shingle_hashes(text: str) -> np.ndarray:
    """The distinct 64-bit hashes of the 3-word shingles of the text's prose (sorted): each word hashed once
    (and cached), three words combined in one vectorised step."""
    words = np.fromiter(map(_word_hash, prose_words(text)), dtype=np.uint64)
    if len(words) < SHINGLE_WORDS:
        return np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        combined = words[:-2] * _SHINGLE_WEIGHTS[0] + words[1:-1] * _SHINGLE_WEIGHTS[1] + words[2:]
        distinct: np.ndarray = np.unique(_mix(combined))
    return distinct


def shingles(text: str) -> frozenset[int]:
    """64-bit hashes of the distinct 3-word shingles of the text's prose."""
    return frozenset(shingle_hashes(text).tolist())


def band_keys(hashes: np.ndarray | Iterable[int]) -> tuple[str, ...]:
    """The LSH band keys of a shingle set (``"07:…"``: band number, then its ``ROWS`` MinHash values)."""
    values = hashes if isinstance(hashes, np.ndarray) else np.fromiter(hashes, dtype=np.uint64)
    if len(values) < MIN_SHINGLES:
        return ()
    with np.errstate(over="ignore"):
        # one universal hash per signature row (multiply-add modulo 2^64, high 32 bits), minimum over shingles
        mixed = (values[:, None] * _MULTIPLIERS[None, :] + _OFFSETS[None, :]) >> np.uint64(32)
    signature = mixed.min(axis=0).reshape(BANDS, ROWS)
    return tuple(f"{band:02d}:" + "".join(f"{int(v):08x}" for v in row) for band, row in enumerate(signature))


def fingerprint(text: str) -> Fingerprint:
    hashes = shingle_hashes(text)
    return Fingerprint(hashes, band_keys(hashes))


def similarity(a: Fingerprint, b: Fingerprint) -> tuple[float, float]:
    """``(jaccard, containment)`` of two shingle sets; containment is of the smaller set in the larger."""
    small, large = sorted((a.shingles, b.shingles), key=len)
    if not small:
        return 0.0, 0.0
    shared = len(small & large)
    return shared / len(small | large), shared / len(small)


def same_story(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether two texts are copies or light rewrites of one story (see the module docstring)."""
    if len(a.shingles) < MIN_SHINGLES or len(b.shingles) < MIN_SHINGLES:
        return False
    jaccard, containment = similarity(a, b)
    if jaccard >= MIN_JACCARD:
        return True
    smaller = min(len(a.shingles), len(b.shingles))
    return containment >= MIN_CONTAINMENT and smaller >= CONTAINMENT_MIN_SHINGLES


def _order(member: Member) -> tuple[datetime, str]:
    return member.fetched_at, member.id


def assign(
    batch: Sequence[Member], candidates: Mapping[str, Sequence[Member]], stored: Mapping[str, str]
) -> dict[str, Assignment]:
    """The story of each article of ``batch``: ``stored`` (id → story already indexed) wins; otherwise the
    story of the most similar earlier match among its indexed ``candidates`` and the batch's earlier
    articles sharing a band key with it, else a story of its own. Deterministic: the batch is taken in
    (fetch time, id) order."""
    by_key: dict[str, list[Member]] = {}  # the batch's earlier articles, found as the index finds them
    result: dict[str, Assignment] = {}
    for member in sorted(batch, key=_order):
        earlier = {m.id: m for key in member.fingerprint.keys for m in by_key.get(key, ())}
        pool = [*candidates.get(member.id, ()), *earlier.values()]
        assignment = _assign_one(member, pool, stored.get(member.id))
        result[member.id] = assignment
        done = Member(member.id, member.fetched_at, member.fingerprint, assignment.story_id)
        for key in member.fingerprint.keys:
            by_key.setdefault(key, []).append(done)
    return result


def _assign_one(member: Member, pool: Sequence[Member], stored: str | None) -> Assignment:
    if stored is not None:
        return Assignment(stored, candidates=len(pool))
    matches = [
        (similarity(member.fingerprint, other.fingerprint)[0], other)
        for other in pool
        if other.id != member.id and same_story(member.fingerprint, other.fingerprint)
    ]
    if not matches:
        return Assignment(member.id, candidates=len(pool))
    # the most similar; on a tie the earliest, so the answer never depends on the order candidates came in
    score, other = min(matches, key=lambda match: (-match[0], *_order(match[1])))
    return Assignment(other.story_id or other.id, joined=other.id, similarity=score, candidates=len(pool))
