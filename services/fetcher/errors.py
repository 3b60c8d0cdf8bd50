"""Errors raised while fetching and parsing feeds and pages: the ``FetchError`` branch of the one tree
drawn in ``wirewatch/core/errors.py`` (labels, retriable flags and context are listed there), plus
``KnownUrlsError``, the fetcher's kind of ``ServiceUnavailable``.

Every fetch error carries the URL it concerns and the HTTP status when there was one. Its
``error_class`` is also the health label the poller records per feed (``feeds list``,
``last_error_class`` in the feeds index), so these labels are stored data: rename one only together
with its readers. ``retriable`` says retry with backoff, or give up and report.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from wirewatch.core.errors import ServiceUnavailable, WirewatchError

ErrorClass = Literal[
    "fetch_error",
    "redirect_error",
    "dns",
    "tls",
    "timeout",
    "connection",
    "http_status",
    "too_large",
    "blocked_address",
    "redirect_loop",
    "too_many_redirects",
    "decode",
    "robots",
    "soft_block",
    "parse",
]

RETRIABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


class FetchError(WirewatchError):
    """Root of every fetcher error (a fetch that failed for a reason none of the subclasses names)."""

    error_class: ClassVar[ErrorClass] = "fetch_error"

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status

    def __str__(self) -> str:
        where = f" [{self.url}]" if self.url else ""
        return f"{super().__str__()}{where}"


class DNSError(FetchError):
    """The host name did not resolve."""

    error_class = "dns"
    retriable = True


class TLSError(FetchError):
    """The TLS handshake or certificate check failed."""

    error_class = "tls"


class FetchTimeout(FetchError):
    """Connect, read or total deadline passed."""

    error_class = "timeout"
    retriable = True


class ConnectionFailed(FetchError):
    """The TCP connection was refused, reset or dropped mid-response."""

    error_class = "connection"
    retriable = True


class HTTPStatusError(FetchError):
    """The final response had a 4xx or 5xx status; retriable for the statuses in ``RETRIABLE_STATUSES``."""

    error_class = "http_status"

    def __init__(
        self, message: str, *, url: str | None = None, status: int, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message, url=url, status=status)
        self.retry_after_s = retry_after_s
        self.retriable = status in RETRIABLE_STATUSES


class TooLarge(FetchError):
    """The body (raw or decompressed) exceeded the size cap."""

    error_class = "too_large"


class BlockedAddress(FetchError):
    """The URL points at an address or scheme the policy refuses (SSRF guard)."""

    error_class = "blocked_address"


class RedirectError(FetchError):
    """Redirects could not be followed to an end."""

    error_class: ClassVar[ErrorClass] = "redirect_error"


class RedirectLoop(RedirectError):
    """A redirect chain came back to a URL it had already visited."""

    error_class = "redirect_loop"


class TooManyRedirects(RedirectError):
    """A redirect chain was longer than the limit."""

    error_class = "too_many_redirects"


class DecodeError(FetchError):
    """The content encoding could not be decoded."""

    error_class = "decode"


class RobotsDisallowed(FetchError):
    """robots.txt forbids this URL: not retriable. While robots.txt is only unreachable, everything is
    disallowed for now and the raiser marks that instance retriable."""

    error_class = "robots"


class SoftBlock(FetchError):
    """A 2xx/403/503 answer that is a bot challenge, not the content asked for."""

    error_class = "soft_block"
    retriable = True


class FeedParseError(FetchError):
    """The body is not a feed we can read safely; ``reason`` says why."""

    error_class = "parse"

    def __init__(self, reason: str, *, url: str | None = None) -> None:
        super().__init__(f"cannot parse feed: {reason}", url=url)
        self.reason = reason


class KnownUrlsError(ServiceUnavailable):
    """Elasticsearch refused to remember some fetched URLs; the bulk request can be repeated (retriable)."""

    error_class = "known_urls_error"
