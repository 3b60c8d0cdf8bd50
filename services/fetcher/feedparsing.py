"""Feed and sitemap parsing: bytes in, :class:`ParsedFeed` out.

Reads RSS 0.9x/1.0/2.0, Atom, JSON Feed 1.0/1.1, XML sitemaps, sitemap indexes and Google News
sitemaps; ``parse_opml`` reads subscription lists and ``discover_feeds`` finds feeds announced by an
HTML page. XML goes through :mod:`wirewatch.services.fetcher.xmlsafe` (defused, entity resolution off), so
an entity bomb or XXE attempt is a quick :class:`FeedParseError`, never an expansion or a file read. A malformed
RSS, RDF or Atom document is read by :mod:`~wirewatch.services.fetcher.tolerantfeeds` (feedparser's loose parser,
after the same entity scan, within size and time caps), so the items after the damage are kept with their
entities. ``ParsedFeed.warnings`` says what a readable document lost or had repaired: an item's unreadable
date (the item is kept without it), a tolerant reading; they are logged once per document.

XML is read as a stream, item by item, and reading stops at the document type's cap in :class:`FeedLimits`
(the first items in document order are kept, ``ParsedFeed.capped_at`` and a warning say so): a gzipped
sitemap of millions of URLs costs the time and memory of its first 50,000, not of the whole. Keeping the
first rather than the newest is what makes the early stop possible; feeds list the newest first, and a
sitemap past the protocol's 50,000 URLs is not one a site meant to be read whole.

The format is decided by the document itself (root element or JSON ``version``), never by the
``Content-Type`` header, which feeds get wrong all the time; it only makes error reasons clearer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import partial

from wirewatch.core.charset import BOMS
from wirewatch.services.fetcher.atom import ENTRIES, read_atom
from wirewatch.services.fetcher.discovery import discover_feeds
from wirewatch.services.fetcher.errors import FeedParseError
from wirewatch.services.fetcher.feedmodels import DEFAULT_LIMITS, FeedKind, FeedLimits, OpmlFeed, ParsedFeed
from wirewatch.services.fetcher.jsonfeed import read_json_feed
from wirewatch.services.fetcher.opml import parse_opml
from wirewatch.services.fetcher.rss import RDF_ITEMS, RSS_ITEMS, read_rss
from wirewatch.services.fetcher.sitemaps import CHILDREN, URLS, read_sitemap, read_sitemap_index
from wirewatch.services.fetcher.tolerantfeeds import read_tolerantly
from wirewatch.services.fetcher.xmlsafe import ItemPlace, XmlStream, local_name, read_xml

__all__ = ["FeedKind", "FeedLimits", "OpmlFeed", "ParsedFeed", "discover_feeds", "parse_feed", "parse_opml"]

log = logging.getLogger(__name__)
Reader = Callable[..., ParsedFeed]
FORMATS: dict[str, tuple[Reader, ItemPlace]] = {  # root element → its reader, and where its items are
    "rss": (read_rss, RSS_ITEMS),
    "RDF": (read_rss, RDF_ITEMS),
    "feed": (read_atom, ENTRIES),
    "urlset": (read_sitemap, URLS),
    "sitemapindex": (read_sitemap_index, CHILDREN),
}
ITEM_PLACES = {root: place for root, (_reader, place) in FORMATS.items()}
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)


def parse_feed(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    charset: str | None = None,
    limits: FeedLimits = DEFAULT_LIMITS,
    feed_id: str | None = None,
) -> ParsedFeed:
    """Parse the feed or sitemap ``body`` fetched from ``url``; :class:`FeedParseError` if it is not one.

    ``charset`` is the ``Content-Type`` header's parameter: it outranks an XML declaration, not a BOM.
    ``feed_id`` only names the feed in the warning about a capped document.
    """
    head = _strip_bom(body[:1024]).lstrip()
    if not head:
        raise FeedParseError("empty body", url=url)
    if head.startswith((b"{", b"[")):
        feed = read_json_feed(body, url=url, limits=limits)
    elif _HTML_START.match(head):
        raise FeedParseError(f"an HTML page ({content_type or 'no content type'}), not a feed", url=url)
    else:
        read = partial(_read_xml, url=url, limits=limits)
        tolerant = partial(read_tolerantly, url=url, limits=limits)
        feed = read_xml(body, read, url=url, charset=charset, items=ITEM_PLACES, tolerant=tolerant)
    if feed.capped_at is not None:
        log.warning(
            "feed %s (%s): the %s has more than %d items; the first %d were read, the rest ignored",
            feed_id or "-", url, feed.kind, feed.capped_at, feed.capped_at,
        )  # fmt: skip
    if feed.warnings:
        log.warning(
            "feed %s (%s): %d warning(s), the first: %s", feed_id or "-", url, len(feed.warnings), feed.warnings[0]
        )
    return feed


def _read_xml(stream: XmlStream, *, url: str, limits: FeedLimits) -> ParsedFeed:
    name = local_name(stream.root.tag)
    if name not in FORMATS:
        hint = " (an OPML list: use parse_opml)" if name.lower() == "opml" else ""
        raise FeedParseError(f"unknown document type <{name}>{hint}", url=url)
    reader, _place = FORMATS[name]
    return reader(stream, url=url, limits=limits)


def _strip_bom(head: bytes) -> bytes:
    for bom, _encoding in BOMS:
        if head.startswith(bom):
            return head[len(bom) :]
    return head
