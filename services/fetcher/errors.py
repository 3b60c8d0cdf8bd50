"""Errors raised while fetching and parsing feeds and pages.

Every error carries the URL it concerns, the HTTP status when there was one, an ``error_class`` (the
health label the worker records per feed) and ``retriable`` (retry with backoff, or give up and report)::

    FetchError                      root; error_class, retriable, url, status
    ├── DNSError                    dns                 retriable
    ├── TLSError                    tls                 not retriable (a bad certificate stays bad)
    ├── FetchTimeout                timeout             retriable
    ├── ConnectionFailed            connection          retriable
    ├── HTTPStatusError             http_status         retriable for 408, 425, 429 and 5xx; has retry_after_s
    ├── TooLarge                    too_large           not retriable
    ├── BlockedAddress              blocked_address     not retriable (private, metadata, bad scheme)
    ├── RedirectError               (abstract)          not retriable
    │   ├── RedirectLoop            redirect_loop
    │   └── TooManyRedirects        too_many_redirects
    ├── DecodeError                 decode              not retriable (corrupt gzip/brotli)
    ├── RobotsDisallowed            robots              not retriable (robots.txt says no), unless unreachable
    ├── SoftBlock                   soft_block          retriable (a challenge page; back off and retry later)
    └── FeedParseError              parse               not retriable; has reason
"""

from __future__ import annotations

from typing import ClassVar, Literal

ErrorClass = Literal[
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


class FetchError(Exception):
    """Root of every fetcher error."""

    error_class: ClassVar[ErrorClass]
    retriable: bool = False

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
    """The final response had a 4xx or 5xx status."""

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
    """robots.txt forbids this URL (or is temporarily unreadable)."""

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
