"""When an article was published and modified, from the most trusted source that says so.

Order of trust for ``published_at``: JSON-LD, then meta tags (Open Graph article:, itemprop, Dublin
Core, Parse.ly, Sailthru …), then a ``<time datetime>`` element, then the URL (``/2024/01/25/``), then
a date written in the visible text near the top. The feed item's date is the caller's fallback. Each
result names its source, which the article records in ``date_source``.

Strings are read by :mod:`wirewatch.core.dates`. The article's fields need aware datetimes, so a date
without a time (``2024-01-25``, a URL's ``/2024/01/25/``) is recorded as 00:00 UTC and a time without a
zone as UTC, as before; :class:`Dated` keeps the precision the page gave. Anything before 1990 or more
than a day after the fetch is a parsing accident or a future event, and is passed over.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lxml.html import HtmlElement

from wirewatch.core.dates import MONTHS, ParsedDate, Precision, find_date, read_date
from wirewatch.services.parser.structured import Structured

PUBLISHED_META = (
    "article:published_time", "og:published_time", "article:published", "datepublished",
    "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date",
    "dc.date.created", "dcterms.created", "pubdate", "publishdate", "publish-date", "publish_date",
    "article.published", "article_date_original", "date", "originalpublicationdate",
    "cxenseparse:recs:publishtime",
)  # fmt: skip
MODIFIED_META = (
    "article:modified_time", "og:updated_time", "article:modified", "datemodified", "dc.date.modified",
    "dcterms.modified", "lastmod", "last-modified", "article.updated", "sailthru.lastmodified",
)  # fmt: skip
_URL_DATE = re.compile(
    r"/(?P<year>(?:19|20)\d{2})[/-](?P<month>0?[1-9]|1[0-2])[/-](?P<day>0?[1-9]|[12]\d|3[01])(?:/|-|\.|$)"
    r"|/(?P<cyear>(?:19|20)\d{2})(?P<cmonth>0[1-9]|1[0-2])(?P<cday>0[1-9]|[12]\d|3[01])(?:/|-|\.|$)"
    r"|/(?P<nyear>(?:19|20)\d{2})/(?P<nmonth>[a-z]{3,9})/(?P<nday>0?[1-9]|[12]\d|3[01])(?:/|-|\.|$)",
    re.IGNORECASE,
)
_TEXT_SCAN = 4000
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_NO_TEXT = frozenset({"script", "style", "noscript", "template", "head", "title"})


@dataclass(frozen=True, slots=True)
class Dated:
    """A date, where it came from, and whether the page gave a time or only a day."""

    value: datetime
    source: str
    precision: Precision = "datetime"

    @classmethod
    def of(cls, parsed: ParsedDate, source: str) -> Dated:
        """The article's aware datetime for ``parsed``: a day is 00:00 UTC, a naive time is UTC."""
        return cls(parsed.as_datetime(), source, parsed.precision)


def published(tree: HtmlElement, structured: Structured, url: str, now: datetime) -> Dated | None:
    """The publication date by order of trust, or ``None`` if the page never says."""
    for found in _by_trust(tree, structured, url):
        if found is not None and plausible(found.value, now):
            return found
    return None


def _by_trust(tree: HtmlElement, structured: Structured, url: str) -> Iterator[Dated | None]:
    """Each source's answer in order of trust, computed only when the previous ones had none."""
    yield _from_jsonld(structured, ("datePublished", "dateCreated", "uploadDate"))
    yield _from_meta(structured, PUBLISHED_META)
    yield _from_time_elements(tree)
    yield _from_url(url)
    yield _from_text(tree)


def modified(structured: Structured, now: datetime) -> datetime | None:
    """The last-modified date from JSON-LD or meta tags, if the page states one."""
    found = _from_jsonld(structured, ("dateModified",)) or _from_meta(structured, MODIFIED_META)
    return found.value if found is not None and plausible(found.value, now) else None


def plausible(value: datetime | None, now: datetime) -> bool:
    """Between 1990 and a day after ``now``: anything else is a parsing accident or a future event."""
    return value is not None and EARLIEST <= value <= now + timedelta(days=1)


def _read(value: object) -> ParsedDate | None:
    """A date field's value: the whole string as a date, else the first date written inside it."""
    if not isinstance(value, str) or len(value) > 200:
        return None
    return read_date(value) or find_date(value)


def _from_jsonld(structured: Structured, keys: tuple[str, ...]) -> Dated | None:
    for key in keys:
        parsed = _read(structured.article.get(key))
        if parsed is not None:
            return Dated.of(parsed, "json-ld")
    return None


def _from_meta(structured: Structured, names: tuple[str, ...]) -> Dated | None:
    for name in names:
        for value in structured.all_meta(name):
            parsed = _read(value)
            if parsed is not None:
                return Dated.of(parsed, f"meta:{name}")
    return None


def _from_time_elements(tree: HtmlElement) -> Dated | None:
    times = [t for t in tree.iter("time") if t.get("datetime")]
    preferred = [t for t in times if t.get("itemprop") == "datePublished" or t.get("pubdate") is not None]
    for element in preferred + times:
        parsed = _read(element.get("datetime"))
        if parsed is not None:
            return Dated.of(parsed, "time-element")
    return None


def _from_url(url: str) -> Dated | None:
    match = _URL_DATE.search(url)
    if match is None:
        return None
    year, month, day = (
        match.group(n) or match.group(f"c{n}") or match.group(f"n{n}") for n in ("year", "month", "day")
    )
    number = int(month) if month.isdigit() else MONTHS.get(month.lower()[:3], 0)
    try:
        return Dated.of(ParsedDate(date(int(year), number, int(day)), "date"), "url")
    except ValueError:
        return None


def _from_text(tree: HtmlElement) -> Dated | None:
    body = tree.find("body")
    if body is None:
        return None
    text = " ".join(_visible_text(body, _TEXT_SCAN))
    found = find_date(text)
    return Dated.of(found, "text") if found is not None else None


def _visible_text(root: HtmlElement, limit: int) -> Iterator[str]:
    """Text and tails under ``root`` (roughly in order), without scripts and styles, up to ``limit`` chars."""
    seen = 0
    for element in root.iter():
        pieces = (
            element.text if element.tag not in _NO_TEXT else None,
            element.tail if element is not root else None,
        )
        for piece in pieces:
            if piece and piece.strip():
                seen += len(piece)
                yield piece.strip()
        if seen > limit:
            return
