"""Reading the HTTP response headers that steer scheduling (``Retry-After`` and ``Cache-Control``), and
choosing where a feed's own request headers (its cookies, an authorisation) may go: its host only."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

MAX_RETRY_AFTER_S = 7 * 86400.0  # a server asking for a month off is asking for a week
_MAX_AGE = re.compile(r"(?:^|[,\s])(?:s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` (delta-seconds or an HTTP date) → seconds from ``now``, capped; ``None`` if absent."""
    if value is None or not (value := value.strip()):
        return None
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def max_age_s(cache_control: str | None) -> float | None:
    """The largest ``max-age``/``s-maxage`` in a ``Cache-Control`` header, in seconds."""
    if not cache_control:
        return None
    ages = [float(match) for match in _MAX_AGE.findall(cache_control)]
    return max(ages) if ages else None


def scoped_headers(feed_url: str | None, pairs: Sequence[tuple[str, str]], target: str) -> Mapping[str, str]:
    """A feed's ``pairs`` if ``target`` is on the feed's host (and not ``http`` under an ``https`` feed), else none.

    The fetcher also drops them on a redirect to another host (``SafeFetcher.fetch(headers=…)``)."""
    if not pairs or not feed_url:
        return {}
    feed, to = urlsplit(feed_url), urlsplit(target)
    same_host = (feed.hostname or "").rstrip(".") == (to.hostname or "").rstrip(".")
    downgraded = feed.scheme.lower() == "https" and to.scheme.lower() != "https"
    return dict(pairs) if same_host and not downgraded else {}
