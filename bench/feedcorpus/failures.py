"""The failure kinds of issue 15, each as a handful of corpus feeds.

Failure cases keep every item readable to a person: the truth is what the feed means (``AT&T``, the item after
an unclosed ``<br>``, the date with its ``+05:30`` offset, no date for the year 99999999999), never what a
parser happens to return.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from bench.feedcorpus.build import make, set_date
from bench.feedcorpus.formats import DCTERMS
from bench.feedcorpus.model import MONTHS, CorpusFeed, Entry, Source


def failure_feeds() -> list[CorpusFeed]:
    """One group of feeds per failure kind the issue lists, in a fixed order."""
    return [
        *_unknown_encodings(),
        *_absurd_dates(),
        *_colon_offsets(),
        *_one_digit_hours(),
        *_dcterms_only(),
        *_entity_refs(),
        *_unclosed_tags(),
        *_control_characters(),
        *_newline_before_declaration(),
        *_latin1_without_declaration(),
        *_portuguese(),
        *_legacy_without_declaration(),
    ]


def _unknown_encodings() -> list[CorpusFeed]:
    """Labels Python's codecs do not know or that are not text encodings; the bytes are in the encoding meant."""
    cases = [
        ("windows-874", "th", "cp874", "agency"),
        ("windows-874", "th", "cp874", "blogger"),
        ("iso-8859-8-i", "he", "iso-8859-8", "newspaper"),
        ("iso-8859-8-i", "he", "iso-8859-8", "ngo_rdf"),
        ("x-mac-roman", "fr", "mac_roman", "wordpress"),
        ("macintosh", "fr", "mac_roman", "hugo"),
        ("base64", "en", "utf-8", "agency"),
        ("idna", "de", "utf-8", "jekyll"),
        ("utf-7", "en", "utf-8", "gov_rss"),
        ("bogus-charset-1", "es", "utf-8", "drupal"),
        ("utf8mb4", "pt", "utf-8", "ghost"),
        ("ISO-8859-1x", "en", "utf-8", "rss091"),
    ]
    return [
        make(
            f"unknownenc-{style}-{re.sub('[^a-z0-9]', '', label.lower())}",
            "unknown-encoding",
            style,
            language,
            encoding=codec,
            declared=label,
            note=f'encoding="{label}" declared; the bytes are {codec}',
        )
        for label, language, codec, style in cases
    ]


def _every_other(text_for: Callable[[Entry], str]) -> Callable[[list[Entry], Source, random.Random], None]:
    def edit(entries: list[Entry], source: Source, rng: random.Random) -> None:
        for entry in entries[1::2]:
            entry.date_text, entry.truth_date = text_for(entry), None

    return edit


def _absurd_dates() -> list[CorpusFeed]:
    """Every other item carries a date no calendar has: the item stays, its date is none."""
    cases: list[tuple[str, str, Callable[[Entry], str]]] = [
        ("agency", "offset9900", lambda e: "Tue, 05 Mar 2024 10:00:00 +9900"),
        ("wordpress", "year99999999999", lambda e: "Sat, 01 Jan 99999999999 00:00:00 GMT"),
        ("jekyll", "isoyear99999999999", lambda e: "99999999999-03-05T10:00:00Z"),
        ("gov_atom", "isooffset9900", lambda e: "2024-03-05T10:00:00+99:00"),
        ("json11", "jsonyear99999999999", lambda e: "99999999999-01-01T00:00:00Z"),
        ("ngo_rdf", "month13", lambda e: "2024-13-45T25:61:00Z"),
        ("hugo", "year0", lambda e: "Tue, 05 Mar 0000 10:00:00 GMT"),
    ]
    return [
        make(f"absurddate-{style}-{tag}", "absurd-date", style, "en", edit_entries=_every_other(text))
        for style, tag, text in cases
    ]


def _rfc822_colon(entry: Entry, source: Source) -> str:
    local = entry.moment.astimezone(source.zone) if entry.moment else None
    assert local is not None
    offset = local.strftime("%z")
    return f"{local:%a, %d} {MONTHS[local.month - 1]} {local:%Y %H:%M:%S} {offset[:3]}:{offset[3:]}"


def _colon_offsets() -> list[CorpusFeed]:
    """RFC 822 dates written with an ISO-style ``+05:30`` offset."""

    def edit(entries: list[Entry], source: Source, rng: random.Random) -> None:
        for entry in entries:
            entry.date_text = _rfc822_colon(entry, source)

    cases = [("agency", "en"), ("newspaper", "pt"), ("wordpress", "ja"), ("podcast", "ar"), ("hugo", "fr")]
    return [
        make(f"colonoffset-{style}-{language}", "colon-offset", style, language, edit_entries=edit)
        for style, language in cases
    ]


def _one_digit(entry: Entry, source: Source) -> str:
    assert entry.moment is not None
    local = entry.moment.astimezone(source.zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d}T{local.hour}:{local:%M:%S}{offset[:3]}:{offset[3:]}"


def _one_digit_hours() -> list[CorpusFeed]:
    """ISO dates whose hour has one digit (``2024-03-05T9:05:00+01:00``), all items dated before 10:00 local."""

    def edit(entries: list[Entry], source: Source, rng: random.Random) -> None:
        for entry in entries:
            assert entry.moment is not None
            local = entry.moment.astimezone(source.zone)
            entry.moment = local.replace(hour=rng.randint(0, 9))
            set_date(entry, "iso_local", source)
            entry.date_text = _one_digit(entry, source)
            entry.extra_date = None

    cases = [("jekyll", "fr"), ("ngo_rdf", "de"), ("json10", "pt"), ("news_sitemap", "en"), ("atom03", "es")]
    return [
        make(f"onedigithour-{style}-{language}", "one-digit-hour", style, language, edit_entries=edit)
        for style, language in cases
    ]


def _dcterms_only() -> list[CorpusFeed]:
    """Items dated only by ``dcterms:modified``, ``dcterms:created`` or ``atom:updated`` (no ``pubDate``)."""

    def retag(tag: str) -> Callable[[str], str]:
        def edit(text: str) -> str:
            text = text.replace("<pubDate>", f"<{tag}>").replace("</pubDate>", f"</{tag}>")
            return text.replace('<rss version="2.0"', f'<rss version="2.0" {DCTERMS}', 1)

        return edit

    def iso(entries: list[Entry], source: Source, rng: random.Random) -> None:
        for entry in entries:
            set_date(entry, "iso_local", source)

    cases = [
        ("hugo", "dcterms:modified", "en"),
        ("hugo", "dcterms:created", "fr"),
        ("hugo", "atom:updated", "de"),
        ("agency", "dcterms:modified", "es"),
        ("gov_rss", "dcterms:created", "en"),
    ]
    return [
        make(
            f"dctermsonly-{style}-{tag.replace(':', '')}-{language}",
            "dcterms-only",
            style,
            language,
            edit_entries=iso,
            edit_text=retag(tag),
        )
        for style, tag, language in cases
    ]


CORPORATE = ["AT&T", "Procter & Gamble", "Marks & Spencer", "Q&A", "R&D"]


def _with_references(entries: list[Entry], source: Source, rng: random.Random) -> None:
    """Titles naming ``AT&T`` and links with a query string: references a tolerant reader must keep."""
    for index, entry in enumerate(entries):
        if index % 2 == 0:
            entry.title = f"{CORPORATE[index // 2 % len(CORPORATE)]}: {entry.title}"
        if index % 3 == 0:
            entry.link = f"{entry.link}{'&' if '?' in entry.link else '?'}page=2&lang={source.language}"
            entry.written_link = entry.link


def _entity_refs() -> list[CorpusFeed]:
    """A document malformed by one bare ``&``, with entity references elsewhere that must survive."""

    def bare_amp(text: str) -> str:  # one description's "&" left unescaped, as hand-written feeds do
        return re.sub(r"(<item>.*?<description>)", r"\1Tom & Jerry: ", text, count=1, flags=re.DOTALL)

    def html_entity(text: str) -> str:  # an HTML entity no DTD declares, in the first item's title
        return re.sub(r"(<item>\s*<title>)", r"\1Caf&eacute; owners say &quot;no&quot; &ndash; ", text, count=1)

    feeds = [
        make(
            f"entityrefs-{style}-{language}",
            "entity-refs",
            style,
            language,
            edit_entries=_with_references,
            edit_text=bare_amp,
        )
        for style, language in [("newspaper", "en"), ("agency", "en"), ("gov_rss", "fr"), ("hugo", "es")]
    ]
    feed = make(
        "entityrefs-htmlentity-hugo", "entity-refs", "hugo", "en", edit_entries=_with_references, edit_text=html_entity
    )
    first = feed.expected[0]
    feed.expected[0] = type(first)(first.link, f'Café owners say "no" – {first.title}', first.date)
    return [*feeds, feed]


def _unclosed_tags() -> list[CorpusFeed]:
    """Raw, unescaped HTML with void or unclosed elements inside a description, halfway down the feed; the
    items around it name ``AT&T`` and carry query strings."""

    def raw(fragment: str) -> Callable[[str], str]:
        def edit(text: str) -> str:
            parts = text.split("<description>")
            middle = max(len(parts) // 2, 2)
            parts[middle] = fragment + parts[middle]
            return "<description>".join(parts)

        return edit

    cases = [
        ("br", "hugo", "Line one<br>Line two<br>"),
        ("p", "newspaper", "<p>First paragraph "),
        ("img", "agency", '<img src="https://cdn.example/a.jpg" alt="photo"> '),
        ("hr", "gov_rss", "Update<hr>"),
    ]
    return [
        make(
            f"unclosed-{tag}-{style}",
            "unclosed-tag",
            style,
            "en",
            edit_entries=_with_references,
            edit_text=raw(fragment),
        )
        for tag, style, fragment in cases
    ]


def _control_characters() -> list[CorpusFeed]:
    """C0 control characters XML forbids, in titles, descriptions and CDATA sections, before items naming
    ``AT&T`` (titles gain the character after a space only: dropping it and collapsing spaces gives the truth)."""

    def planted(control: str) -> Callable[[str], str]:
        def edit(text: str) -> str:
            text = text.replace("<description>", f"<description>x{control}y ", 2)
            return re.sub(r"(<item>\s*<title>[^<]*?) ", rf"\1 {control}", text, count=2)

        return edit

    def in_cdata(control: str) -> Callable[[str], str]:
        def edit(text: str) -> str:
            parts = text.split("<description><![CDATA[")
            middle = max(len(parts) // 2, 1)
            parts[middle] = f"pasted{control}text " + parts[middle]
            return "<description><![CDATA[".join(parts)

        return edit

    cases = [
        ("x0b", planted("\x0b"), "agency"),
        ("x1a", planted("\x1a"), "wordpress"),
        ("x08", planted("\x08"), "drupal"),
        ("x1b", planted("\x1b"), "hugo"),
        ("x0c-cdata", in_cdata("\x0c"), "ghost"),
        ("x1f-cdata", in_cdata("\x1f"), "substack"),
    ]
    return [
        make(f"control-{tag}-{style}", "control-char", style, "en", edit_entries=_with_references, edit_text=edit)
        for tag, edit, style in cases
    ]


def _newline_before_declaration() -> list[CorpusFeed]:
    """Whitespace (and a BOM before it) ahead of ``<?xml``: 19 of 257 real feeds in the issue."""
    cases = [
        ("lf", "\n", False, "wordpress", "en"),
        ("crlf2", "\r\n\r\n", False, "agency", "fr"),
        ("spaces", "   \n", False, "blogger", "es"),
        ("bomlf", "\n", True, "newspaper", "pt"),
        ("tabs", "\t\n", False, "ngo_rdf", "de"),
    ]
    return [
        make(f"leadspace-{tag}-{style}", "space-before-declaration", style, language, lead=lead, bom=bom)
        for tag, lead, bom, style, language in cases
    ]


def _latin1_without_declaration() -> list[CorpusFeed]:
    """Latin-1 bytes, no XML declaration: the header's charset is the only evidence, or nothing is."""
    cases = [
        ("fr", "agency", "iso-8859-1"),
        ("de", "hugo", "ISO-8859-1"),
        ("es", "newspaper", "latin1"),
        ("fr", "gov_rss", None),
        ("de", "wordpress", None),
    ]
    return [
        make(
            f"latin1nodecl-{style}-{language}-{'header' if header else 'noheader'}",
            "latin1-no-declaration",
            style,
            language,
            encoding="iso-8859-1",
            declared=None,
            header=header,
        )
        for language, style, header in cases
    ]


def _portuguese() -> list[CorpusFeed]:
    """Portuguese in Latin-1 or windows-1252 without a declaration (detected as cp1257 in the issue)."""
    cases = [
        ("agency", "iso-8859-1", None),
        ("newspaper", "cp1252", None),
        ("wordpress", "iso-8859-1", None),
        ("drupal", "cp1252", "windows-1252"),
    ]
    return [
        make(
            f"portuguese-{style}-{codec.replace('-', '')}",
            "portuguese",
            style,
            "pt",
            encoding=codec,
            declared=None,
            header=header,
        )
        for style, codec, header in cases
    ]


def _legacy_without_declaration() -> list[CorpusFeed]:
    """Legacy encodings with neither a declaration nor a header charset: detection alone decides."""
    cases = [
        ("ru", "koi8-r", "agency"),
        ("ru", "cp1251", "newspaper"),
        ("ja", "shift_jis", "hugo"),
        ("zh", "gb2312", "agency"),
        ("ar", "cp1256", "newspaper"),
        ("ko", "euc-kr", "hugo"),
    ]
    return [
        make(
            f"legacynodecl-{style}-{language}-{codec.replace('-', '').replace('_', '')}",
            "legacy-no-declaration",
            style,
            language,
            encoding=codec,
            declared=None,
        )
        for language, codec, style in cases
    ]
