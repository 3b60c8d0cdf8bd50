"""Galleries and slideshows: when the captions carry the story, they are its text.

Captions are left out of an ordinary article (the extraction benchmark's truth never holds them), so
``figure`` and ``figcaption`` are skipped by the block walk. A photo gallery, though, says what it has to
say in its captions: when a page has at least ``MIN_CAPTIONS`` real captions and they hold more text than
the prose around them, each caption becomes a paragraph, without its counter ("3 / 8") or credit line.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from wirewatch.services.parser.blocks import attrs_of, extract_blocks
from wirewatch.services.parser.boilerplate import is_boilerplate_line

MIN_CAPTIONS = 3
MIN_CAPTION_CHARS = 25
_COUNTER = re.compile(r"\d+\s*(?:/|of)\s*\d+", re.IGNORECASE)
_CREDIT_ATTR = re.compile(r"credit|copyright|count|counter|source|byline", re.IGNORECASE)


def gallery_captions(root: HtmlElement) -> list[str]:
    """The captions of the page's figures in page order, each without its counter and credit."""
    captions: list[str] = []
    seen: set[str] = set()  # a slide repeated in a carousel's clones; a set, as a page may hold thousands
    figures = [f for f in root.iter("figure") if next(f.iterancestors("figure"), None) is None]
    if len(figures) < MIN_CAPTIONS:
        return captions
    for figure in figures:  # outermost figures only: each subtree is walked once
        caption = next((e for e in figure.iter() if _is_caption(e)), None)
        text = " ".join(_caption_lines(caption)) if caption is not None else ""
        if len(text) >= MIN_CAPTION_CHARS and text not in seen:
            seen.add(text)
            captions.append(text)
    return captions


def _is_caption(element: HtmlElement) -> bool:
    return element.tag == "figcaption" or "caption" in (element.get("class") or "").lower()


def captions_carry_the_page(captions: list[str], prose: list[str]) -> bool:
    """True for a gallery: enough captions, and more caption text than prose."""
    return len(captions) >= MIN_CAPTIONS and sum(map(len, captions)) > sum(map(len, prose))


def _caption_lines(caption: HtmlElement) -> list[str]:
    lines: list[str] = []
    for block in extract_blocks(caption, strict=False):
        if any(_CREDIT_ATTR.search(attrs_of(e)) for e in block.path[1:]):
            continue
        if _COUNTER.fullmatch(block.text) or is_boilerplate_line(block.text):
            continue
        lines.append(block.text)
    return lines
