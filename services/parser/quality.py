"""Stage 6 of the pipeline: is this an article at all? A gate that flags rather than drops.

A page is low-confidence when its body is empty or very short, or when it looks like a home page or a
listing (link-heavy, no article markup). The worker still publishes it, flagged, with the reason.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MIN_WORDS = 60
LISTING_LINK_SHARE = 0.45  # share of the page's text inside links above which a page lists, not tells
LISTING_MAX_WORDS = 250
_LISTING_PATH = re.compile(
    r"^/?(?:index\.\w+)?$|/(?:tags?|category|categories|topics?|section|search|page/\d+)(?:/|$)", re.I
)


def quality_reason(
    text: str, *, url: str, has_article_markup: bool, page_chars: int, page_link_chars: int
) -> str | None:
    """Why the result is low-confidence, or ``None`` when it looks like a real article."""
    word_count = len(text.split())
    if word_count == 0:
        return "no article text found"
    link_share = page_link_chars / page_chars if page_chars else 0.0
    if not has_article_markup and _LISTING_PATH.search(urlsplit(url).path or "/"):
        return "home or section page: the URL is a section root and the page has no article markup"
    if link_share > LISTING_LINK_SHARE and word_count < LISTING_MAX_WORDS and not has_article_markup:
        return f"listing page: {link_share:.0%} of the page text is links and the body is {word_count} words"
    if word_count < MIN_WORDS:
        return f"text too short: {word_count} words (minimum {MIN_WORDS})"
    return None
