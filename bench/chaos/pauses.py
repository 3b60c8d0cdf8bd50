"""The longest pause in indexing during a drill: the article index is counted every half second beside how
many of the corpus's articles were published by then, and a pause is a stretch in which articles were
waiting to become searchable and none did.

A stretch in which everything published was already searchable is idleness, not a pause, and ends one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings


@dataclass(frozen=True)
class Sample:
    at: float  # seconds since the drill started
    indexed: int  # corpus articles searchable
    published: int  # corpus articles in their feeds


@dataclass(frozen=True)
class Pause:
    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


def stretches(samples: Sequence[Sample]) -> list[Pause]:
    """Every stretch between two samples over which the count did not grow while articles waited, in order. A
    stretch runs from the last growth (or the moment work appeared) to the next growth, or to the last sample
    if none came."""
    found: list[Pause] = []
    start: float | None = None
    last_indexed = -1
    for sample in samples:
        waiting = sample.indexed < sample.published
        if sample.indexed != last_indexed or not waiting:
            if start is not None and sample.at > start:
                found.append(Pause(start, sample.at))
            start = sample.at if waiting else None
        elif start is None:
            start = sample.at
        last_indexed = sample.indexed
    if start is not None and samples and samples[-1].at > start:
        found.append(Pause(start, samples[-1].at))
    return found


def longest_pause(samples: Sequence[Sample]) -> Pause | None:
    """The longest of :func:`stretches`; None when articles never waited."""
    return max(stretches(samples), key=lambda pause: pause.length, default=None)


def longest_pauses(samples: Sequence[Sample], n: int) -> list[Pause]:
    """The ``n`` longest stretches, longest first."""
    return sorted(stretches(samples), key=lambda pause: -pause.length)[:n]


@dataclass
class IndexingTimeline:
    """Samples the article index while a drill runs; ``published`` says how many corpus articles are out."""

    settings: CommonSettings
    corpus_ids: Collection[str]
    published: Callable[[], int]
    started: float
    every_s: float = 0.5
    timeout_s: float = 5.0
    samples: list[Sample] = field(default_factory=list)
    #: (s since start, what went wrong) for each count the cluster did not answer in time
    unanswered: list[tuple[float, str]] = field(default_factory=list)

    async def run(self) -> None:
        """Until cancelled. A count the cluster does not answer within ``timeout_s`` is noted in ``unanswered``
        and leaves a gap in the samples (growth is seen at the next answer)."""
        es = make_es(self.settings, timeout=self.timeout_s)
        query = {"terms": {"id": list(self.corpus_ids)}}
        try:
            while True:
                published = self.published()
                try:
                    found = await asyncio.wait_for(
                        es.count(index=self.settings.index_name("articles"), query=query), self.timeout_s * 2
                    )
                    self.samples.append(Sample(time.monotonic() - self.started, int(found["count"]), published))
                except Exception as exc:  # a node away: noted, and the next sample tells
                    self.unanswered.append((time.monotonic() - self.started, f"{type(exc).__name__}: {exc}"[:200]))
                await asyncio.sleep(self.every_s)
        finally:
            await es.close()

    def unanswered_line(self) -> str:
        if not self.unanswered:
            return "index counts unanswered: 0"
        first, last = self.unanswered[0], self.unanswered[-1]
        return (
            f"index counts unanswered: {len(self.unanswered)} of {len(self.unanswered) + len(self.samples)}, "
            f"from {first[0]:.0f} s to {last[0]:.0f} s (first: {first[1]}; last: {last[1]})"
        )
