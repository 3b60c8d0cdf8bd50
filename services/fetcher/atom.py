"""Atom 1.0 (and the old 0.3 namespace) reader, honouring ``xml:base`` for relative links.

Entries are read one at a time as the document streams in, the first ``FeedLimits.feed_items`` of them; the
feed's own fields (title, links, authors: an entry without authors gets the feed's) are read last.
"""

from __future__ import annotations

from wirewatch.schemas.pages import FeedItem
from wirewatch.services.fetcher.feedmodels import (
    MAX_TITLE_CHARS,
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

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM03_NS = "http://purl.org/atom/ns#"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
ENTRIES = ItemPlace("entry", depth=1)  # <feed><entry>
BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "blockquote", "hr"}
)  # XHTML elements whose text stands apart from its neighbours


def read_atom(stream: XmlStream, *, url: str, limits: FeedLimits) -> ParsedFeed:
    """Read an Atom ``<feed>`` document fetched from ``url``."""
    root = stream.root
    ns = namespace(root.tag)
    base = absolute_url(root.get(XML_BASE), url) or url
    feed = ParsedFeed(kind="atom")
    for element in capped(stream.items(), limits.feed_items, feed):
        if (entry := _entry(element, ns, base, feed)) is not None:
            feed.items.append(entry)
    links = _links(root, ns, base)
    feed.title = _title(root, ns)
    feed.site_url, feed.self_url, feed.hub_url = links.get("alternate"), links.get("self"), links.get("hub")
    if feed_authors := _authors(root, ns):
        feed.items = [
            item if item.authors else item.model_copy(update={"authors": feed_authors}) for item in feed.items
        ]
    return feed


def _text(element: Element, ns: str, name: str) -> str | None:
    found = element.find(f"{{{ns}}}{name}")
    return found.text if found is not None else None


def _links(element: Element, ns: str, base: str) -> dict[str, str]:
    """rel → href; the first of each rel wins, HTML links before other types."""
    found: dict[str, str] = {}
    for link in sorted(element.iterfind(f"{{{ns}}}link"), key=lambda link: not _is_html(link)):
        rel = (link.get("rel") or "alternate").strip().lower()
        if href := absolute_url(link.get("href"), base):
            found.setdefault(rel, href)
    return found


def _is_html(link: Element) -> bool:
    return str(link.get("type") or "text/html").startswith(("text/html", "application/xhtml"))


def _entry(entry: Element, ns: str, base: str, feed: ParsedFeed) -> FeedItem | None:
    base = absolute_url(entry.get(XML_BASE), base) or base
    link = _links(entry, ns, base).get("alternate")
    guid = clean_text(_text(entry, ns, "id"))
    if link is None and guid is not None:
        link = absolute_url(guid, None)
    if link is None:
        return None
    return FeedItem(
        guid=guid,
        link=link,
        title=_title(entry, ns),
        summary=html_to_text(_text(entry, ns, "summary") or _content(entry, ns)),
        published_at=first_date(_dates(entry, ns), feed, link),
        authors=_authors(entry, ns),
        tags=unique([clean_text(c.get("label") or c.get("term")) or "" for c in entry.iterfind(f"{{{ns}}}category")]),
    )


def _title(element: Element, ns: str) -> str | None:
    """Atom says whether a title is text or (escaped) HTML; only strip tags from HTML."""
    title = element.find(f"{{{ns}}}title")
    if title is None:
        return None
    if title.get("type") == "xhtml":
        return clean_text(xhtml_text(title))
    if title.get("type") == "html":
        return html_to_text(title.text, MAX_TITLE_CHARS)
    return clean_text(title.text)


def xhtml_text(element: Element) -> str:
    """The text of inline XHTML: inline elements joined as written (``<b>Exclusive</b>:``), blocks apart."""
    parts: list[str] = []
    _walk(element, parts)
    return "".join(parts)


def _walk(element: Element, parts: list[str]) -> None:
    block = local_name(element.tag) in BLOCKS
    parts.append(" " if block else "")
    parts.append(element.text or "")
    for child in element:  # as deep as the stream allows (xmlstream.MAX_DEPTH)
        _walk(child, parts)
        parts.append(child.tail or "")
    parts.append(" " if block else "")


def _content(entry: Element, ns: str) -> str | None:
    content = entry.find(f"{{{ns}}}content")
    if content is None:
        return None
    if content.get("type") == "xhtml":
        return xhtml_text(content)
    return str(content.text) if content.text is not None else None


def _dates(entry: Element, ns: str) -> list[str | None]:
    return [_text(entry, ns, name) for name in ("published", "issued", "updated", "modified", "created")]


def _authors(element: Element, ns: str) -> list[str]:
    names = [clean_text(_text(author, ns, "name")) or "" for author in element.iterfind(f"{{{ns}}}author")]
    return unique(names)
