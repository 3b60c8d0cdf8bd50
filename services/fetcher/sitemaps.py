"""XML sitemaps, sitemap indexes and Google News sitemaps.

Elements are matched by local name so sitemaps with a wrong or missing namespace (common) still read.
Entries are read one at a time as the document streams in, up to the caps in
:class:`~wirewatch.services.fetcher.feedmodels.FeedLimits` (in document order: stopping there bounds the time
too, and the protocol's 50,000 URLs never cut a conforming sitemap).
A ``<url>`` carrying ``<news:news>`` makes the document a news sitemap: its title and publication date
fill the item; ``<lastmod>`` is the fallback date. An index yields child sitemap URLs, no items.
"""

from __future__ import annotations

from wirewatch.schemas.pages import FeedItem
from wirewatch.services.fetcher.feedmodels import (
    FeedLimits,
    ParsedFeed,
    absolute_url,
    capped,
    clean_text,
    first_date,
    unique,
)
from wirewatch.services.fetcher.xmlsafe import Element, ItemPlace, XmlStream, local_name

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
URLS = ItemPlace("url", depth=1)  # <urlset><url>
CHILDREN = ItemPlace("sitemap", depth=1)  # <sitemapindex><sitemap>


def read_sitemap(stream: XmlStream, *, url: str, limits: FeedLimits) -> ParsedFeed:
    """Read a ``<urlset>`` document fetched from ``url``: its first ``limits.sitemap_urls`` entries."""
    feed = ParsedFeed(kind="sitemap")
    for entry in capped(stream.items(), limits.sitemap_urls, feed):
        fields = _fields(entry)
        link = absolute_url(fields.get("loc"), url)
        if link is None:
            continue
        news_element = _news(entry)
        if news_element is not None:
            feed.kind = "news_sitemap"
        feed.items.append(_item(link, fields, news_element, feed))
    return feed


def read_sitemap_index(stream: XmlStream, *, url: str, limits: FeedLimits) -> ParsedFeed:
    """Read a ``<sitemapindex>``: its first ``limits.sitemap_children`` child sitemaps, to fetch next."""
    feed = ParsedFeed(kind="sitemap_index")
    entries = capped(stream.items(), limits.sitemap_children, feed)
    children = [absolute_url(_fields(entry).get("loc"), url) for entry in entries]
    feed.child_sitemaps = unique([child for child in children if child])
    return feed


def _fields(element: Element) -> dict[str, str]:
    """Local name → stripped text of the direct children (first occurrence wins)."""
    fields: dict[str, str] = {}
    for child in element:
        if (name := local_name(child.tag)) and child.text and name not in fields:
            fields[name] = child.text.strip()
    return fields


def _news(entry: Element) -> Element | None:
    return next((child for child in entry if local_name(child.tag) == "news"), None)


def _item(link: str, fields: dict[str, str], news: Element | None, feed: ParsedFeed) -> FeedItem:
    news_fields = _fields(news) if news is not None else {}
    keywords = news_fields.get("keywords", "")
    return FeedItem(
        link=link,
        title=clean_text(news_fields.get("title")),
        published_at=first_date([news_fields.get("publication_date"), fields.get("lastmod")], feed, link),
        tags=unique([clean_text(keyword) or "" for keyword in keywords.split(",")]),
    )
