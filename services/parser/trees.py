"""Stage 3 of the pipeline: text to an lxml tree, safely.

libxml2 (through lxml) is run with ``huge_tree`` off and ``recover`` on, so it never allocates
without bound and never fails on tag soup; it also stops nesting at 256 levels on its own and drops
what lies deeper. Before parsing, a cheap scan of the tag stream (one regex pass, about a millisecond
for an ordinary page, stopping early on a deep one) estimates the container nesting depth: a page
nested deeper than ``max_depth`` (default 400) is refused as :class:`Pathological` rather than parsed
into a tree that has silently lost its deepest text, and no later stage ever walks a deep tree.
"""

from __future__ import annotations

import re

from lxml.etree import ParserError
from lxml.html import HtmlElement, HTMLParser, document_fromstring

from wirewatch.services.parser.errors import EmptyPage, Pathological

DEFAULT_MAX_DEPTH = 400
_CONTAINERS = ("div", "section", "article", "span", "table", "ul", "ol", "blockquote", "main", "font")
_CONTAINER_TAG = re.compile(r"<(/?)(?:" + "|".join(_CONTAINERS) + r")\b", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PARSER = HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=False, recover=True,
    collect_ids=False, default_doctype=False,
)  # fmt: skip


def build_tree(text: str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> HtmlElement:
    """Parse HTML text into a tree; raise :class:`Pathological` or :class:`EmptyPage` when we cannot."""
    depth = nesting_depth(text, max_depth)
    if depth > max_depth:
        raise Pathological(f"markup is nested at least {depth} levels deep (limit {max_depth})")
    data = _CONTROL.sub("", text).encode("utf-8", errors="replace")
    try:
        return document_fromstring(data, parser=_PARSER)
    except (ParserError, ValueError) as error:  # "Document is empty" and friends
        raise EmptyPage(f"no HTML document in the body ({error})") from error


def nesting_depth(text: str, limit: int) -> int:
    """Estimated container nesting depth, or 0 when the page has too few tags to reach ``limit``.

    Stops counting as soon as the estimate passes ``limit``: a 100,000-deep page costs ``limit`` steps.
    """
    if text.count("<") <= limit:
        return 0
    depth = deepest = 0
    for match in _CONTAINER_TAG.finditer(text):
        depth = max(depth - 1, 0) if match.group(1) else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest
