"""Build one corpus feed: a source, its entries with their truth, written in a style, encoded as asked."""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from bench.feedcorpus.model import DATE_STYLES, CorpusFeed, Entry, Expected, Source, date_only, encoded, utc_truth
from bench.feedcorpus.styles import STYLES
from bench.feedcorpus.texts import headline, slug

EntryEdit = Callable[[list[Entry], Source, random.Random], None]
TextEdit = Callable[[str], str]

OFFSETS = {
    "en": -5.0, "fr": 1.0, "es": 1.0, "pt": -3.0, "de": 1.0, "ar": 3.0, "ru": 3.0, "ja": 9.0, "zh": 8.0,
    "th": 7.0, "he": 2.0, "ko": 9.0,
}  # fmt: skip
BRANDS = {
    "en": "Courier", "fr": "La Gazette", "es": "El Diario", "pt": "Folha Regional", "de": "Tageblatt",
    "ar": "Al-Akhbar Daily", "ru": "Vesti Region", "ja": "Shimbun Online", "zh": "Ribao Net", "th": "Khao Daily",
    "he": "HaYom News", "ko": "Ilbo Online",
}  # fmt: skip
AUTHORS = ["Maria Lopes", "John Okoro", "Anna Weber", "Karim Haddad", "Yuki Sato", "Li Wei", "Olga Petrova"]
BASE = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)


def fitting(language: str, encoding: str, rng: random.Random) -> str:
    """A headline whose every character the encoding can write (the truth is only what the bytes can carry)."""
    for _attempt in range(200):
        text = headline(language, rng)
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            continue
        return text
    raise ValueError(f"no {language} headline fits {encoding}")


def make(
    name: str,
    family: str,
    style_name: str,
    language: str,
    *,
    encoding: str = "utf-8",
    declared: str | None = "UTF-8",
    header: str | None = None,
    bom: bool = False,
    lead: str = "",
    items: tuple[int, int] = (3, 20),
    edit_entries: EntryEdit | None = None,
    edit_text: TextEdit | None = None,
    gzipped: bool = False,
    note: str = "",
) -> CorpusFeed:
    """One feed, the same bytes for the same arguments on every run."""
    rng = random.Random(f"feedcorpus:{name}")
    style = STYLES[style_name]
    host = f"{name.replace('_', '-')}.example"
    source = Source(
        title=f"{BRANDS[language]} {name.split('-')[-1].title()}",
        host=host,
        language=language,
        description=fitting(language, encoding, rng),
        offset_h=OFFSETS[language],
    )
    entries = [_entry(number, source, style_name, encoding, rng) for number in range(1, rng.randint(*items) + 1)]
    if edit_entries is not None:
        edit_entries(entries, source, rng)
    text = style.writer(source, entries)
    if edit_text is not None:
        text = edit_text(text)
    body = encoded(text, encoding, declared=None if style.format.startswith("json") else declared, bom=bom, lead=lead)
    if gzipped:
        body = gzip.compress(body, mtime=0)
    content_type = style.content_type + (f"; charset={header}" if header else "")
    return CorpusFeed(
        name=name,
        family=family,
        format=style.format,
        language=language,
        encoding=encoding,
        url=source.feed_url,
        content_type=content_type,
        body=body,
        expected=[Expected(e.link, e.title, e.truth_date) for e in entries],
        note=note,
    )


def _entry(number: int, source: Source, style_name: str, encoding: str, rng: random.Random) -> Entry:
    style = STYLES[style_name]
    title = fitting(source.language, encoding, rng)
    seconds = 0 if style.dates == "iso_minutes" else rng.randint(0, 59)
    moment = BASE - timedelta(minutes=41 * number + rng.randint(0, 30), seconds=seconds)
    link = style.link(source.host, slug(title, number), number)
    entry = Entry(
        number=number,
        link=link,
        title=title if style.titles else None,
        summary=fitting(source.language, encoding, rng),
        author=rng.choice(AUTHORS),
        moment=moment,
        written_link=urlsplit(link).path if style.relative_links else "",
    )
    set_date(entry, style.dates, source)
    if style.extra_dates is not None:
        entry.extra_date = DATE_STYLES[style.extra_dates](moment + timedelta(hours=2), source.zone)
    return entry


def set_date(entry: Entry, dates: str | None, source: Source) -> None:
    """Write ``entry``'s date in the style ``dates`` and record its truth."""
    if dates is None or entry.moment is None:
        entry.date_text, entry.truth_date = None, None
    elif dates == "date_only":
        entry.date_text = entry.truth_date = date_only(entry.moment, source.zone)
    else:
        entry.date_text = DATE_STYLES[dates](entry.moment, source.zone)
        entry.truth_date = utc_truth(entry.moment)
