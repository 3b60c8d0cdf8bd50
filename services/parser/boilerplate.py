"""What boilerplate looks like: generic tag, class/id and phrase signals shared by the body extractors.

Nothing here names a site. The patterns describe page furniture every news site has — navigation, share
bars, cookie banners, comment boxes, newsletter sign-ups, "most read" lists, captions and credits.
"""

from __future__ import annotations

import re
from functools import lru_cache

# elements that never hold article prose
SKIP_TAGS: frozenset[str] = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "math", "canvas", "video", "audio", "iframe",
        "object", "embed", "nav", "footer", "aside", "button", "select", "textarea", "input", "label",
        "figure", "figcaption", "picture", "map", "menu", "dialog", "head", "title", "meta", "link",
    }
)  # fmt: skip

# class/id fragments of containers that hold furniture, not the story
_UNLIKELY = (
    r"comment|disqus|respond|reply|share|sharing|social|sociable|related|recommend|more-?stories|"
    r"newsletter|subscri|signup|sign-up|cookie|consent|gdpr|banner|promo|advert|\bads?\b|-ad-|\bad-|"
    r"sponsor|sidebar|side-bar|footer|\bfoot\b|navbar|\bnav\b|navigation|menu|breadcrumb|"
    r"caption|credit|byline|author|popular|most-?read|trending|outbrain|taboola|modal|popup|"
    r"toolbar|skip-?link|masthead|pagination|pager|tag-?list|\btags\b|print-?only|rating|"
    r"read-?more|readmore|also-?read|newsfeed|sr-only|visually-?hidden|screen-?reader|"
    r"jump|login|overlay|toast|alert-bar|next-?article|prev-?article|tooltip"
)
UNLIKELY_ATTR = re.compile(_UNLIKELY, re.IGNORECASE)
# containers whose names say "this is the story", which outweighs an unlikely fragment
LIKELY_ATTR = re.compile(
    r"article|body|content|entry|main|story|post-?text|text|blog|column|page|shadow", re.IGNORECASE
)
POSITIVE_ATTR = re.compile(r"article|body|content|entry|main|story|post|text|blog|prose", re.IGNORECASE)
NEGATIVE_ATTR = re.compile(_UNLIKELY + r"|combx|contact|meta|outbrain|shoutbox|shopping|tool", re.IGNORECASE)

# short lines that are calls to action or furniture, not prose
BOILERPLATE_LINE = re.compile(
    r"^\W*(?:"
    r"(?:post|leave|add|write|view|show|load|read)\s+(?:a|all|the|your|\d+)?\s*(?:comments?|repl(?:y|ies))|"
    r"comments?|\d+\s+comments?|share(?:\s+(?:this|on|via)\b.*)?|tweet|email|print|whatsapp|facebook|"
    r"twitter|linkedin|pinterest|reddit|copy\s+link|advertisement|sponsored(?:\s+content)?|"
    r"(?:sign\s+up|subscribe)\b.*(?:newsletter|updates|inbox|email).*|"
    r"(?:get|receive)\s+(?:our|the)\s+.*newsletter.*|"
    r"(?:most\s+(?:read|popular|viewed|shared)|related(?:\s+(?:articles?|stories|news|posts|content))?|"
    r"recommended(?:\s+for\s+you)?|you\s+may\s+also\s+like|more\s+(?:from|on|stories|news)\b.*|"
    r"read\s+more\b.*|see\s+also|trending(?:\s+now)?|top\s+stories|editor'?s\s+picks?)|"
    r"(?:photo|image|picture|video|graphic|illustration)\s*(?:credit)?\s*:.*|"
    r"(?:\(|\[)?(?:photo|image|picture|credit)s?\b.*(?:getty|reuters|afp|ap|epa|shutterstock|alamy|"
    r"images?|photos?)\W*|"
    r"we\s+use\s+cookies\b.*|this\s+(?:site|website)\s+uses\s+cookies\b.*|"
    r"(?:accept|reject|manage)\s+(?:all\s+)?cookies.*|"
    r"all\s+rights\s+reserved.*|©.*|copyright\s+©?.*|"
    r"click\s+here\b.*|skip\s+to\s+(?:main\s+)?content|back\s+to\s+top|"
    r"(?:(?:first\s+)?published|(?:last\s+)?updated|posted)(?:\s+on)?\s*:?\s*(?:[a-z]{3,9}\.?\s+\d{1,2}\b|"
    r"\d{1,2}(?:st|nd|rd|th)?\s+[a-z]{3,9}\b|\d{1,4}[-/.]\d{1,2}|\d+\s+(?:min|minutes?|hours?|days?)\s+ago)[^!?]{0,60}|"
    r"(?:follow|like)\s+us\s+on\b.*|loading\.*|please\s+enable\s+javascript.*|"
    r"join\s+the\s+(?:conversation|discussion|debate)|comments\s+are\s+(?:closed|disabled|moderated)\b.*|"
    r"(?:this\s+)?(?:content|article|story)\s+is\s+(?:reserved|available)\s+(?:for|to)\s+(?:paid\s+)?subscribers.*|"
    r"already\s+a\s+(?:subscriber|member)\?.*|subscribe\s+(?:now|today)\b.*"
    r")\W*$",
    re.IGNORECASE,
)
MAX_BOILERPLATE_LINE = 160


@lru_cache(maxsize=8192)  # class names repeat within and across pages of a site
def is_unlikely(attrs: str) -> bool:
    """True for a container whose class/id says furniture and nothing says story."""
    return bool(attrs) and UNLIKELY_ATTR.search(attrs) is not None and LIKELY_ATTR.search(attrs) is None


@lru_cache(maxsize=8192)
def class_weight(attrs: str) -> float:
    """Readability's class/id weight: positive names earn, furniture names cost."""
    if not attrs:
        return 0.0
    weight = 0.0
    if NEGATIVE_ATTR.search(attrs):
        weight -= 25.0
    if POSITIVE_ATTR.search(attrs):
        weight += 25.0
    return weight


def is_boilerplate_line(line: str) -> bool:
    """A short line that is a call to action, a credit or a section label."""
    return len(line) <= MAX_BOILERPLATE_LINE and BOILERPLATE_LINE.match(line) is not None
