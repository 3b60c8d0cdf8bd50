"""When an article was published and modified: the most trusted date on the page, with the offset it really has.

Sources by trust: JSON-LD, meta tags (Open Graph article:, itemprop, Dublin Core, Parse.ly, Sailthru …),
``<time>`` elements, then — only when none of those says — the URL (``/2024/01/25/``) and a dateline in the
visible text (:mod:`~wirewatch.services.parser.datelines`). ``<time>`` elements and text inside captions,
related-article lists, sidebars and comment sections are never read (:mod:`~wirewatch.services.parser.regions`).
The feed item's date is the caller's fallback. Each result names its source (``date_source``).

Offsets, decided here and recorded in ``published_zone``:

* ``stated``: the most trusted source whose value carries an offset wins, when it falls within a day of the
  most trusted value (a JSON-LD ``2024-03-14T09:30:00`` and an ``article:published_time`` of
  ``…09:30:00+05:30`` give 04:00 UTC);
* ``borrowed``: a time without an offset takes the offset of another date on the same page (the modified
  time, say), and the source says so (``json-ld+offset:meta:article:modified_time``);
* ``unknown``: with no offset anywhere on the page, the wall-clock time is stored as if it were UTC, a
  warning is logged, and ``published_zone`` says it is unknown — never silently UTC.

A date without a time (``2024-03-14``, a URL's day) has ``published_precision = "day"``: ``published_at`` is
that day's 00:00 UTC, which stands for the day and is not a time (the wire field must be an aware
datetime; the precision tells every reader so). Clock times are ``minute`` or ``second`` as written.
Anything before 1990 or more than a day after the fetch is a parsing accident or a future event.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import islice
from typing import Literal

from lxml.html import HtmlElement

from wirewatch.core.dates import MONTHS, ParsedDate, read_date
from wirewatch.services.parser.datelines import find_dateline
from wirewatch.services.parser.regions import article_text, in_furniture
from wirewatch.services.parser.structured import Structured

log = logging.getLogger(__name__)

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
_SECONDS = re.compile(r"\d[:.]\d{2}:\d{2}|T\d{6}|^\s*\d{10}(?:\d{3})?\s*$")
_TEXT_SCAN = 4000
_MAX_TIMES = 50
_MAX_TIME_ELEMENTS = 500  # a page of 100,000 <time> elements in a related list is not walked whole
_MAX_VALUE = 200
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
ArticlePrecision = Literal["day", "minute", "second"]
Zone = Literal["stated", "borrowed", "unknown"]


@dataclass(frozen=True, slots=True)
class Found:
    """One source's reading of a date, before the page's sources are weighed against each other."""

    parsed: ParsedDate
    source: str
    precision: ArticlePrecision

    @classmethod
    def read(cls, text: object, source: str) -> Found | None:
        """A date field's whole value (or the first dateline inside it), ``None`` if it holds none."""
        if not isinstance(text, str) or len(text) > _MAX_VALUE:
            return None
        parsed = read_date(text)
        if parsed is None:
            line = find_dateline(text)
            return cls.of(line.parsed, source, line.text) if line is not None else None
        return cls.of(parsed, source, text)

    @classmethod
    def of(cls, parsed: ParsedDate, source: str, text: str) -> Found:
        if parsed.precision == "date":
            return cls(parsed, source, "day")
        return cls(parsed, source, "second" if _SECONDS.search(text) else "minute")

    @property
    def zone(self) -> tzinfo | None:
        value = self.parsed.value
        return value.tzinfo if isinstance(value, datetime) else None

    @property
    def day(self) -> date:
        """The calendar day as the page wrote it (in its own offset)."""
        value = self.parsed.value
        return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True, slots=True)
class Dated:
    """The article's date: an aware datetime, where it came from, its precision and its offset's provenance."""

    value: datetime
    source: str
    precision: ArticlePrecision = "second"
    zone: Zone | None = "stated"


def published(tree: HtmlElement, structured: Structured, url: str, now: datetime) -> Dated | None:
    """The publication date (see the module docstring for how sources and offsets are weighed)."""
    found = [f for f in _markup_dates(tree, structured) if plausible(f.parsed.as_datetime(), now)]
    if not found:
        found = [
            f for f in (_from_url(url), _from_text(tree)) if f is not None and plausible(f.parsed.as_datetime(), now)
        ]
    if not found:
        return None
    best = found[0]
    stated = next((f for f in found if f.zone is not None and abs(f.day - best.day) <= timedelta(days=1)), None)
    if stated is not None:
        return Dated(stated.parsed.as_datetime(), stated.source, stated.precision, "stated")
    if best.precision == "day":
        return Dated(best.parsed.as_datetime(), best.source, "day", None)
    return _with_borrowed_offset(best, _offsets(structured, found), url)


def modified(structured: Structured, now: datetime, published_at: Dated | None = None) -> datetime | None:
    """The last-modified date from JSON-LD or meta tags; a time without offset takes the published date's."""
    stated = _dates_in(structured, ("dateModified",), MODIFIED_META)
    if not stated:
        return None
    found = stated[0]
    zone = published_at.value.tzinfo if published_at is not None and published_at.zone != "unknown" else None
    value = found.parsed.as_datetime(zone or UTC)
    return value if plausible(value, now) else None


def plausible(value: datetime | None, now: datetime) -> bool:
    """Between 1990 and a day after ``now``: anything else is a parsing accident or a future event."""
    return value is not None and EARLIEST <= value <= now + timedelta(days=1)


def _markup_dates(tree: HtmlElement, structured: Structured) -> list[Found]:
    """Every published date the markup states, by trust: JSON-LD, meta tags, then ``<time>`` elements."""
    stated = list(_dates_in(structured, ("datePublished", "dateCreated", "uploadDate"), PUBLISHED_META))
    return stated + _from_time_elements(tree)


def _dates_in(structured: Structured, keys: tuple[str, ...], meta_names: tuple[str, ...]) -> list[Found]:
    found = [Found.read(structured.article.get(key), "json-ld") for key in keys]
    found += [Found.read(value, f"meta:{name}") for name in meta_names for value in structured.all_meta(name)]
    return [f for f in found if f is not None]


def _from_time_elements(tree: HtmlElement) -> list[Found]:
    times = [t for t in islice(tree.iter("time"), _MAX_TIME_ELEMENTS) if not in_furniture(t)][:_MAX_TIMES]
    preferred = [t for t in times if t.get("itemprop") == "datePublished" or t.get("pubdate") is not None]
    found = (Found.read(t.get("datetime") or t.text_content(), "time-element") for t in preferred + times)
    return [f for f in found if f is not None]


def _offsets(structured: Structured, found: list[Found]) -> list[Found]:
    """Other dates on the page that state an offset a zone-less time may take: modified dates first."""
    modified_dates = _dates_in(structured, ("dateModified",), MODIFIED_META)
    return [f for f in modified_dates + found if f.zone is not None]


def _with_borrowed_offset(best: Found, others: list[Found], url: str) -> Dated:
    naive = best.parsed.as_datetime()
    for other in others:
        zone = other.zone
        if zone is not None:
            value = naive.replace(tzinfo=zone)
            return Dated(value, f"{best.source}+offset:{other.source}", best.precision, "borrowed")
    log.warning("published time %s of %s has no offset anywhere on the page: stored as if UTC", naive, url)
    return Dated(naive, best.source, best.precision, "unknown")


def _from_url(url: str) -> Found | None:
    match = _URL_DATE.search(url)
    if match is None:
        return None
    year, month, day = (
        match.group(n) or match.group(f"c{n}") or match.group(f"n{n}") for n in ("year", "month", "day")
    )
    number = int(month) if month.isdigit() else MONTHS.get(month.lower()[:3], 0)
    try:
        return Found(ParsedDate(date(int(year), number, int(day)), "date"), "url", "day")
    except ValueError:
        return None


def _from_text(tree: HtmlElement) -> Found | None:
    body = tree.find("body")
    if body is None:
        return None
    line = find_dateline(" ".join(article_text(body, _TEXT_SCAN)))
    return Found.of(line.parsed, "text", line.text) if line is not None else None
