"""OPML subscription lists → feeds to monitor; nested folders become tags.

Walks the outline tree iteratively (a deeply nested OPML cannot exhaust the stack). ``category`` attributes
(``/News/World,Tech``) add their path parts as tags too. A URL listed twice keeps its first title
and the union of its tags.
"""

from __future__ import annotations

from wirewatch.services.fetcher.errors import FeedParseError
from wirewatch.services.fetcher.feedmodels import OpmlFeed, absolute_url, clean_text, unique
from wirewatch.services.fetcher.xmlsafe import Element, local_name, parse_xml

FEED_URL_ATTRIBUTES = ("xmlUrl", "xmlurl", "XMLURL", "url")


def parse_opml(body: bytes, *, base_url: str | None = None) -> list[OpmlFeed]:
    """The feeds an OPML document lists, in document order."""
    root = parse_xml(body, url=base_url)
    if local_name(root.tag).lower() != "opml":
        raise FeedParseError(f"not an OPML document (root <{local_name(root.tag)}>)", url=base_url)
    body_element = next((child for child in root if local_name(child.tag) == "body"), None)
    feeds: dict[str, OpmlFeed] = {}
    stack: list[tuple[Element, list[str]]] = [(outline, []) for outline in reversed(_outlines(body_element))]
    while stack:  # pre-order depth-first walk: document order without recursion
        outline, folder_tags = stack.pop()
        title = _visit(outline, folder_tags, feeds, base_url)
        child_tags = unique([*folder_tags, title or ""])
        stack.extend((child, child_tags) for child in reversed(_outlines(outline)))
    return list(feeds.values())


def _outlines(parent: Element | None) -> list[Element]:
    if parent is None:
        return []
    return [child for child in parent if local_name(child.tag) == "outline"]


def _visit(outline: Element, folder_tags: list[str], feeds: dict[str, OpmlFeed], base_url: str | None) -> str | None:
    """Record ``outline`` if it is a feed; return its title (the folder name for its children)."""
    title = clean_text(outline.get("title") or outline.get("text"))
    url = absolute_url(next((outline.get(a) for a in FEED_URL_ATTRIBUTES if outline.get(a)), None), base_url)
    if url is None:
        return title
    tags = unique([*folder_tags, *_category_tags(outline.get("category"))])
    if url in feeds:
        feeds[url].tags = unique([*feeds[url].tags, *tags])
    else:
        feeds[url] = OpmlFeed(url=url, title=title, tags=tags)
    return title


def _category_tags(category: str | None) -> list[str]:
    parts = (part.strip() for entry in (category or "").split(",") for part in entry.split("/"))
    return [part for part in parts if part]
