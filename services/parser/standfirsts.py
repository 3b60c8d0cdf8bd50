"""The standfirst (subtitle, dek, strapline): the sentence under the headline that sums the story up.

It sits in the article's header, outside the container paragraph scoring picks, so the body would lose it.
It is the first element after the page's ``<h1>`` (within ``LOOKAHEAD`` elements, before the body's first
paragraph) whose class or ``itemprop`` names a standfirst and whose text is a sentence, not a link.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.html import HtmlElement

from wirewatch.services.parser.blocks import attrs_of, clean_text

LOOKAHEAD = 40
MIN_CHARS = 30
MAX_CHARS = 400
_STANDFIRST = re.compile(
    r"standfirst|(?:^|[\s_-])dek(?:$|[\s_-])|sub-?title|sub-?head|strapline|sub-?heading|deck|"
    r"article-?summary|article__summary|summary-?text|(?:^|[\s_-])lede(?:$|[\s_-])",
    re.IGNORECASE,
)
_META = re.compile(r"byline|author|date|time", re.IGNORECASE)
_ITEMPROPS = frozenset({"alternativeheadline", "description", "abstract"})


def find_standfirst(root: HtmlElement, first_paragraph: str | None) -> str | None:
    """The standfirst under the page's first ``<h1>``, or ``None``."""
    headline = next(root.iter("h1"), None)
    if headline is None:
        return None
    for element in _following(headline):
        named = isinstance(element.tag, str) and _named_standfirst(element)
        if not named and element.tag != "p":
            continue
        text = clean_text(element.text_content())
        if named and MIN_CHARS <= len(text) <= MAX_CHARS and not _holds_meta(element):
            links = sum(len(a.text_content()) for a in element.iter("a"))
            if links < len(text) / 2:
                return text
        if first_paragraph and text == first_paragraph:
            return None  # the body came first
    return None


def _following(element: HtmlElement) -> Iterator[HtmlElement]:
    """Up to ``LOOKAHEAD`` elements after ``element`` in document order (its own subtree excluded)."""
    count = 0
    node: HtmlElement | None = element
    while node is not None:
        for sibling in node.itersiblings():
            for following in sibling.iter():
                yield following
                count += 1
                if count >= LOOKAHEAD:
                    return
        node = node.getparent()


def _holds_meta(element: HtmlElement) -> bool:
    """A "subhead" bar that holds the byline and the date is not a standfirst."""
    return any(
        e.tag == "time" or _META.search(attrs_of(e)) for e in element.iterdescendants() if isinstance(e.tag, str)
    )


def _named_standfirst(element: HtmlElement) -> bool:
    if (element.get("itemprop") or "").lower() in _ITEMPROPS:
        return True
    return bool(_STANDFIRST.search(attrs_of(element)))
