"""The corpus's data: a feed's source, its entries with their truth, a built feed, and how dates and bytes are
written."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class Source:
    """Who publishes the feed and where."""

    title: str
    host: str
    language: str
    description: str
    offset_h: float  # the publisher's UTC offset, for the dates it writes in local time

    @property
    def site(self) -> str:
        return f"https://{self.host}/"

    @property
    def feed_url(self) -> str:
        return f"https://{self.host}/feed.xml"

    @property
    def zone(self) -> timezone:
        return timezone(timedelta(hours=self.offset_h))


@dataclass(slots=True)
class Entry:
    """One item as a writer writes it (``written_link``, ``date_text``) and as the truth has it (the rest)."""

    number: int
    link: str
    title: str | None
    summary: str
    author: str
    moment: datetime | None
    written_link: str = ""
    date_text: str | None = None
    extra_date: str | None = None  # an updated/modified date some styles write beside the published one
    truth_date: str | None = None  # "2024-03-05T08:30:00Z", a date-only "2024-03-05", or None

    def __post_init__(self) -> None:
        self.written_link = self.written_link or self.link


@dataclass(frozen=True, slots=True)
class Expected:
    """What a reader of the document should get for one item: the truth written with it."""

    link: str
    title: str | None
    date: str | None

    def as_json(self) -> dict[str, str | None]:
        return {"link": self.link, "title": self.title, "date": self.date}


@dataclass(slots=True)
class CorpusFeed:
    """One document of the corpus, the HTTP header it comes with, and its expected items."""

    name: str
    family: str  # the publisher style or the failure kind it stands for
    format: (
        str  # rss2, rss091, rss092, rdf10, rss090, atom10, atom03, json10, json11, sitemap, news_sitemap, sitemap_index
    )
    language: str
    encoding: str
    url: str
    content_type: str
    body: bytes
    expected: list[Expected]
    note: str = ""
    tags: list[str] = field(default_factory=list)

    @property
    def filename(self) -> str:
        ext = "json" if self.format.startswith("json") else "xml"
        return f"{self.name}.{ext}.gz" if self.body.startswith(b"\x1f\x8b") else f"{self.name}.{ext}"

    @property
    def charset(self) -> str | None:
        _, _, param = self.content_type.partition("charset=")
        return param.strip() or None


# 1. Dates, written the ways feeds write them --------------------------------------------------------------------------


def utc_truth(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc822_gmt(moment: datetime, zone: timezone) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def rfc822_utc_numeric(moment: datetime, zone: timezone) -> str:
    return format_datetime(moment.astimezone(UTC))  # "+0000", as WordPress writes


def rfc822_local(moment: datetime, zone: timezone) -> str:
    return format_datetime(moment.astimezone(zone))


def rfc822_short_day(moment: datetime, zone: timezone) -> str:
    """``Tue, 5 Mar 2024 06:00:00 -0500``: a one-digit day, as podcast hosts write it."""
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    return f"{DAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local:%Y %H:%M:%S} {offset}"


def iso_z(moment: datetime, zone: timezone) -> str:
    return utc_truth(moment)


def iso_local(moment: datetime, zone: timezone) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


def iso_millis(moment: datetime, zone: timezone) -> str:
    return moment.astimezone(zone).isoformat(timespec="milliseconds")


def iso_minutes(moment: datetime, zone: timezone) -> str:
    """W3C datetime without seconds (``2024-03-05T09:30+01:00``), common in sitemaps."""
    return moment.astimezone(zone).isoformat(timespec="minutes")


DATE_STYLES = {
    "rfc822_gmt": rfc822_gmt,
    "rfc822_utc": rfc822_utc_numeric,
    "rfc822_local": rfc822_local,
    "rfc822_short_day": rfc822_short_day,
    "iso_z": iso_z,
    "iso_local": iso_local,
    "iso_millis": iso_millis,
    "iso_minutes": iso_minutes,
}


def date_only(moment: datetime, zone: timezone) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d}"


# 2. Bytes ----------------------------------------------------------------------------------------------------


def encoded(
    text: str,
    encoding: str,
    *,
    declared: str | None,
    bom: bool = False,
    lead: str = "",
    standalone: bool = False,
) -> bytes:
    """``text`` as the bytes of ``encoding``, after an XML declaration naming ``declared`` (``""``: a declaration
    without an encoding; ``None``: no declaration) and ``lead`` (what some servers put before the declaration).

    Raises ``UnicodeEncodeError`` when the text does not fit the encoding: the corpus never writes a character
    its truth would not have.
    """
    if declared is None:
        declaration = ""
    elif declared == "":
        declaration = '<?xml version="1.0"?>\n'
    else:
        extra = ' standalone="yes"' if standalone else ""
        declaration = f'<?xml version="1.0" encoding="{declared}"{extra}?>\n'
    data = (lead + declaration + text).encode(encoding)
    if bom and encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
        data = codecs.BOM_UTF8 + data
    return data
