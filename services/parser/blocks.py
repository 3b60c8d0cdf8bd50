"""Text blocks of a page: the runs of inline text under each container, with their link share.

One walk over the tree, without changing it, turns the DOM into a list of :class:`Block` in document
order. Furniture containers (navigation, share bars, comment boxes …, see ``boilerplate``) are skipped
whole. Paragraph breaks come from block elements and from ``<br><br>``; single ``<br>`` stays a space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from wirewatch.services.parser.boilerplate import SKIP_TAGS, is_unlikely

INLINE_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins",
        "kbd", "mark", "nobr", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
        "time", "tt", "u", "var", "wbr", "img", "big", "center", "acronym",
    }
)  # fmt: skip
PARAGRAPH_TAGS: frozenset[str] = frozenset(
    {"p", "li", "pre", "blockquote", "dd", "dt", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}
)
HEADING_TAGS: frozenset[str] = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b\u2028\u2029]+")
_BREAKS = re.compile(r"\s*\n\s*\n\s*")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


@dataclass(slots=True)
class Block:
    """One paragraph-sized run of text and where it sits in the tree."""

    element: HtmlElement
    path: tuple[HtmlElement, ...]
    text: str
    link_chars: int

    @property
    def tag(self) -> str:
        return str(self.element.tag)

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


def attrs_of(element: HtmlElement) -> str:
    """The class and id of an element, as one string to match furniture names against."""
    return f"{element.get('class', '')} {element.get('id', '')}".strip()


def is_skipped(element: HtmlElement, strict: bool = True) -> bool:
    """True for an element whose subtree is hidden or not text at all, or (``strict``) named as furniture."""
    tag = element.tag
    if not isinstance(tag, str) or tag in SKIP_TAGS:
        return True
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = element.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    return strict and tag not in ("body", "html", "main", "article") and is_unlikely(attrs_of(element))


def inline_text(element: HtmlElement, parts: list[str]) -> int:
    """Append the text under an inline element to ``parts``; return how much of it is link text."""
    first = len(parts)  # only this element's own parts are summed: a run of 50,000 links stays linear
    parts.append(element.text or "")
    links = 0
    for child in element:
        if child.tag == "br":
            parts.append("\n")
        elif not is_skipped(child):
            links += inline_text(child, parts)
        parts.append(child.tail or "")
    if element.tag == "a":
        return sum(map(len, parts[first:]))
    return links


def extract_blocks(root: HtmlElement, *, strict: bool = True) -> list[Block]:
    """All text blocks under ``root`` in document order.

    ``strict`` also skips containers whose class or id names them as furniture.
    """
    blocks: list[Block] = []
    _walk(root, (), blocks, strict)
    return blocks


def _walk(element: HtmlElement, path: tuple[HtmlElement, ...], blocks: list[Block], strict: bool) -> None:
    path = (*path, element)
    parts: list[str] = [element.text or ""]
    links = 0
    for child in element:
        if is_skipped(child, strict):
            pass
        elif child.tag == "br":
            parts.append("\n")
        elif child.tag in INLINE_TAGS and not _has_block_child(child):
            links += inline_text(child, parts)
        else:
            _flush(element, path, parts, links, blocks)
            parts, links = [], 0
            _walk(child, path, blocks, strict)
        parts.append(child.tail or "")
    _flush(element, path, parts, links, blocks)


def _has_block_child(element: HtmlElement) -> bool:
    return any(isinstance(c.tag, str) and c.tag not in INLINE_TAGS and c.tag != "br" for c in element)


def _flush(
    element: HtmlElement, path: tuple[HtmlElement, ...], parts: list[str], links: int, blocks: list[Block]
) -> None:
    raw = "".join(parts)
    if not raw.strip():
        return
    pieces = [clean_text(p) for p in _BREAKS.split(raw)]
    pieces = [p for p in pieces if p]
    total = sum(map(len, pieces)) or 1
    for piece in pieces:
        blocks.append(Block(element, path, piece, round(links * len(piece) / total)))


def clean_text(text: str) -> str:
    """Collapse runs of spaces and line breaks inside one paragraph."""
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()
