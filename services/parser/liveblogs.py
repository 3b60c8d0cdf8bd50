"""Live blogs: every entry of the feed, in page order (newest first on most sites), each with its time.

A live blog is a run of at least ``MIN_ENTRIES`` sibling containers of one kind (same tag and class), each
holding one timestamp (``<time>``, or on a declared live blog an element whose class names a time) and some
prose. Paragraph
scoring alone keeps the longest entries and drops the short ones, and never their times; here each entry
becomes its time, its title and its paragraphs. Entries inside furniture (comment lists, "latest news"
rails) never count: their containers are skipped, and a rail of teasers is mostly links.
"""

from __future__ import annotations

import re
from collections import Counter

from lxml.etree import XPath
from lxml.html import HtmlElement

from wirewatch.services.parser.blocks import attrs_of, clean_text, extract_blocks, is_skipped
from wirewatch.services.parser.boilerplate import is_boilerplate_line

MIN_ENTRIES = 3
MAX_ENTRIES = 1000  # a real live page holds a few hundred at most; each costs a walk of its own
MAX_ENTRY_DEPTH = 6  # how far above its timestamp an entry's container may stand
MAX_LINK_SHARE = 0.3
MAX_TIMESTAMP_CHARS = 40
_TIME_CLASS = re.compile(r"(?:^|[\s_-])(?:time|timestamp|datetime)(?:$|[\s_-])", re.IGNORECASE)
# candidates found by libxml2 itself: walking every element in Python costs half as much as scoring the page
_NAMED_STAMPS = XPath(".//*[@class][contains(@class, 'time') or contains(@class, 'Time')]")

Key = tuple[HtmlElement, str, str]


def live_entries(root: HtmlElement, *, declared: bool = False) -> list[list[str]]:
    """The entries of the page's live feed, each as [time, title?, paragraphs…]; empty when there is none.

    Timestamps are ``<time>`` elements; on a page that ``declared`` itself a live blog (JSON-LD
    LiveBlogPosting), also elements whose class names a time (a search that costs as much again).
    """
    stamps = _stamps(root, declared)
    if len(stamps) < MIN_ENTRIES:
        return []
    per_element: Counter[HtmlElement] = Counter(a for s in stamps for a in _containers(s))
    groups: dict[Key, set[HtmlElement]] = {}
    for stamp in stamps:
        for entry in _containers(stamp):
            parent = entry.getparent()
            if parent is not None and per_element[entry] == 1:
                groups.setdefault((parent, str(entry.tag), entry.get("class", "")), set()).add(entry)
    feeds = [(key, len(found)) for key, found in groups.items() if len(found) >= MIN_ENTRIES]
    if not feeds:
        return []
    (parent, tag, cls), _ = max(feeds, key=lambda item: (item[1], -_depth(item[0][0])))
    entries = [c for c in parent if c.tag == tag and c.get("class", "") == cls][:MAX_ENTRIES]
    texts = [_entry(e) for e in entries]
    return [t for t in texts if t] if not _in_furniture(parent) else []


def _stamps(root: HtmlElement, declared: bool) -> list[HtmlElement]:
    found: list[HtmlElement] = list(root.iter("time"))
    if declared:
        found += [s for s in _NAMED_STAMPS(root) if s.tag != "time" and _is_timestamp(s)]
    return found


def _is_timestamp(element: HtmlElement) -> bool:
    if not isinstance(element.tag, str):
        return False
    if element.tag == "time":
        return True
    return bool(_TIME_CLASS.search(attrs_of(element))) and 0 < len(element.text_content().strip()) <= 40


def _containers(stamp: HtmlElement) -> list[HtmlElement]:
    """The ancestors of a timestamp that may be its entry: each holds this one timestamp only."""
    found: list[HtmlElement] = []
    element = stamp.getparent()
    for _ in range(MAX_ENTRY_DEPTH):
        if element is None or element.tag in ("body", "html"):
            break
        found.append(element)
        element = element.getparent()
    return found


def _depth(element: HtmlElement) -> int:
    return sum(1 for _ in element.iterancestors())


def _in_furniture(element: HtmlElement) -> bool:
    return any(is_skipped(a) for a in (element, *element.iterancestors()))


def _entry(entry: HtmlElement) -> list[str]:
    stamp = next((s for s in entry.iter() if _is_timestamp(s)), None)
    when = _stamp_text(stamp) if stamp is not None else ""
    blocks = [b for b in extract_blocks(entry) if b.text != when and not is_boilerplate_line(b.text)]
    chars = sum(len(b.text) for b in blocks)
    if not when or not chars or sum(b.link_chars for b in blocks) > MAX_LINK_SHARE * chars:
        return []
    return [when, *(b.text for b in blocks)]


def _stamp_text(stamp: HtmlElement) -> str:
    text = clean_text(stamp.text_content())
    if not text or len(text) > MAX_TIMESTAMP_CHARS:
        text = stamp.get("datetime", "").strip()
    return text
