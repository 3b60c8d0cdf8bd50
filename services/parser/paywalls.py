"""Paywalls: does the page say that its text is (partly) for subscribers only?

Two kinds of evidence, strongest first:

- the publisher's own markup: JSON-LD ``isAccessibleForFree: false`` on the article, or a ``hasPart``
  element that is not free (its ``cssSelector`` names the locked part), or ``article:content_tier`` set to
  ``locked`` or ``metered``;
- a subscription gate on the page ("THIS CONTENT IS RESERVED FOR SUBSCRIBERS ONLY", "subscribe to continue
  reading") when the text we found is short, as a teaser above a gate is. A long body with such a line
  somewhere (a modal template every page carries) is not taken as paywalled.

A paywalled article is published flagged (``paywalled``). When its text is short (under
``TEASER_MAX_WORDS``) it is taken for the teaser it is: ``low_confidence`` with the reason, so that it is never
indexed as if it were the whole story. A long text behind a wall is what a crawler is often still served
(flexible sampling), and is kept as complete. ``metered`` pages are free within the meter: not paywalled.
"""

from __future__ import annotations

import re
from typing import Any

from wirewatch.services.parser.structured import Structured

GATE_MAX_WORDS = 300
TEASER_MAX_WORDS = 300
_GATE = re.compile(
    r"reserved\s+for\s+(?:paid\s+|our\s+)?subscribers|(?:subscribe|log\s*in|sign\s+in)\s+to\s+(?:continue|keep)"
    r"\s+reading|to\s+continue\s+reading,?\s+(?:please\s+)?(?:subscribe|log\s*in|sign\s+in|become)|"
    r"(?:available|exclusive)\s+(?:only\s+)?(?:to|for)\s+(?:paid\s+|our\s+)?subscribers(?:\s+only)?|"
    r"for\s+subscribers\s+only|subscriber[-\s]only\s+(?:content|article|story)|"
    r"you(?:'|’)?ve\s+reached\s+your\s+(?:free\s+)?(?:article|story)\s+limit|"
    r"you\s+have\s+reached\s+your\s+(?:free\s+)?(?:article|story)\s+limit",
    re.IGNORECASE,
)
_ANCHORS = ("subscri", "limit", "continue reading")  # every gate phrase holds one of these
_WINDOW = 80  # characters either side of an anchor: more than the longest phrase
_FALSE = frozenset({"false", "no", "0"})
_LOCKED_TIERS = frozenset({"locked"})


def paywall_reason(structured: Structured, page_text: str, body_words: int) -> str | None:
    """Why the page is paywalled, or ``None``; ``page_text`` is the decoded page, ``body_words`` the size
    of the body we extracted."""
    article = structured.article
    if _is_false(article.get("isAccessibleForFree")):
        return "paywalled: the page's JSON-LD says isAccessibleForFree is false"
    locked = _locked_part(article.get("hasPart"))
    if locked is not None:
        return f"paywalled: the page's JSON-LD marks a part not free ({locked or 'no cssSelector'})"
    tier = (structured.first_meta("article:content_tier") or "").lower()
    if tier in _LOCKED_TIERS:
        return f"paywalled: article:content_tier is {tier}"
    gate = _gate(page_text) if body_words < GATE_MAX_WORDS else None
    return f"paywalled: a subscription gate on the page ({gate!r})" if gate else None


def _gate(page_text: str) -> str | None:
    """The first gate phrase of the page. The phrase pattern is tried only around the places where its
    anchor words occur: run over a whole page it costs 20 ms, as long as parsing it."""
    lowered = page_text.lower()
    for anchor in _ANCHORS:
        start = lowered.find(anchor)
        while start >= 0:
            found = _GATE.search(page_text, max(start - _WINDOW, 0), start + _WINDOW)
            if found is not None:
                return " ".join(found.group(0).split())
            start = lowered.find(anchor, start + len(anchor))
    return None


def teaser_reason(paywall: str | None, body_words: int) -> str | None:
    """The quality gate's reason for a paywalled page whose text is short enough to be its teaser."""
    if paywall is None or body_words >= TEASER_MAX_WORDS:
        return None
    return f"{paywall}; the text ({body_words} words) is likely a teaser"


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in _FALSE)


def _locked_part(parts: Any) -> str | None:
    """The cssSelector of the first part that is not free ("" when it has none); ``None`` when all are."""
    for part in parts if isinstance(parts, list) else [parts]:
        if isinstance(part, dict) and _is_false(part.get("isAccessibleForFree")):
            selector = part.get("cssSelector")
            return selector.strip() if isinstance(selector, str) else ""
    return None
