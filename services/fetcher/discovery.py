"""Feed autodiscovery: the ``<link rel="alternate" type="…feed type…">`` elements of an HTML page."""

from __future__ import annotations

import lxml.html
from lxml import etree

from wirewatch.services.fetcher.feedmodels import absolute_url, unique

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/rdf+xml",  # RSS 1.0 sites announce themselves this way
        "application/x-rss+xml",
    }
)


def discover_feeds(html: bytes, base_url: str) -> list[str]:
    """Absolute URLs of the feeds ``html`` (fetched from ``base_url``) announces, in page order."""
    try:
        document = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    base = _base_href(document, base_url)
    found = [
        absolute_url(link.get("href"), base)
        for link in document.iter("link")
        if _is_feed_link(link.get("rel"), link.get("type"))
    ]
    return unique([url for url in found if url])


def _is_feed_link(rel: str | None, type_: str | None) -> bool:
    rels = (rel or "").lower().split()
    media_type = (type_ or "").split(";")[0].strip().lower()
    return "alternate" in rels and media_type in FEED_TYPES


def _base_href(document: lxml.html.HtmlElement, base_url: str) -> str:
    """A ``<base href>`` in the page changes what relative links mean."""
    base = next(iter(document.iter("base")), None)
    if base is None:
        return base_url
    return absolute_url(base.get("href"), base_url) or base_url
