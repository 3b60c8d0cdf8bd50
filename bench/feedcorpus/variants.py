"""Real-world variants beyond the issue's list, each seen in captured feeds: dates written the many ways RSS
feeds write them, feeds cut off mid-download, a stray windows-1252 byte in a UTF-8 feed, HTML entities that only
the Netscape DTD declares, and Atom titles in HTML or XHTML.

As everywhere in the corpus, the truth is what the feed means to a reader, not what a parser returns.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from bench.feedcorpus.build import make
from bench.feedcorpus.model import DAYS, MONTHS, CorpusFeed, Entry, Source, utc_truth

DateWriter = Callable[[datetime], str]
FULL_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FULL_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def variant_feeds() -> list[CorpusFeed]:
    """Every variant feed, in a fixed order."""
    return [*_date_variants(), *_truncated(), *_stray_bytes(), *_dtd_entities(), *_marked_up_titles()]


# 1. Dates -------------------------------------------------------------------------------------------------------------


def _rfc822(local: datetime, zone: str, *, weekday: bool = True, year_digits: int = 4, pad: bool = True) -> str:
    day = f"{local.day:02d}" if pad else str(local.day)
    hour = f"{local.hour:02d}" if pad else str(local.hour)
    year = f"{local.year:04d}"[-year_digits:]
    head = f"{DAYS[local.weekday()]}, " if weekday else ""
    return f"{head}{day} {MONTHS[local.month - 1]} {year} {hour}:{local:%M:%S} {zone}"


def _in(hours: float) -> Callable[[datetime], datetime]:
    return lambda moment: moment.astimezone(timezone(timedelta(hours=hours)))


DATE_VARIANTS: dict[str, tuple[str, DateWriter]] = {  # name → (style, writer of the date for an instant)
    "zone-est": ("hugo", lambda m: _rfc822(_in(-5)(m), "EST")),
    "zone-pdt": ("agency", lambda m: _rfc822(_in(-7)(m), "PDT")),
    "zone-ut": ("gov_rss", lambda m: _rfc822(_in(0)(m), "UT")),
    "zone-z": ("podcast", lambda m: _rfc822(_in(0)(m), "Z")),
    "no-weekday": ("newspaper", lambda m: _rfc822(_in(1)(m), "+0100", weekday=False)),
    "two-digit-year": ("hugo", lambda m: _rfc822(_in(0)(m), "GMT", year_digits=2)),
    "unpadded": ("agency", lambda m: _rfc822(_in(0)(m), "GMT", pad=False)),
    "iso-in-pubdate": ("wordpress", lambda m: _in(1)(m).isoformat(timespec="seconds")),
    "lowercase": ("gov_rss", lambda m: _rfc822(_in(0)(m), "gmt").lower()),
    "full-names": (
        "newspaper",
        lambda m: f"{FULL_DAYS[m.weekday()]}, {m.day:02d} {FULL_MONTHS[m.month - 1]} {m:%Y %H:%M:%S} GMT",
    ),
    "zone-comment": ("hugo", lambda m: _rfc822(_in(0)(m), "+0000 (UTC)")),
    "iso-fraction": ("jekyll", lambda m: m.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.123456Z")),
}


def _dated(writer: DateWriter) -> Callable[[list[Entry], Source, random.Random], None]:
    def edit(entries: list[Entry], source: Source, rng: random.Random) -> None:
        for entry in entries:
            assert entry.moment is not None
            entry.date_text, entry.truth_date, entry.extra_date = writer(entry.moment), utc_truth(entry.moment), None

    return edit


def _date_variants() -> list[CorpusFeed]:
    """One feed per way of writing a date that RFC 822 or ISO 8601 allow, or that feeds use anyway."""
    return [
        make(f"datevariant-{name}-{style}", "date-variant", style, "en", edit_entries=_dated(writer))
        for name, (style, writer) in DATE_VARIANTS.items()
    ]


# 2. Bytes and markup --------------------------------------------------------------------------------------------------


def _truncated() -> list[CorpusFeed]:
    """A download cut off halfway: the items before the cut are whole and must be read; the cut one has no link."""

    def cut(closer: str, opener: str) -> Callable[[str], str]:
        def edit(text: str) -> str:
            keep = text.count(closer) // 2
            position = -1
            for _ in range(keep):
                position = text.index(closer, position + 1)
            return text[: position + len(closer)] + f"\n{opener}<title>Breaking: the next st"

        return edit

    cases = [("hugo", "</item>", "<item>"), ("wordpress", "</item>", "<item>"), ("gov_atom", "</entry>", "<entry>")]
    feeds = []
    for style, closer, opener in cases:
        feed = make(f"truncated-{style}", "truncated", style, "en", items=(6, 20), edit_text=cut(closer, opener))
        feed.expected = feed.expected[: len(feed.expected) // 2]
        feeds.append(feed)
    return feeds


def _nth_replaced(body: bytes, old: bytes, new: bytes, nth: int) -> bytes:
    position = -1
    for _ in range(nth):
        position = body.index(old, position + 1)
    return body[:position] + new + body[position + len(old) :]


def _stray_bytes() -> list[CorpusFeed]:
    """A UTF-8 feed with one windows-1252 byte pasted into an item's description (``It’s`` as ``It\\x92s``)."""
    feeds = []
    for style, language in [("agency", "fr"), ("hugo", "de"), ("newspaper", "pt")]:
        feed = make(f"straybyte-{style}-{language}", "stray-byte", style, language)
        feed.body = _nth_replaced(feed.body, b"<description>", b"<description>It\x92s ", 3)
        feeds.append(feed)
    return feeds


HTML_ENTITIES = {"é": "&eacute;", "è": "&egrave;", "à": "&agrave;", "ç": "&ccedil;", "ã": "&atilde;", "á": "&aacute;"}


def _dtd_entities() -> list[CorpusFeed]:
    """RSS 0.91 with the Netscape DTD, its accented letters written as the HTML entities that DTD declares."""

    def entities(text: str) -> str:
        head, _, body = text.partition("<item>")
        return head + "<item>" + "".join(HTML_ENTITIES.get(ch, ch) for ch in body)

    return [
        make(f"dtdentities-rss091-{language}", "dtd-entities", "rss091", language, edit_text=entities)
        for language in ("fr", "es", "pt")
    ]


def _marked_up_titles() -> list[CorpusFeed]:
    """Atom titles of type ``html`` (escaped markup) and ``xhtml`` (inline XHTML): the truth is their text."""

    def exclusive(entries: list[Entry], source: Source, rng: random.Random) -> None:
        for entry in entries:
            entry.title = f"Exclusive: {entry.title}"

    def as_html(text: str) -> str:
        return text.replace("<title>Exclusive: ", '<title type="html">&lt;em&gt;Exclusive&lt;/em&gt;: ')

    def as_xhtml(text: str) -> str:
        return re.sub(
            r"<title>Exclusive: ([^<]*)</title>",
            r'<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><em>Exclusive</em>: \1</div></title>',
            text,
        )

    return [
        make(
            "titlemarkup-html-gov_atom-en", "title-markup", "gov_atom", "en", edit_entries=exclusive, edit_text=as_html
        ),
        make(
            "titlemarkup-html-gov_atom-fr", "title-markup", "gov_atom", "fr", edit_entries=exclusive, edit_text=as_html
        ),
        make(
            "titlemarkup-xhtml-gov_atom-en",
            "title-markup",
            "gov_atom",
            "en",
            edit_entries=exclusive,
            edit_text=as_xhtml,
        ),
    ]
