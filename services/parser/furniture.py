"""Furniture found by its structure and shape rather than its words: call-to-action boxes inside the article
container, and the comment section at its tail.

A call-to-action box is a small container (at most ``CTA_MAX_CHARS`` of text, several blocks) around a form
control or a link to a subscribe, log-in, sign-up or newsletter address: a newsletter sign-up, a
subscription gate, a "support us" box. Newspapers of one group share such boxes across all their sites,
whatever they call them, so their class names and their wording cannot be listed; their shape can.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lxml.html import HtmlElement

from wirewatch.services.parser.blocks import PARAGRAPH_TAGS

CTA_MAX_CHARS = 400
CTA_MAX_PROSE_SHARE = 0.5  # a box never holds most of the page's prose: that would be the story
_CONTROLS = frozenset({"form", "input", "button", "select", "textarea"})
_CTA_HREF = re.compile(
    r"/(?:subscribe|subscription|subscriptions|signup|sign-up|register|registration|login|log-in|signin|"
    r"sign-in|newsletters?|membership|donate|offers?|account)(?:[/?#.]|$)",
    re.IGNORECASE,
)
_STOP_TAGS = frozenset({"body", "html", "main", "article"})
_COMMENT_HEAD = re.compile(
    r"^\W*(?:join\s+the\s+(?:conversation|discussion|debate)|comments?|\d+\s+comments?|"
    r"leave\s+a\s+(?:reply|comment)|post\s+a\s+comment|add\s+(?:a|your)\s+comment|have\s+your\s+say|"
    r"comments\s+are\s+(?:closed|disabled)|discussion|reader\s+comments|conversation)\W*$",
    re.IGNORECASE,
)
COMMENT_HEAD_MAX_CHARS = 40


def cta_containers(
    root: HtmlElement, chars: Mapping[HtmlElement, int], blocks: Mapping[HtmlElement, int], prose: int
) -> set[HtmlElement]:
    """The call-to-action boxes under ``root``; ``chars`` and ``blocks`` give each element's text size and
    its number of text blocks, ``prose`` the page's prose size."""
    found: set[HtmlElement] = set()
    boxes: dict[HtmlElement, HtmlElement] = {}  # a small ancestor → its box, so no chain is walked twice
    for trigger in root.iter("a", *_CONTROLS):
        control = trigger.tag in _CONTROLS
        if not control and not _CTA_HREF.search(trigger.get("href") or ""):
            continue
        box = _box_around(trigger, chars, boxes)
        if box is None or box in found:
            continue
        if not control and (box.tag in PARAGRAPH_TAGS or blocks.get(box, 0) < 2):
            continue  # a story paragraph that links to the subscription page is still story
        if chars.get(box, 0) <= CTA_MAX_PROSE_SHARE * prose or not prose:
            found.add(box)
    return found


def _box_around(
    trigger: HtmlElement, chars: Mapping[HtmlElement, int], boxes: dict[HtmlElement, HtmlElement]
) -> HtmlElement | None:
    """The largest ancestor of ``trigger`` that is still small, below the page's main containers."""
    box = None
    walked: list[HtmlElement] = []
    for ancestor in trigger.iterancestors():
        if ancestor in boxes:  # the rest of the chain was walked from an earlier trigger
            box = boxes[ancestor]
            break
        if ancestor.tag in _STOP_TAGS or chars.get(ancestor, 0) > CTA_MAX_CHARS:
            break
        walked.append(ancestor)
        box = ancestor
    for ancestor in walked:
        boxes[ancestor] = box
    return box


def comment_tail(paragraphs: list[str]) -> int:
    """Where the comment section starts in the second half of a body (a short "Join the conversation",
    "3 comments" or "Comments are closed" line), or ``len(paragraphs)`` when it has none."""
    for index in range(len(paragraphs) // 2, len(paragraphs)):
        line = paragraphs[index]
        if len(line) <= COMMENT_HEAD_MAX_CHARS and _COMMENT_HEAD.match(line):
            return index
    return len(paragraphs)
