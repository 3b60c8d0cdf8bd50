"""What the pages show of attacker-controlled values, and how: one Jinja2 environment with autoescaping on,
and the few helpers that build markup themselves (highlights, entity marks, the timeline's bars), each of
which escapes every piece of text it is given before adding its own tags.

Everything an article carries (title, text, authors, URLs, entity names) comes from pages anyone may write:
a URL becomes a link only when it is ``http(s)``; anything else is shown as text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import ChainableUndefined, Environment, FileSystemLoader
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
#: the search page's filter parameters, in the order the API names them, with the facet each one narrows
FACET_PARAMS = {
    "person": "persons",
    "org": "organizations",
    "place": "locations",
    "source": "sources",
    "lang": "languages",
}
#: a timeline has at least this many slots; an entity's timeline at least this many days
MIN_SLOTS, MIN_DAYS = 10, 14
#: an entity type of the registry → the search filter that selects its articles
TYPE_PARAMS = {"PERSON": "person", "ORG": "org", "LOC": "place"}


def safe_url(value: object) -> str | None:
    """``value`` if it is an absolute http(s) URL a link may point to, else None (``javascript:``, ``data:``,
    relative or protocol-relative URLs, URLs with spaces or control characters never become links)."""
    if not isinstance(value, str) or not value or len(value) > 8192:
        return None
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return value


def highlight(segments: object) -> Markup:
    """A highlighted fragment as the data layer gives it (``[{text, match}]``): each text escaped, the matched
    ones in ``<mark>``; a plain string is shown escaped as it is."""
    if isinstance(segments, str):
        return escape(segments)
    out: list[str] = []
    for segment in segments if isinstance(segments, list) else []:
        text = str(escape(segment.get("text") or ""))
        out.append(f"<mark>{text}</mark>" if segment.get("match") else text)
    return Markup("".join(out))  # noqa: S704 - every text above was escaped; the tags are ours


def entity_href(key: object) -> str:
    """The entity page of a registry key (any character, a slash included, is percent-encoded)."""
    return "/entities/" + quote(str(key), safe="")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    key: str
    type: str


def spans_of(entities: Iterable[Mapping[str, Any]], text_length: int) -> list[Span]:
    """Entity mentions as non-overlapping spans inside the text, first come first kept."""
    found: list[Span] = []
    for entity in entities:
        key = str(entity.get("key") or entity.get("name") or "")
        for mention in entity.get("mentions") or []:
            start, end = int(mention.get("start", -1)), int(mention.get("end", -1))
            if key and 0 <= start < end <= text_length:
                found.append(Span(start, end, key, str(entity.get("type") or "")))
    found.sort(key=lambda s: (s.start, -s.end))
    kept: list[Span] = []
    for span in found:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def mark_entities(text: str, entities: Iterable[Mapping[str, Any]]) -> Markup:
    """The article's text, escaped, with each entity mention a link to its entity page, paragraphs kept."""
    pieces: list[str] = []
    at = 0
    for span in spans_of(entities, len(text)):
        pieces.append(str(escape(text[at : span.start])))
        css = "ent ent-" + (span.type.lower() if span.type in TYPE_PARAMS else "other")
        link = f'<a class="{css}" href="{escape(entity_href(span.key))}">{escape(text[span.start : span.end])}</a>'
        pieces.append(link)
        at = span.end
    pieces.append(str(escape(text[at:])))
    paragraphs = [p.strip() for p in "".join(pieces).split("\n\n") if p.strip()]
    return Markup("".join(f"<p>{p}</p>" for p in paragraphs))  # noqa: S704 - built from escaped pieces


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int


def bars(points: Sequence[Mapping[str, Any]], *, key: str = "start", value: str = "count") -> list[Bar]:
    """A timeline's buckets as SVG bars in a 100×40 box: the tallest fills its height, and a slot is never
    wider than a tenth of it (one bucket is a bar, not a wall)."""
    if not points:
        return []
    top = max(int(p.get(value) or 0) for p in points) or 1
    slot = 100 / max(len(points), MIN_SLOTS)
    result = []
    for i, point in enumerate(points):
        count = int(point.get(value) or 0)
        height = round(40 * count / top, 3)
        label = str(point.get(key) or "")[:16].replace("T", " ").removesuffix(" 00:00")  # a day, or its hour
        result.append(Bar(round(i * slot, 3), round(40 - height, 3), round(slot * 0.8, 3), height, label, count))
    return result


def daily(points: Sequence[Mapping[str, Any]], *, days: int = MIN_DAYS) -> list[dict[str, Any]]:
    """Counts per day (``{start: "YYYY-MM-DD", count}``, days without any left out) as a continuous series of
    at least ``days`` days ending on the last one, so a timeline shows the quiet days too."""
    counts: dict[date, int] = {}
    for point in points:
        try:
            day = date.fromisoformat(str(point.get("start") or "")[:10])
        except ValueError:
            continue
        counts[day] = counts.get(day, 0) + int(point.get("count") or 0)
    if not counts:
        return []
    last = max(counts)
    first = min(min(counts), last - timedelta(days=days - 1))
    span = (last - first).days + 1
    return [{"start": (d := first + timedelta(days=i)).isoformat(), "count": counts.get(d, 0)} for i in range(span)]


def when(value: object) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM`` (UTC as stored), or the value as text."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value or "")
    return text[:16].replace("T", " ")


def query_string(params: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> str:
    """``params`` (lists repeat their key; empty values dropped) as a URL query, for links and forms."""
    pairs: list[tuple[str, str]] = []
    items = params.items() if isinstance(params, Mapping) else params
    for name, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((name, str(v)) for v in values if v not in (None, ""))
    return urlencode(pairs)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its name
        undefined=ChainableUndefined,  # a field an article lacks shows as nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(safe_url=safe_url, highlight=highlight, entity_href=entity_href, when=when, query=query_string)
    env.globals.update(bars=bars, mark_entities=mark_entities, TYPE_PARAMS=TYPE_PARAMS, FACET_PARAMS=FACET_PARAMS)
    return env


def render(template: str, /, **context: Any) -> str:
    return environment().get_template(template).render(**context)
