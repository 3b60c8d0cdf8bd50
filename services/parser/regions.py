"""Parts of a page that speak about something other than the article: captions, credits, related lists, comments.

A date in a photo caption ("Protesters in Basra on 3 October 2019"), a time in a "Trending" list, a
photo credit in a ``byline``-classed span ("Photo by iStockphoto", "REUTERS/…") or a commenter's name
is not the article's own metadata. Such a region is known by its tag (``figure``, ``figcaption``,
``aside``, ``nav``) or by a class or id token (``wp-caption``, ``related-posts``, ``comment-author``,
``photo-byline``, ``sidebar``, …); :func:`in_furniture` asks it of an element and its ancestors, and
:func:`article_text` walks a tree's visible text without entering such regions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.html import HtmlElement

FURNITURE_TAGS = frozenset({"figure", "figcaption", "aside", "nav"})
HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})
CONTAINER_TAGS = frozenset({"html", "body", "main", "article"})  # their classes describe the page, not a region
_WORDS = (
    r"caption|credits?|related|relatedposts|recommend(?:ed|ations?)?|comments?|commentlist|trending|sidebar|"
    r"newsletter|outbrain|taboola|disqus|most[-_]?(?:read|popular)|more[-_]?stories|read[-_]?more"
)
# The word begins the token ("comment-author", "related-posts", "sidebar"), or follows a prefix naming what it
# belongs to ("wp-caption", "photo-credit", "post-comments"); a photo's own byline is a credit ("photo-byline",
# but "byline" and "article-byline" are the article's). A word later in a token modifies something else:
# "elementor-widget-container", "penci_sidebar", "content__header--no-promo" are not furniture.
_FURNITURE_TOKEN = re.compile(
    rf"^(?:(?:wp|image|img|photo|media|picture|figure|article|post|story|entry|jp)[-_]?)?(?:{_WORDS})(?:$|[-_])"
    r"|^(?:image|img|photo|media|picture)[-_]?(?:by|byline|author|source)(?:$|[-_])"
)
MAX_ANCESTORS = 40


def is_furniture(element: HtmlElement) -> bool:
    """The element itself is a caption, credit, related list, comment section, sidebar or navigation."""
    if not isinstance(element.tag, str):
        return False
    if element.tag in FURNITURE_TAGS:
        return True
    if element.tag in CONTAINER_TAGS:
        return False
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower().split()
    return any(_FURNITURE_TOKEN.match(n) for n in names)


def in_furniture(element: HtmlElement) -> bool:
    """The element or one of its (nearest :data:`MAX_ANCESTORS`) ancestors is furniture."""
    current: HtmlElement | None = element
    for _ in range(MAX_ANCESTORS):
        if current is None:
            return False
        if is_furniture(current):
            return True
        current = current.getparent()
    return False


def article_text(root: HtmlElement, limit: int) -> Iterator[str]:
    """Visible text under ``root`` in document order, outside furniture, until about ``limit`` characters."""
    seen = 0
    stack: list[tuple[HtmlElement, bool]] = [(root, False)]
    while stack and seen <= limit:
        element, closing = stack.pop()
        piece = element.tail if closing else _own_text(element)
        if piece and piece.strip():
            seen += len(piece)
            yield piece.strip()
        if closing:
            continue
        if element is not root:
            stack.append((element, True))  # its tail comes after its children, and even after a skipped region
        if _entered(element):
            stack.extend((child, False) for child in reversed(element))


def _entered(element: HtmlElement) -> bool:
    return isinstance(element.tag, str) and element.tag not in HIDDEN_TAGS and not is_furniture(element)


def _own_text(element: HtmlElement) -> str | None:
    return element.text if _entered(element) else None
