"""Near-duplicate detection by SimHash: syndicated copies of one wire story across outlets.

:class:`NearDuplicateIndex` keeps the most recent ``max_size`` simhashes in memory and answers "which
known document is within ``max_distance`` bits of this one?" without scanning them all: each 64-bit hash
is cut into ``bands`` bands of (nearly) equal width, and only documents that share a band exactly are
compared. With
``bands > max_distance`` (pigeonhole) no pair within ``max_distance`` bits is ever missed.
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import pairwise

# A wire story re-wrapped by another outlet (own standfirst, one extra sentence) lands 1-10 bits away
# from its original; unrelated stories, even on the same subject, sit 20+ bits apart.
DEFAULT_MAX_DISTANCE = 10
DEFAULT_BANDS = 11


def hamming(a: str | int, b: str | int) -> int:
    """Number of differing bits between two simhashes (hex strings or ints)."""
    return (_as_int(a) ^ _as_int(b)).bit_count()


class NearDuplicateIndex:
    """A bounded, in-memory LSH index of document simhashes (oldest evicted first)."""

    def __init__(
        self, *, max_size: int = 100_000, max_distance: int = DEFAULT_MAX_DISTANCE, bands: int = DEFAULT_BANDS
    ) -> None:
        if not 0 < bands <= 32:
            raise ValueError(f"bands must be between 1 and 32, got {bands}")
        if bands <= max_distance:
            raise ValueError(f"bands ({bands}) must exceed max_distance ({max_distance}) to miss no pair")
        self.max_size, self.max_distance, self.bands = max_size, max_distance, bands
        edges = [round(i * 64 / bands) for i in range(bands + 1)]
        self._bands = [(low, (1 << (high - low)) - 1) for low, high in pairwise(edges)]
        self._hashes: OrderedDict[str, int] = OrderedDict()
        self._buckets: dict[tuple[int, int], set[str]] = {}

    def __len__(self) -> int:
        return len(self._hashes)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._hashes

    def add(self, doc_id: str, simhash: str | int) -> None:
        """Index a document (re-adding an id replaces its hash and makes it the newest)."""
        self.remove(doc_id)
        value = _as_int(simhash)
        self._hashes[doc_id] = value
        for key in self._keys(value):
            self._buckets.setdefault(key, set()).add(doc_id)
        while len(self._hashes) > self.max_size:
            self.remove(next(iter(self._hashes)))

    def remove(self, doc_id: str) -> None:
        value = self._hashes.pop(doc_id, None)
        if value is None:
            return
        for key in self._keys(value):
            bucket = self._buckets.get(key)
            if bucket is not None:
                bucket.discard(doc_id)
                if not bucket:
                    del self._buckets[key]

    def query(self, simhash: str | int) -> list[tuple[str, int]]:
        """Known documents within ``max_distance`` bits, nearest first, as ``(id, distance)``."""
        value = _as_int(simhash)
        candidates = {doc for key in self._keys(value) for doc in self._buckets.get(key, ())}
        found = [(doc, hamming(value, self._hashes[doc])) for doc in candidates]
        return sorted((pair for pair in found if pair[1] <= self.max_distance), key=lambda p: (p[1], p[0]))

    def check_and_add(self, doc_id: str, simhash: str | int) -> str | None:
        """The id of the nearest earlier copy of this document (``None`` if new), then index it."""
        nearest = next((doc for doc, _ in self.query(simhash) if doc != doc_id), None)
        self.add(doc_id, simhash)
        return nearest

    def _keys(self, value: int) -> list[tuple[int, int]]:
        return [(band, (value >> shift) & mask) for band, (shift, mask) in enumerate(self._bands)]


def _as_int(value: str | int) -> int:
    return value if isinstance(value, int) else int(value, 16)
