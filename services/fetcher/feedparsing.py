"""Feed and sitemap parsing: bytes in, :class:`ParsedFeed` out.

Reads RSS 0.9x/1.0/2.0, Atom, JSON Feed 1.0/1.1, XML sitemaps, sitemap indexes and Google News
sitemaps; ``parse_opml`` reads subscription lists and ``discover_feeds`` finds feeds announced by an
HTML page. XML goes through :mod:`wirewatch.services.fetcher.xmlsafe` (defused, entity resolution off), so
an entity bomb or XXE attempt is a quick :class:`FeedParseError`, never an expansion or a file read.

The format is decided by the document itself (root element or JSON ``version``), never by the
``Content-Type`` header, which feeds get wrong all the time; it only makes error reasons clearer.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from wirewatch.services.fetcher.atom import read_atom
from wirewatch.services.fetcher.discovery import discover_feeds
from wirewatch.services.fetcher.errors import FeedParseError
from wirewatch.services.fetcher.feedmodels import FeedKind, OpmlFeed, ParsedFeed
from wirewatch.services.fetcher.jsonfeed import read_json_feed
from wirewatch.services.fetcher.opml import parse_opml
from wirewatch.services.fetcher.rss import read_rss
from wirewatch.services.fetcher.sitemaps import read_sitemap, read_sitemap_index
from wirewatch.services.fetcher.xmlsafe import Element, local_name, parse_xml

__all__ = ["FeedKind", "OpmlFeed", "ParsedFeed", "discover_feeds", "parse_feed", "parse_opml"]

Reader = Callable[..., ParsedFeed]
READERS: dict[str, Reader] = {
    "rss": read_rss,
    "RDF": read_rss,
    "feed": read_atom,
    "urlset": read_sitemap,
    "sitemapindex": read_sitemap_index,
}
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def parse_feed(body: bytes, *, url: str, content_type: str | None = None, charset: str | None = None) -> ParsedFeed:
    """Parse the feed or sitemap ``body`` fetched from ``url``; :class:`FeedParseError` if it is not one.

    ``charset`` is the ``Content-Type`` header's parameter: it outranks an XML declaration, not a BOM.
    """
    head = _strip_bom(body[:1024]).lstrip()
    if not head:
        raise FeedParseError("empty body", url=url)
    if head.startswith((b"{", b"[")):
        return read_json_feed(body, url=url)
    if _HTML_START.match(head):
        raise FeedParseError(f"an HTML page ({content_type or 'no content type'}), not a feed", url=url)
    return _read_xml(parse_xml(body, url=url, charset=charset), url)


def _read_xml(root: Element, url: str) -> ParsedFeed:
    name = local_name(root.tag)
    reader = READERS.get(name)
    if reader is None:
        hint = " (an OPML list: use parse_opml)" if name.lower() == "opml" else ""
        raise FeedParseError(f"unknown document type <{name}>{hint}", url=url)
    return reader(root, url=url)


def _strip_bom(head: bytes) -> bytes:
    for bom in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :]
    return head
