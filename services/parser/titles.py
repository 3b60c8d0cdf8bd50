"""The article's headline: the article's ``<h1>`` or JSON-LD ``headline`` over ``og:title``, without the site name.

The page's own headline is the ``<h1>`` the reader sees, then the JSON-LD ``headline`` (on real pages it is
sometimes an SEO rewrite of the visible one); ``og:title`` is often a social-media rewrite, and ``<title>``
carries the site name. An ``<h1>`` that agrees with neither the JSON-LD headline nor ``og:title`` while
those two agree is some other heading and gives way. A headline cut short ("…", Google's 110-character
advice for JSON-LD) gives way to the full text another candidate starts with.

A segment is cut from either end of a candidate only when a known separator (`` | ``, `` - ``, `` – ``,
`` — ``, `` · ``, `` :: ``, or ``": "`` after a leading segment) sets it off AND it is the site's own name
(``og:site_name``, the JSON-LD publisher, the host's name): "Analysis: …", "Iraq - …", "Kyiv | …" stay.
The page's section name is cut too, but only where it sat next to the site's name ("… | World | Site").
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|·|::)\s+")
_BREADCRUMB = re.compile(r"\s*(?:›|»|>|/)\s+")
_SPACES = re.compile(r"\s+")
_ELLIPSIS = ("…", "...")
MAX_TITLE = 300


def choose_title(
    *,
    structured: str | None,
    og: str | None,
    html_title: str | None,
    h1: str | None,
    sites: list[str],
    sections: Iterable[str] = (),
) -> str | None:
    """The page's own headline among the candidates it offers (each cleaned of the site name).

    ``h1`` is the article's heading as :mod:`~wirewatch.services.parser.metadata` chose it (not the logo).
    """
    ld, heading, social, whole = (clean_title(c, sites, sections) for c in (structured, h1, og, html_title))
    if heading and ld and _same(ld, social) and not _same(heading, ld):
        heading = None  # an <h1> that agrees with neither the JSON-LD headline nor og:title is some other heading
    present = [c for c in (heading, ld, social, whole) if c]
    if not present:
        return None
    first = present[0]
    if first.endswith(_ELLIPSIS):
        stem = first.rstrip(".… ").casefold()
        return next((c for c in present[1:] if c.casefold().startswith(stem) and len(c) > len(stem)), first)
    return first


def _same(one: str | None, other: str | None) -> bool:
    return one is not None and other is not None and _key(one) == _key(other)


def clean_title(title: str | None, sites: Iterable[str], sections: Iterable[str] = ()) -> str | None:
    """A headline without the site's name, a breadcrumb or stray whitespace; ``None`` if nothing is left."""
    if not title:
        return None
    title = _SPACES.sub(" ", html.unescape(title)).strip()  # JSON-LD often carries "&#8217;", "&nbsp;"
    title = _strip_breadcrumb(title)
    keys = {k for s in sites if s for k in site_keys(s)}
    title = _strip_site(title, keys, {_key(s) for s in sections if s})
    return title[:MAX_TITLE].strip() or None


def site_keys(site: str) -> set[str]:
    """The keys a site name matches: its letters and digits, without a leading "the"; a host also by its name."""
    keys = {_key(site).removeprefix("the")}
    if "." in site and " " not in site.strip():
        labels = site.lower().removeprefix("www.").split(".")
        keys |= {_key(label) for label in labels[:-1] if len(label) > 2}
    return keys - {""}


def _strip_site(title: str, sites: set[str], sections: set[str]) -> str:
    prefix, colon, rest = title.partition(": ")
    if colon and rest and _is_site(prefix, sites):  # "Site: Headline"
        title = rest
    parts = [p for p in _SEPARATORS.split(title) if p]
    if len(parts) < 2:
        return title
    parts = _strip_end(parts, sites, sections)
    parts = _strip_end(parts[::-1], sites, sections)[::-1]
    return _rejoin(title, parts)


def _strip_end(parts: list[str], sites: set[str], sections: set[str]) -> list[str]:
    """Cut the site's name off the end of ``parts``, and a section name that sat next to it."""
    cut = False
    while len(parts) > 1 and _is_site(parts[-1], sites):
        parts, cut = parts[:-1], True
    while cut and len(parts) > 1 and _key(parts[-1]) in sections:
        parts = parts[:-1]
    return parts


def _rejoin(title: str, parts: list[str]) -> str:
    """The original text from the first kept part to the last (inner separators stay as written)."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end] if 0 <= start < end else " ".join(parts)


def _is_site(part: str, sites: set[str]) -> bool:
    """The site's name, or a longer form of it ("Vortex Cannon Entertainment" on vortexcannon.org)."""
    key = _key(part).removeprefix("the")
    if not key:
        return False
    return key in sites or (len(part.split()) <= 5 and any(len(s) >= 6 and key.startswith(s) for s in sites))


def _strip_breadcrumb(title: str) -> str:
    parts = [p for p in _BREADCRUMB.split(title) if p.strip()]
    if len(parts) < 3:
        return title
    longest = max(parts, key=len)
    return longest if len(longest.split()) >= 4 else title


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())
