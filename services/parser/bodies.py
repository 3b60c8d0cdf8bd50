"""Stage 5 of the pipeline: the article body, chosen among candidates and cleaned.

Candidates:

- ``density``: our paragraph-scoring extractor (``density.py``), the default;
- ``json-ld``: the page's own ``articleBody``, when it is substantial and the page really shows it;
- ``trafilatura``: a second opinion, asked only when our extractor finds (almost) nothing.

Checks pick one: JSON-LD wins when it is consistent with the page and our candidate misses most of it;
trafilatura wins when ours is short and trafilatura's is clearly longer and contains ours. The winner is
cleaned: the repeated headline, captions, credits and furniture lines are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml.etree import ParserError
from lxml.html import HtmlElement, fragment_fromstring

from wirewatch.services.parser.blocks import clean_text, extract_blocks
from wirewatch.services.parser.boilerplate import is_boilerplate_line
from wirewatch.services.parser.density import density_paragraphs
from wirewatch.services.parser.furniture import comment_tail
from wirewatch.services.parser.galleries import captions_carry_the_page, gallery_captions
from wirewatch.services.parser.liveblogs import live_entries
from wirewatch.services.parser.shingles import coverage, shingle_set, words
from wirewatch.services.parser.standfirsts import find_standfirst
from wirewatch.services.parser.structured import Structured, type_names

MIN_JSONLD_CHARS = 500
JSONLD_ON_PAGE = 0.6  # share of the JSON-LD body the page must show to be trusted
JSONLD_MISSED = 0.5  # … and the most of it our candidate may cover for JSON-LD to win
SECOND_OPINION = True  # the benchmark turns it off to measure what it buys
SECOND_OPINION_BELOW = 500  # chars: ask trafilatura when ours is shorter than this
SECOND_OPINION_GAIN = 2.0
REPEAT_MIN_CHARS = 40
LIVE_COVERS = 0.6  # share of our candidate's text a live feed must hold to replace it
TRAFILATURA_VERSION = str(trafilatura.__version__)


@dataclass(frozen=True, slots=True)
class Body:
    """The chosen body and what the quality gate needs to know about the page."""

    paragraphs: list[str]
    method: str
    page_chars: int
    page_link_chars: int
    standfirst: str | None = None  # kept apart: the benchmark's truth, like most readers, starts at the text

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


#: how far from the top a dateline may stand, and what it looks like
HEAD_LINES = 4
DATELINE_MAX_CHARS = 80
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATELINE = re.compile(
    r"(?i)(?:(?:published|updated|posted|last updated)\s*:?\s*)?"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
    rf"(?:\d{{1,2}}\s+{_MONTH}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}})"
    r",?\s*(?:\d{4})?"
    r"(?:\s*[,|·-]?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*(?:[A-Z]{2,5}|GMT|UTC)?\s*[+-]?\d{0,2}(?::?\d{2})?)?)?"
)

#: "By Name Surname", "By Name and Name | Agency", optionally followed by a separator and a date
_NAME = r"(?:[A-Z][\w'.-]*\s*){1,4}"
BYLINE = re.compile(rf"(?i:by|words by|written by)\s+{_NAME}(?:(?:and|&|,)\s+{_NAME})*(?:[|·•,–—-].*)?")


def extract_body(tree: HtmlElement, structured: Structured, title: str | None) -> Body:
    """The cleaned article body of a parsed page."""
    root = tree.find("body")
    root = root if root is not None else tree
    found = density_paragraphs(root)
    paragraphs, method = found.paragraphs, "density"
    live = _live_paragraphs(root, paragraphs, "liveblogposting" in type_names(structured.article))
    if live:
        cleaned = clean_paragraphs(live, title, head=False)
        return Body(cleaned, "live-blog", found.page_chars, found.page_link_chars, find_standfirst(root, None))
    captions = gallery_captions(root)
    from_jsonld = _jsonld_paragraphs(structured.article.get("articleBody"))
    if captions_carry_the_page(captions, paragraphs):
        paragraphs, method = [*paragraphs, *captions], "gallery"
    elif from_jsonld and _jsonld_wins(from_jsonld, paragraphs, root):
        paragraphs, method = from_jsonld, "json-ld"
    elif SECOND_OPINION and sum(map(len, paragraphs)) < SECOND_OPINION_BELOW:
        paragraphs, method = _second_opinion(tree, paragraphs)
    cleaned = clean_paragraphs(paragraphs, title)
    standfirst = find_standfirst(root, cleaned[0] if cleaned else None)
    return Body(cleaned, method, found.page_chars, found.page_link_chars, standfirst)


def clean_paragraphs(paragraphs: list[str], title: str | None, *, head: bool = True) -> list[str]:
    """Drop the repeated headline at the top, a dateline or byline above the text (``head``; a live blog's
    first entry starts with its time), furniture lines, immediate repeats and a comment section at the end."""
    title_key = " ".join(words(title or ""))
    kept: list[str] = []
    for index, paragraph in enumerate(paragraphs[: comment_tail(paragraphs)]):
        key = " ".join(words(paragraph))
        if not key or is_boilerplate_line(paragraph):
            continue
        if index < 3 and not kept and key == title_key:
            continue
        if head and index < HEAD_LINES and not any(_is_prose(p) for p in kept) and _is_head_furniture(paragraph):
            continue
        if kept and len(key) > REPEAT_MIN_CHARS and key == " ".join(words(kept[-1])):
            continue  # a pull quote or a layout echo; short cells (table numbers) may repeat
        kept.append(paragraph)
    return kept


def _is_prose(paragraph: str) -> bool:
    return len(paragraph.split()) >= 8 and paragraph.rstrip()[-1:] in '.!?"”’)'


def _is_head_furniture(paragraph: str) -> bool:
    """Above the first sentence of text: a bare dateline ("18 November 2026, 07:15 GMT+3",
    "Updated: Nov. 18, 2026 9:40 am") or a byline ("By Leyla Saeed · 14 March 2026"). Short kickers are
    kept: on real pages too many of them are text."""
    line = paragraph.strip()
    if len(line) > DATELINE_MAX_CHARS:
        return False
    return DATELINE.fullmatch(line) is not None or BYLINE.fullmatch(line) is not None


def _live_paragraphs(root: HtmlElement, ours: list[str], declared: bool) -> list[str]:
    """A live blog's entries (time, title, text each), when the page has a feed holding most of our text."""
    entries = live_entries(root, declared=declared)
    if not entries:
        return []
    paragraphs = [p for entry in entries for p in entry]
    ours_shingles = shingle_set(" ".join(ours))
    if ours_shingles and coverage(ours_shingles, shingle_set(" ".join(paragraphs))) < LIVE_COVERS:
        return []
    return paragraphs


def _jsonld_wins(candidate: list[str], ours: list[str], root: HtmlElement) -> bool:
    theirs = shingle_set(" ".join(candidate))
    on_page = coverage(theirs, shingle_set(root.text_content()))
    return on_page >= JSONLD_ON_PAGE and coverage(theirs, shingle_set(" ".join(ours))) < JSONLD_MISSED


def _jsonld_paragraphs(value: Any) -> list[str]:
    if not isinstance(value, str) or len(value) < MIN_JSONLD_CHARS:
        return []
    if "<" in value and ">" in value:
        try:
            fragment = fragment_fromstring(value, create_parent="div")
        except (ParserError, ValueError):
            return []
        return [b.text for b in extract_blocks(fragment, strict=False)]
    separator = "\n\n" if "\n\n" in value else "\n"
    return [t for t in (clean_text(p) for p in value.split(separator)) if t]


def _second_opinion(tree: HtmlElement, ours: list[str]) -> tuple[list[str], str]:
    text = trafilatura.extract(tree, include_comments=False) or ""
    theirs = [line.strip() for line in text.split("\n") if line.strip()]
    ours_text = " ".join(ours)
    longer = len(text) >= max(SECOND_OPINION_GAIN * len(ours_text), 1)
    if theirs and longer and (not ours or coverage(shingle_set(ours_text), shingle_set(text)) >= 0.6):
        return theirs, "trafilatura"
    return ours, "density"
