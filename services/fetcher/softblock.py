"""Soft blocks: answers that look like success (or a plain 403/503) but are a bot challenge.

Cloudflare's "Just a moment...", captcha walls (reCAPTCHA, hCaptcha, DataDome, PerimeterX), Incapsula,
and tiny pages whose only content is a script that sets a cookie and reloads. Only HTML is inspected
(a feed is never a challenge page), and only its first :data:`SCAN_BYTES`, so the check is cheap.
Generic words such as "captcha" count only at the start of the ``<title>`` of a small page, or in a
tiny page: an article *about* captchas is not a block.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

SCAN_BYTES = 64 * 1024
SMALL_PAGE_BYTES = 8 * 1024
CHALLENGE_MAX_BYTES = 64 * 1024  # challenge pages are small; article pages rarely are
STRONG_MARKERS = (
    b"cf-chl",
    b"cf_chl_",
    b"/cdn-cgi/challenge-platform/",
    b"challenges.cloudflare.com",
    b"_incapsula_resource",
    b"captcha-delivery.com",
    b"px-captcha",
    b"ddos-guard",
    b"sgcaptcha",
)
TITLE_MARKERS = (
    "just a moment",
    "attention required",
    "captcha",
    "are you a robot",
    "are you human",
    "verify you are human",
    "checking your browser",
    "security check",
    "pardon our interruption",
    "access denied",
    "bot verification",
)
SMALL_PAGE_MARKERS = (
    b"captcha",
    b"document.cookie",
    b"location.reload",
    b"window.location",
    b"enable javascript",
)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)


def soft_block_reason(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """Why this answer is a challenge page rather than content, or ``None`` if it looks genuine."""
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return "cf-mitigated: challenge header"
    head = body[:SCAN_BYTES]
    if not _is_html(headers.get("Content-Type", ""), head):
        return None
    lowered = head.lower()
    if marker := next((m for m in STRONG_MARKERS if m in lowered), None):
        return f"challenge marker {marker.decode()!r}"
    if len(body) <= CHALLENGE_MAX_BYTES and (title := _title(lowered)) and title.startswith(TITLE_MARKERS):
        return f"challenge page title {title[:80]!r}"
    return _small_page_reason(status, lowered) if len(body) <= SMALL_PAGE_BYTES else None


def _is_html(content_type: str, head: bytes) -> bool:
    if "html" in content_type.lower():
        return True
    start = head.lstrip()[:64].lower()
    return start.startswith((b"<!doctype html", b"<html"))


def _title(lowered: bytes) -> str | None:
    match = _TITLE.search(lowered)
    return " ".join(match[1].decode("utf-8", "replace").split()) if match else None


def _small_page_reason(status: int, lowered: bytes) -> str | None:
    """A tiny page that is mostly a script poking cookies or reloading itself."""
    if b"<script" not in lowered and status < 400:
        return None
    marker = next((m for m in SMALL_PAGE_MARKERS if m in lowered), None)
    return f"small page with {marker.decode()!r}" if marker else None
