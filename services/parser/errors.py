"""Why a page could not be parsed: the ``ParseError`` branch of the one tree drawn in
``wirewatch/core/errors.py`` (labels, retriable flags and context are listed there).

Each subclass is a defined outcome for bad input, and none is retriable: the same bytes fail the same
way, so the worker dead-letters the page with ``reason`` and ``error_class``. That includes
``ParseTimeout``: a page that overran its budget once would stall the stream again on every retry.
"""

from __future__ import annotations

from typing import Any

from wirewatch.core.errors import WirewatchError


class ParseError(WirewatchError):
    """Root of every parser failure: the page is not an article we can produce (raised as such when
    the parser itself crashed on the page)."""

    error_class = "parse_error"

    def __init__(self, reason: str, *, url: str | None = None) -> None:
        super().__init__(reason)
        self.url = url

    def __reduce__(self) -> tuple[type[ParseError], tuple[str], dict[str, str | None]]:
        # keyword-only ``url`` is not in ``args``: pickle it as state so a worker process can raise it
        return (type(self), (self.reason,), {"url": self.url})

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        state = state or {}
        self.url = state.get("url")


class NotHtml(ParseError):
    """The body is not HTML (PDF, image, archive, other binary)."""

    error_class = "not_html"


class EmptyPage(ParseError):
    """The body is empty, or has no text once the markup is removed."""

    error_class = "empty_page"


class PageTooLarge(ParseError):
    """The body is larger than the configured maximum size."""

    error_class = "page_too_large"


class Pathological(ParseError):
    """The markup is nested too deeply to be parsed faithfully."""

    error_class = "pathological"


class ParseTimeout(ParseError):
    """Parsing overran its time budget; the worker that ran it was replaced.

    Not retriable: a page that overran once would stall the stream again on every retry. It is
    dead-lettered with the reason and can be replayed (``wirewatch dlq replay``) with a larger budget.
    """

    error_class = "parse_timeout"
