"""RSS 0.9x / 2.0 (``<rss>``) and RSS 0.90 / 1.0 (``<rdf:RDF>``) readers.

Items without any http(s) link are dropped (``FeedItem.link`` is required); a permalink ``<guid>``
stands in for a missing ``<link>``. Relative links resolve against the feed URL. Items are read one at a
time as the document streams in, the first ``FeedLimits.feed_items`` of them; the channel's own fields are
read last, from what of the channel was parsed.
"""

from __future__ import annotations

from collections.abc import Callable

from wirewatch.schemas.pages import FeedItem
from wirewatch.services.fetcher.feedmodels import (
    FeedLimits,
    ParsedFeed,
    absolute_url,
    capped,
    clean_text,
    first_date,
    html_to_text,
    unique,
)
from wirewatch.services.fetcher.xmlsafe import Element, ItemPlace, XmlStream, local_name, namespace

RSS10_NS = "http://purl.org/rss/1.0/"
RSS090_NS = "http://my.netscape.com/rdf/simple/0.9/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
SY_NS = "http://purl.org/rss/1.0/modules/syndication/"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
Qualify = Callable[[str], str]
RSS_ITEMS = ItemPlace("item", depth=2)  # <rss><channel><item>
RDF_ITEMS = ItemPlace("item", depth=1)  # <rdf:RDF><item>, beside <channel>
PERIOD_S = {
    "hourly": 3600.0,
    "daily": 86400.0,
    "weekly": 604800.0,
    "monthly": 2629800.0,
    "yearly": 31557600.0,
}


def read_rss(stream: XmlStream, *, url: str, limits: FeedLimits) -> ParsedFeed:
    """Read an ``<rss>`` or ``<rdf:RDF>`` document fetched from ``url``."""
    feed = ParsedFeed(kind="rdf" if local_name(stream.root.tag) == "RDF" else "rss")
    for element in capped(stream.items(), limits.feed_items, feed):
        if (item := _item(element, namespace(element.tag), url, feed)) is not None:
            feed.items.append(item)
    if (channel := _channel(stream.root)) is not None:
        _read_channel(feed, channel, namespace(channel.tag), url)
    return feed


def update_period_s(period: str | None, frequency: str | None) -> float | None:
    """``sy:updatePeriod`` / ``sy:updateFrequency`` → seconds between updates."""
    seconds = PERIOD_S.get((period or "daily").strip().lower())
    try:
        times = float(frequency) if frequency else 1.0
    except ValueError:
        times = 1.0
    if seconds is None or times <= 0:
        return None
    return seconds / times


def _channel(root: Element) -> Element | None:
    return next((child for child in root if local_name(child.tag) == "channel"), None)


def _qualifier(ns: str) -> Qualify:
    """``name`` → the tag of ``name`` in the document's core RSS namespace (none for RSS 2.0)."""
    return (lambda name: f"{{{ns}}}{name}") if ns else (lambda name: name)


def _text(element: Element, tag: str) -> str | None:
    found = element.find(tag)
    return found.text if found is not None else None


def _read_channel(feed: ParsedFeed, channel: Element, ns: str, url: str) -> None:
    q = _qualifier(ns)
    feed.title = clean_text(_text(channel, q("title")))
    feed.site_url = absolute_url(_text(channel, q("link")), url)
    feed.ttl_s = _minutes(_text(channel, q("ttl")))
    if channel.find(f"{{{SY_NS}}}updatePeriod") is not None or channel.find(f"{{{SY_NS}}}updateFrequency") is not None:
        feed.update_period_s = update_period_s(
            _text(channel, f"{{{SY_NS}}}updatePeriod"), _text(channel, f"{{{SY_NS}}}updateFrequency")
        )
    for link in channel.iterfind(f"{{{ATOM_NS}}}link"):
        rel, href = (link.get("rel") or "").strip().lower(), absolute_url(link.get("href"), url)
        if rel == "hub" and feed.hub_url is None:
            feed.hub_url = href
        elif rel == "self" and feed.self_url is None:
            feed.self_url = href


def _minutes(text: str | None) -> float | None:
    try:
        value = float(text) * 60 if text else None
    except ValueError:
        return None
    return value if value is not None and value > 0 else None


def _item(element: Element, ns: str, url: str, feed: ParsedFeed) -> FeedItem | None:
    q = _qualifier(ns)
    guid_element = element.find(q("guid"))
    guid = clean_text(guid_element.text if guid_element is not None else None) or element.get(f"{{{RDF_NS}}}about")
    link = absolute_url(_text(element, q("link")), url) or _atom_link(element, url)
    if link is None and guid_element is not None and guid_element.get("isPermaLink", "true") != "false":
        link = absolute_url(guid, url)
    if link is None:
        return None
    return FeedItem(
        guid=guid,
        link=link,
        title=clean_text(_text(element, q("title"))),
        summary=html_to_text(_text(element, q("description")) or _text(element, f"{{{CONTENT_NS}}}encoded")),
        published_at=first_date(_dates(element, q), feed, link),
        authors=_authors(element, q),
        tags=unique([clean_text(tag.text) or "" for tag in _tag_elements(element, q)]),
    )


def _atom_link(element: Element, url: str) -> str | None:
    for link in element.iterfind(f"{{{ATOM_NS}}}link"):
        if (link.get("rel") or "alternate") == "alternate":
            return absolute_url(link.get("href"), url)
    return None


def _dates(element: Element, q: Qualify) -> list[str | None]:
    """The item's date elements, publication before creation before modification (some feeds give only
    ``dcterms:modified`` or ``atom:updated``: a later date beats none)."""
    tags = (
        q("pubDate"),
        f"{{{DC_NS}}}date",
        f"{{{DCTERMS_NS}}}issued",
        f"{{{DCTERMS_NS}}}date",
        f"{{{ATOM_NS}}}published",
        f"{{{DCTERMS_NS}}}created",
        f"{{{DCTERMS_NS}}}modified",
        f"{{{ATOM_NS}}}updated",
    )
    return [_text(element, tag) for tag in tags]


def _authors(element: Element, q: Qualify) -> list[str]:
    names = [author_name(found.text) for found in element.iterfind(q("author"))]
    names += [clean_text(found.text) or "" for found in element.iterfind(f"{{{DC_NS}}}creator")]
    return unique([name for name in names if name])


def author_name(text: str | None) -> str:
    """RSS wants ``email (Name)``; most feeds write just a name."""
    text = clean_text(text) or ""
    if text.endswith(")") and "(" in text:
        return text[text.index("(") + 1 : -1].strip()
    return text


def _tag_elements(element: Element, q: Qualify) -> list[Element]:
    return [*element.iterfind(q("category")), *element.iterfind(f"{{{DC_NS}}}subject")]
