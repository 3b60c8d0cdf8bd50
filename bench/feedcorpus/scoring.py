"""How a parser's items are held against the corpus's truth: matching, normalising, counting.

Items are matched to the expected ones by link first, then by title, then by position, so one lost item costs
one item, not every item after it. A title agrees when both are the same text after dropping markup tags and
control characters and collapsing whitespace (``AT&amp;T`` is not ``AT&T``: references are not decoded here).
A date agrees when it is the same instant to the second in UTC; a date-only truth needs the same calendar day;
a truth of no date needs no date.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.feedcorpus.model import CorpusFeed, Expected

_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Got:
    """One item as a parser returned it."""

    link: str | None
    title: str | None
    date: datetime | None


@dataclass(slots=True)
class FeedResult:
    """One parser on one feed: what it returned, or the error it raised, held against the truth."""

    feed: CorpusFeed
    got: list[Got]
    error: str | None = None  # a modelled error (the parser's own), the feed unread
    crash: str | None = None  # an uncaught exception of any other kind
    seconds: float = 0.0
    matched: int = 0
    links: int = 0
    titles: int = 0
    dates: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def count_ok(self) -> bool:
        return self.error is None and self.crash is None and len(self.got) == len(self.feed.expected)

    @property
    def perfect(self) -> bool:
        expected = len(self.feed.expected)
        return self.count_ok and self.links == self.titles == self.dates == expected


def normal_title(title: str | None) -> str | None:
    if title is None:
        return None
    text = _CONTROLS.sub("", _TAG.sub("", unicodedata.normalize("NFC", title)))
    return " ".join(text.split()) or None


def date_agrees(truth: str | None, got: datetime | None) -> bool:
    if truth is None or got is None:
        return truth is None and got is None
    moment = got if got.tzinfo is not None else got.replace(tzinfo=UTC)
    if len(truth) == 10:
        return moment.astimezone(UTC).date().isoformat() == truth
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") == truth


def score(result: FeedResult) -> FeedResult:
    """Fill ``result``'s agreement counts and its list of misses."""
    pairs = _match(result.feed.expected, result.got)
    for want, got in pairs:
        if got is None:
            result.misses.append(f"item lost: {want.link}")
            continue
        result.matched += 1
        if (got.link or "").strip() == want.link:
            result.links += 1
        else:
            result.misses.append(f"link {want.link!r} → {got.link!r}")
        if normal_title(got.title) == normal_title(want.title):
            result.titles += 1
        else:
            result.misses.append(f"title {want.title!r} → {got.title!r}")
        if date_agrees(want.date, got.date):
            result.dates += 1
        else:
            result.misses.append(f"date {want.date} → {got.date.isoformat() if got.date else None}")
    if len(result.got) > len(result.feed.expected):
        result.misses.append(f"{len(result.got) - len(result.feed.expected)} items more than the feed has")
    return result


def _match(expected: list[Expected], got: list[Got]) -> list[tuple[Expected, Got | None]]:
    free = dict(enumerate(got))
    by_link: dict[str, list[int]] = {}
    by_title: dict[str | None, list[int]] = {}
    for number, item in free.items():
        by_link.setdefault((item.link or "").strip(), []).append(number)
        by_title.setdefault(normal_title(item.title), []).append(number)
    chosen: list[int | None] = []
    for position, want in enumerate(expected):
        index: int | None = _take(by_link.get(want.link, []), free)
        if index is None and want.title is not None:
            index = _take(by_title.get(normal_title(want.title), []), free)
        if index is None and position in free:
            index = position
        if index is not None:
            free.pop(index, None)
        chosen.append(index)
    return [(want, got[index] if index is not None else None) for want, index in zip(expected, chosen, strict=True)]


def _take(candidates: list[int], free: dict[int, Got]) -> int | None:
    return next((index for index in candidates if index in free), None)


@dataclass(slots=True)
class Totals:
    """Agreement over many feeds."""

    feeds: int = 0
    read: int = 0
    count_ok: int = 0
    perfect: int = 0
    expected: int = 0
    got: int = 0
    matched: int = 0
    links: int = 0
    titles: int = 0
    dates: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)

    def add(self, result: FeedResult) -> None:
        self.feeds += 1
        self.read += result.error is None and result.crash is None
        self.count_ok += result.count_ok
        self.perfect += result.perfect
        self.expected += len(result.feed.expected)
        self.got += len(result.got)
        self.matched += result.matched
        self.links += result.links
        self.titles += result.titles
        self.dates += result.dates
        self.seconds += result.seconds
        if result.error is not None:
            self.errors.append(f"{result.feed.name}: {result.error}")
        if result.crash is not None:
            self.crashes.append(f"{result.feed.name}: {result.crash}")

    def share(self, part: int) -> float:
        return part / self.expected if self.expected else 1.0


def totals(results: list[FeedResult]) -> Totals:
    total = Totals()
    for result in results:
        total.add(result)
    return total
