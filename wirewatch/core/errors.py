"""Every error Wirewatch raises on purpose, as one tree.

Each class declares ``error_class``, the snake_case label written on dead letters, on feed health and on
metrics (unique across the tree), and ``retriable``: yes → the stage retries with backoff and never drops
the item, no → it dead-letters (or reports) at once. ``varies``: no by default, and the raiser sets it per
instance for the cause named. Context lives on attributes (``reason`` on all of them, plus the ones named
below), not only in the text. Exceptions from outside the tree are labelled with their type name in
snake_case (``ValueError`` → ``value_error``, see :func:`error_class_of`). Service classes are defined
in ``services/<name>/errors.py``, the rest where named.

    class                            error_class           retriable  context and meaning
    WirewatchError                   wirewatch_error       no         reason; the root
    ├── SchemaError                  schema_error          no         a message does not match its topic's model
    ├── MessageTooLarge              message_too_large     no         topic, size, limit: an output the broker refuses
    ├── StageFailure                 stage_failure         no         one item failed; a retry will not fix it
    │   ├── DocumentRejected         document_rejected     no         article_id, status: Elasticsearch refused it
    │   └── DeliveryFailed           delivery_failed       no         delivery_id: webhooks failed every attempt
    ├── ServiceUnavailable           service_unavailable   yes        Kafka or Elasticsearch is down or overloaded
    │   └── KnownUrlsError           known_urls_error      yes        the fetcher's bulk "URL seen" write failed
    ├── BlockedDestination           blocked_destination   no         url: the outbound address policy refuses it
    ├── FetchError                   fetch_error           no         url, status; the fetcher's root
    │   ├── DNSError                 dns                   yes        the host name did not resolve
    │   ├── TLSError                 tls                   no         a bad certificate stays bad
    │   ├── FetchTimeout             timeout               yes        connect, read or total deadline passed
    │   ├── ConnectionFailed         connection            yes        refused, reset or dropped
    │   ├── HTTPStatusError          http_status           varies     retry_after_s; yes for 408, 425, 429 and 5xx
    │   ├── TooLarge                 too_large             no         the body (raw or inflated) is over the cap
    │   ├── BlockedAddress           blocked_address       no         private or metadata address, bad scheme
    │   ├── RedirectError            redirect_error        no         redirects could not be followed to an end
    │   │   ├── RedirectLoop         redirect_loop         no         the chain came back to a visited URL
    │   │   └── TooManyRedirects     too_many_redirects    no         the chain is longer than the limit
    │   ├── DecodeError              decode                no         corrupt or unsupported content encoding
    │   ├── RobotsDisallowed         robots                varies     yes while robots.txt is unreachable
    │   ├── SoftBlock                soft_block            yes        a bot challenge page: back off, retry later
    │   └── FeedParseError           parse                 no         the body is not a feed we can read safely
    ├── ParseError                   parse_error           no         url; the parser's root (a parser crash)
    │   ├── NotHtml                  not_html              no         a PDF, an image, an archive, other binary
    │   ├── EmptyPage                empty_page            no         no bytes, or no text once markup is gone
    │   ├── PageTooLarge             page_too_large        no         the body is over the configured maximum
    │   ├── Pathological             pathological          no         nesting too deep to trust the tree
    │   └── ParseTimeout             parse_timeout         no         overran the budget; replay with a larger one
    ├── ExtractorError               extractor_error       no         the extractor's root
    │   ├── ModelNotAvailable        model_not_available   no         name: the NER model is unknown or missing
    │   ├── GazetteerError           gazetteer_error       no         path: a gazetteer file is unreadable
    │   ├── ExtractionFailed         extraction_failed     no         article_id: one article broke the extractor
    │   └── ExtractTimeout           extract_timeout       no         seconds, article_id: overran its budget
    ├── BadDate                      bad_date              no         wirewatch/core/dates.py: not a date, or impossible
    ├── MigrationError               migration_error       no         wirewatch/ops/migration.py: cannot go on
    ├── StackError                   stack_error           no         wirewatch/ops/stack/: Kafka or ES won't start
    ├── SecretError                  secret_error          no         wirewatch/core/secretbox.py: a stored secret
    │   ├── SecretKeyMissing         secret_key_missing    no         one must be sealed or opened: no key is set
    │   └── SecretUndecryptable      secret_undecryptable  no         field: the key does not open the stored value
    ├── QueryError                   query_error           no         wirewatch/core/query.py: query, position, term
    └── WorkspaceError               workspace_error       no         wirewatch/workspace/errors.py: status, error

Outside the tree on purpose: ``PrerequisiteError`` of ``wirewatch/ops/stack/prereqs.py``, a standard-library
script that runs before the venv exists; ``wirewatch stack`` turns it into a ``StackError``.
``tests/unit/test_error_tree.py`` checks this drawing against the classes, so it cannot drift.
"""

from __future__ import annotations

import re
from typing import ClassVar

_LABEL = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def is_label(text: str) -> bool:
    """``text`` is written in the labels' one style (lower-case words joined by ``_``)."""
    return _LABEL.fullmatch(text) is not None


class WirewatchError(Exception):
    """Root of every error Wirewatch raises on purpose; ``reason`` is the text for humans."""

    error_class: ClassVar[str] = "wirewatch_error"
    retriable: bool = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __init_subclass__(cls, **kwargs: object) -> None:
        # one label per class, declared where the class is: an inherited label would merge two causes
        super().__init_subclass__(**kwargs)
        label = cls.__dict__.get("error_class")
        if not isinstance(label, str) or not is_label(label):
            raise TypeError(f"{cls.__qualname__} must declare its own snake_case error_class, not {label!r}")


class SchemaError(WirewatchError):
    """A message does not match the model of its topic; the same bytes will never match it."""

    error_class = "schema_error"


class MessageTooLarge(WirewatchError):
    """An output would exceed what the broker accepts on its topic; the input is dead-lettered instead."""

    error_class = "message_too_large"

    def __init__(self, topic: str, size: int, limit: int) -> None:
        super().__init__(f"output for {topic} is {size} bytes, over the {limit}-byte message limit")
        self.topic = topic
        self.size = size
        self.limit = limit


class StageFailure(WirewatchError):
    """One item failed for a reason that a retry will not fix; it is dead-lettered with the reason."""

    error_class = "stage_failure"


class ServiceUnavailable(WirewatchError):
    """A dependency (Kafka, Elasticsearch) failed in a way that waiting fixes: retried with backoff."""

    error_class = "service_unavailable"
    retriable = True


class BlockedDestination(WirewatchError):
    """An outbound destination (webhook, hub, mail server) the address policy of ``wirewatch/core/outbound.py``
    refuses: never connected to. ``reason`` says why, for operators; what a receiver may read is the fixed
    ``NOT_ALLOWED`` of that module. The fetcher reports it as its own ``BlockedAddress``."""

    error_class = "blocked_destination"

    def __init__(self, reason: str, *, url: str | None = None) -> None:
        super().__init__(reason)
        self.url = url


def snake_case(name: str) -> str:
    """``MessageTooLarge`` → ``message_too_large``, ``HTTPStatusError`` → ``http_status_error``."""
    return _WORD_BREAK.sub("_", name).lower()


def error_class_of(exc: BaseException) -> str:
    """The label of ``exc``: its class's ``error_class`` in the tree, else its type name in snake_case."""
    if isinstance(exc, WirewatchError):
        return exc.error_class
    return snake_case(type(exc).__name__)


def error_classes(root: type[WirewatchError] = WirewatchError) -> list[type[WirewatchError]]:
    """``root`` and every subclass defined so far (a module's classes exist once it is imported)."""
    found: list[type[WirewatchError]] = []
    todo = [root]
    while todo:
        cls = todo.pop(0)
        if cls not in found:
            found.append(cls)
            todo.extend(cls.__subclasses__())
    return found


def error_labels(root: type[WirewatchError] = WirewatchError) -> dict[str, type[WirewatchError]]:
    """``{error_class: class}`` for ``root`` and every subclass imported so far, sorted by label."""
    return {cls.error_class: cls for cls in sorted(error_classes(root), key=lambda c: c.error_class)}
