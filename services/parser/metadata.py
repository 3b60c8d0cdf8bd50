"""Stage 4 of the pipeline: what the page says about the article, apart from its text.

Title, authors, dates, canonical URL, site name, description, lead image, section and tags, each from
the most trusted source available (JSON-LD, then meta tags, then the markup). Language is decided
later, once the body text is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from wirewatch.services.parser.authors import find_authors
from wirewatch.services.parser.dates import Dated, modified, published
from wirewatch.services.parser.regions import in_furniture
from wirewatch.services.parser.structured import Structured, type_names
from wirewatch.services.parser.titles import choose_title, clean_title, site_keys

MAX_TAGS = 30
MAX_HEADINGS = 5


@dataclass(slots=True)
class PageMetadata:
    """Everything about the article except its body text and language."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    author_organization: str | None = None
    published: Dated | None = None
    modified_at: datetime | None = None
    canonical_url: str | None = None
    source: str | None = None
    description: str | None = None
    image: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    declared_languages: list[str | None] = field(default_factory=list)
    page_type: str | None = None


def read_metadata(tree: HtmlElement, structured: Structured, *, url: str, now: datetime) -> PageMetadata:
    """Collect the page's metadata; ``url`` is the final URL, used to resolve relative links."""
    article, meta = structured.article, structured.first_meta
    source = meta("og:site_name", "application-name") or _name(article.get("publisher")) or host_name(url)
    sites = _site_names(structured, url)
    section = meta("article:section", "parsely-section", "section") or _first(article.get("articleSection"))
    credits = find_authors(tree, structured, sites)
    dated = published(tree, structured, url, now)
    return PageMetadata(
        title=_title(tree, structured, sites, [section or ""]),
        authors=credits.authors,
        author_organization=credits.organization,
        published=dated,
        modified_at=modified(structured, now, dated),
        canonical_url=_canonical(tree, structured, url),
        source=source,
        description=meta("og:description", "description", "twitter:description") or _text(article.get("description")),
        image=_absolute(url, meta("og:image", "og:image:url", "twitter:image") or _image(article.get("image"))),
        section=section,
        tags=_tags(structured),
        declared_languages=[
            tree.get("lang"),
            meta("content-language", "og:locale", "language"),
            _text(article.get("inLanguage")),
        ],
        page_type=meta("og:type"),
    )


def host_name(url: str) -> str | None:
    """The host of a URL without a leading ``www.``."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def _site_names(structured: Structured, url: str) -> list[str]:
    """Every name the page gives itself: og:site_name, application-name, the publisher, its WebSite, its host."""
    websites = [o.get("name") for o in structured.objects if "website" in type_names(o)]
    names = [
        *structured.all_meta("og:site_name"),
        *structured.all_meta("application-name"),
        _name(structured.article.get("publisher")),
        *(n for n in websites if isinstance(n, str)),
        host_name(url),
    ]
    return [n for n in names if n]


def _title(tree: HtmlElement, structured: Structured, sites: list[str], sections: list[str]) -> str | None:
    title_element = tree.find(".//title")
    return choose_title(
        structured=_text(structured.article.get("headline")),
        og=structured.first_meta("og:title", "twitter:title"),
        html_title=title_element.text_content() if title_element is not None else None,
        h1=_heading(tree, sites, title_element.text_content() if title_element is not None else ""),
        sites=sites,
        sections=sections,
    )


def _heading(tree: HtmlElement, sites: list[str], html_title: str) -> str | None:
    """The article's ``<h1>``: not the site's logo, not in a caption or sidebar, and headline-shaped.

    A heading of one or two words ("Opinion", "World News") counts only when it is all ``<title>`` says.
    """
    keys = {k for s in sites for k in site_keys(s)}
    for element in [h for h in tree.iter("h1") if not in_furniture(h)][:MAX_HEADINGS]:
        text = " ".join(element.text_content().split())
        key = "".join(c for c in text.casefold() if c.isalnum())
        if not text or key in keys or key.removeprefix("the") in keys:
            continue
        if len(text.split()) >= 3 or clean_title(html_title, sites) == text:
            return text
    return None


def _canonical(tree: HtmlElement, structured: Structured, url: str) -> str | None:
    links = [el.get("href") for el in tree.iter("link") if "canonical" in (el.get("rel") or "").lower().split()]
    candidates = [*links, structured.first_meta("og:url"), _text(structured.article.get("url"))]
    for candidate in candidates:
        absolute = _absolute(url, candidate)
        if absolute and urlsplit(absolute).scheme in ("http", "https"):
            return absolute
    return None


def _tags(structured: Structured) -> list[str]:
    raw = structured.all_meta("article:tag") or _list(structured.article.get("keywords"))
    raw = raw or [
        t for v in structured.all_meta("news_keywords") + structured.all_meta("keywords") for t in v.split(",")
    ]
    tags: dict[str, str] = {}
    for tag in raw:
        tag = " ".join(tag.split())
        if tag and len(tag) <= 60:
            tags.setdefault(tag.casefold(), tag)
    return list(tags.values())[:MAX_TAGS]


def _absolute(base: str, link: str | None) -> str | None:
    return urljoin(base, link.strip()) if link and link.strip() else None


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _name(value: Any) -> str | None:
    return _text(value[0] if isinstance(value, list) and value else value)


def _first(value: Any) -> str | None:
    return _text(value[0] if isinstance(value, list) and value else value)


def _image(value: Any) -> str | None:
    value = value[0] if isinstance(value, list) and value else value
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) else None


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split(",")
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
