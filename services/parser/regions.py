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
_WORDS = (
    r"caption|credits?|related|relatedposts|recommend(?:ed|ations?)?|comments?|commentlist|trending|sidebar|"
    r"widget|promo|newsletter|outbrain|taboola|disqus|popular|most[-_]?read|more[-_]?stories|read[-_]?more|"
    r"(?:photo|image|img|picture|media)[-_]?(?:by|byline|credit|author|source)"
)
_FURNITURE_TOKEN = re.compile(rf"(?:^|[-_])(?:{_WORDS})(?:$|[-_])")
_NOT_A_REGION = ("has-", "no-", "with-", "show-", "enable")  # a body class that says a page *has* comments
MAX_ANCESTORS = 40


def is_furniture(element: HtmlElement) -> bool:
    """The element itself is a caption, credit, related list, comment section, sidebar or navigation."""
    if not isinstance(element.tag, str):
        return False
    if element.tag in FURNITURE_TAGS:
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower().split()
    return any(_FURNITURE_TOKEN.search(n) for n in names if not n.startswith(_NOT_A_REGION))


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
