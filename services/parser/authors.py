"""Authors as a list of clean personal names, from JSON-LD, meta tags and bylines.

Cleaning removes "By"/"Written by", dates and times, e-mail addresses and handles, job titles and
wire-agency tails, then splits "A and B", "A, B & C" into separate names. Anything that still does
not look like a name (digits, URLs, more than five words) is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from lxml.html import HtmlElement

from wirewatch.core.dates import TEXT_DATES
from wirewatch.services.parser.structured import Structured

AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "byl",
)
_BY = re.compile(r"^\s*(?:[^\W\d]+\s+){0,3}?by\b[:\s]*", re.IGNORECASE)  # "By", "Analysis by", "Story and photos by"
_ROLE = re.compile(
    r"\b(?:staff|senior|chief|deputy|political|foreign|business|sports?|news|contributing|guest|special)?\s*"
    r"(?:writer|reporter|correspondent|editor|columnist|contributor|journalist|producer|analyst|"
    r"bureau chief)s?\b.*$",
    re.IGNORECASE,
)
_NOISE = re.compile(
    r"\S+@\S+|@\w+|https?://\S+|\b(?:updated|published|posted|last modified)\b.*$|\d{1,2}:\d{2}.*$", re.I
)
_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\||/)\s*", re.IGNORECASE)
_NAME_OK = re.compile(r"^[^\W\d_][\w.'’\- ]*$")
_NOT_PERSON = re.compile(r"\b(?:staff|desk|newsroom|team|wires?|agencies|admin)$", re.IGNORECASE)
MAX_AUTHORS = 10
_BYLINE_XPATH = (
    '//*[@rel="author" or @itemprop="author" or contains(@class, "byline") or contains(@class, "author-name")]'
)


def find_authors(tree: HtmlElement, structured: Structured) -> list[str]:
    """Authors from the most trusted source that names any."""
    for raw in (
        _jsonld_authors(structured.article.get("author")),
        _meta_authors(structured),
        _byline_authors(tree),
    ):
        names = clean_authors(raw)
        if names:
            return names
    return []


def clean_authors(raw: Iterable[str]) -> list[str]:
    """Clean, split and de-duplicate author strings, keeping first-seen order."""
    names: dict[str, str] = {}
    for value in raw:
        for name in _split_names(value):
            names.setdefault(name.casefold(), name)
    return list(names.values())[:MAX_AUTHORS]


def _split_names(value: str) -> Iterator[str]:
    text = _BY.sub("", " ".join(value.split()))
    for pattern in TEXT_DATES:
        text = pattern.sub(" ", text)
    text = _NOISE.sub(" ", text)
    for part in _SPLIT.split(text):
        name = _ROLE.sub("", _BY.sub("", part)).strip(" .,-–—:|()[]")
        if (
            name
            and _NAME_OK.match(name)
            and not _NOT_PERSON.search(name)
            and 1 <= len(name.split()) <= 5
            and len(name) <= 60
        ):
            yield name.title() if name.isupper() and len(name) > 3 else name


def _jsonld_authors(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, str) and not item.startswith("http"):
            names.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append(item["name"])
    return names


def _meta_authors(structured: Structured) -> list[str]:
    return [v for name in AUTHOR_META for v in structured.all_meta(name) if not v.startswith("http")]


def _byline_authors(tree: HtmlElement) -> list[str]:
    found = tree.xpath(_BYLINE_XPATH)
    texts = (" ".join(el.text_content().split()) for el in found[:5] if el.tag not in ("meta", "link"))
    return [t for t in texts if 0 < len(t) <= 120]
