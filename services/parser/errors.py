"""Why a page could not be parsed: one root error, each subclass a defined outcome for bad input.

::

    ParseError                 (root; reason, error_class, retriable = False)
    ├── NotHtml                the body is a PDF, an image, an archive or other binary
    ├── EmptyPage              no bytes, or no text at all once the markup is removed
    ├── PageTooLarge           the body is larger than the configured maximum
    ├── Pathological           nesting so deep the tree cannot be trusted (e.g. 100,000 nested <div>s)
    └── ParseTimeout           parsing overran its time budget (retriable: the page may be fine)

Every error carries a human-readable ``reason``; ``error_class`` is a stable short name the worker puts on
the dead-letter record. ``retriable`` tells the worker whether to retry with backoff or dead-letter now.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ParseError(Exception):
    """Root of every parser failure: the page is not an article we can produce."""

    retriable: ClassVar[bool] = False
    error_class: ClassVar[str] = "parse_error"

    def __init__(self, reason: str, *, url: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
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

    retriable = False
    error_class = "parse_timeout"
