"""An article's timeline: when it passed each stage, carried on its messages stage to stage.

Every stamp is optional, so a message written before a stage existed (or before timelines) still validates.
The stamps, in pipeline order:

- ``appeared``: the fetcher first saw the item (the poll response or WebSub push listing it; never the
  feed's own date for the item, which the publisher sets);
- ``fetched``: its page was fetched; ``parsed``: cleaned; ``extracted``: enriched with entities;
- ``indexed``: Elasticsearch acknowledged the bulk request holding it; ``searchable``: the indexer's refresh
  (and its stories' update) was over, so a search finds it;
- ``alerted``: an alert it fired was recorded (the alerter's histograms; the article itself is not rewritten).

A *hop* is the time between two stamps (:data:`HOPS`): each consecutive pair, plus the end-to-end ones.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Literal

from wirewatch.schemas._base import AwareDatetime, Message

Stamp = Literal["appeared", "fetched", "parsed", "extracted", "indexed", "searchable", "alerted"]
#: the stamps in pipeline order
STAMPS: tuple[Stamp, ...] = ("appeared", "fetched", "parsed", "extracted", "indexed", "searchable", "alerted")


def hop_name(start: Stamp, end: Stamp) -> str:
    return f"{start}_{end}"


#: ``name → (from, to)``: every consecutive pair of stamps, then appearance → searchable and → alerted
HOPS: dict[str, tuple[Stamp, Stamp]] = {
    **{hop_name(a, b): (a, b) for a, b in pairwise(STAMPS)},
    "appeared_searchable": ("appeared", "searchable"),
    "appeared_alerted": ("appeared", "alerted"),
}

#: the stamp each stage sets (tests/contract/test_timelines.py checks every stage of the registry has one)
STAGE_STAMPS: dict[str, tuple[Stamp, ...]] = {
    "fetcher": ("appeared", "fetched"),
    "parser": ("parsed",),
    "extractor": ("extracted",),
    "indexer": ("indexed", "searchable"),
    "alerter": ("alerted",),
}


class Timeline(Message):
    """When one article passed each stage (aware datetimes; None: not yet, or not known)."""

    appeared: AwareDatetime | None = None
    fetched: AwareDatetime | None = None
    parsed: AwareDatetime | None = None
    extracted: AwareDatetime | None = None
    indexed: AwareDatetime | None = None
    searchable: AwareDatetime | None = None
    alerted: AwareDatetime | None = None

    def stamped(self, **stamps: datetime) -> Timeline:
        """A copy with these stamps set (the message a stage sends on carries the copy)."""
        return self.model_copy(update=stamps)

    def hops_ending(self, stamp: Stamp) -> dict[str, float]:
        """Seconds of every hop that ends at ``stamp`` and whose both ends are known."""
        seconds: dict[str, float] = {}
        for name, (start, end) in HOPS.items():
            began, ended = getattr(self, start), getattr(self, end)
            if end == stamp and began is not None and ended is not None:
                seconds[name] = (ended - began).total_seconds()
        return seconds
