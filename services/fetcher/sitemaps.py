"""XML sitemaps, sitemap indexes and Google News sitemaps.

Elements are matched by local name so sitemaps with a wrong or missing namespace (common) still read.
A ``<url>`` carrying ``<news:news>`` makes the document a news sitemap: its title and publication date
fill the item; ``<lastmod>`` is the fallback date. An index yields child sitemap URLs, no items.
"""

from __future__ import annotations

from wirewatch.schemas.pages import FeedItem
from wirewatch.services.fetcher.feedmodels import ParsedFeed, absolute_url, clean_text, item_date, unique
from wirewatch.services.fetcher.xmlsafe import Element, local_name

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def read_sitemap(root: Element, *, url: str) -> ParsedFeed:
    """Read a ``<urlset>`` document (``root``) fetched from ``url``."""
    items, news = [], False
    for entry in _named(root, "url"):
        fields = _fields(entry)
        link = absolute_url(fields.get("loc"), url)
        if link is None:
            continue
        news_element = _news(entry)
        news = news or news_element is not None
        items.append(_item(link, fields, news_element))
    return ParsedFeed(kind="news_sitemap" if news else "sitemap", items=items)


def read_sitemap_index(root: Element, *, url: str) -> ParsedFeed:
    """Read a ``<sitemapindex>``: the child sitemaps to fetch next."""
    children = [absolute_url(_fields(entry).get("loc"), url) for entry in _named(root, "sitemap")]
    return ParsedFeed(kind="sitemap_index", child_sitemaps=unique([child for child in children if child]))


def _named(parent: Element, name: str) -> list[Element]:
    return [child for child in parent if local_name(child.tag) == name]


def _fields(element: Element) -> dict[str, str]:
    """Local name → stripped text of the direct children (first occurrence wins)."""
    fields: dict[str, str] = {}
    for child in element:
        if (name := local_name(child.tag)) and child.text and name not in fields:
            fields[name] = child.text.strip()
    return fields


def _news(entry: Element) -> Element | None:
    return next((child for child in entry if local_name(child.tag) == "news"), None)


def _item(link: str, fields: dict[str, str], news: Element | None) -> FeedItem:
    news_fields = _fields(news) if news is not None else {}
    keywords = news_fields.get("keywords", "")
    return FeedItem(
        link=link,
        title=clean_text(news_fields.get("title")),
        published_at=item_date(news_fields.get("publication_date") or fields.get("lastmod")),
        tags=unique([clean_text(keyword) or "" for keyword in keywords.split(",")]),
    )
