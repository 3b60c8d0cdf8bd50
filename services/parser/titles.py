"""The article's headline: og:title or the JSON-LD headline before ``<title>``, without the site around it.

``<title>`` usually carries the site name (" | Site", " - Site", "Site: …") and sometimes a breadcrumb
("World › Middle East › Headline"). A segment is dropped when it names the site (as stated by the page
or as its host name), or when it sits behind a pipe and is short next to the rest.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|~|/)\s+|\s*(?:\||::)\s*")
_BREADCRUMB = re.compile(r"\s*(?:›|»|>|/)\s+")
_SPACES = re.compile(r"\s+")
MAX_TITLE = 300


def choose_title(
    *, structured: str | None, og: str | None, html_title: str | None, h1: str | None, sites: list[str]
) -> str | None:
    """The cleanest headline among the candidates the page offers.

    When ``<title>`` is all there is, a visible ``<h1>`` that ``<title>`` begins or ends with is the
    headline without whatever site name the separators did not give away.
    """
    heading = clean_title(h1, sites)
    if not (og or structured) and heading and len(heading.split()) >= 3 and html_title:
        whole = " ".join(html_title.split())
        if whole.startswith(heading) or whole.endswith(heading):
            return heading
    for candidate in (og, structured, html_title, h1):
        cleaned = clean_title(candidate, sites)
        if cleaned:
            return cleaned
    return None


def clean_title(title: str | None, sites: list[str]) -> str | None:
    """A headline without site name, breadcrumb or stray whitespace; ``None`` if nothing is left."""
    if not title:
        return None
    title = _SPACES.sub(" ", title).strip()
    title = _strip_breadcrumb(title)
    title = _strip_site(title, [_key(s) for s in sites if s])
    return title[:MAX_TITLE].strip() or None


def _strip_site(title: str, sites: list[str]) -> str:
    prefix, colon, rest = title.partition(": ")
    if colon and rest and _key(prefix) in sites:  # "Site: Headline"
        title = rest
    parts = [p for p in _split(title) if p]
    if len(parts) < 2:
        return title
    while len(parts) > 1 and _is_site(parts[-1], sites, title):
        parts.pop()
    while len(parts) > 1 and _is_site(parts[0], sites, title):
        parts.pop(0)
    return _rejoin(title, parts)


def _split(title: str) -> list[str]:
    return [p.strip() for p in _SEPARATORS.split(title)]


def _rejoin(title: str, parts: list[str]) -> str:
    """The original text from the first kept part to the last (inner separators stay as written)."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end] if 0 <= start < end else " ".join(parts)


def _is_site(part: str, sites: list[str], title: str) -> bool:
    key = _key(part)
    if key and any(key == s or (len(s) > 3 and (key in s or s in key)) for s in sites):
        return True
    piped = "|" in title and len(part.split()) <= 4
    return piped and len(part) * 3 < len(title)


def _strip_breadcrumb(title: str) -> str:
    parts = [p for p in _BREADCRUMB.split(title) if p.strip()]
    if len(parts) < 3:
        return title
    longest = max(parts, key=len)
    return longest if len(longest.split()) >= 4 else title


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())
