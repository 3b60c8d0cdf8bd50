"""Errors shared by every worker.

    WirewatchError                 root; ``retriable`` decides retry-with-backoff vs dead-letter
    ├── SchemaError                a message failed its topic's model (never retriable)
    ├── StageFailure               one item could not be processed (dead-lettered with the reason)
    └── ServiceUnavailable         Kafka or Elasticsearch is down or overloaded (retriable)

Stages raise their own subclasses (``services/<name>/errors.py``); the shared batch runner only looks
at ``retriable``, ``error_class`` and ``reason``.
"""

from __future__ import annotations


class WirewatchError(Exception):
    """Root of every error Wirewatch raises on purpose."""

    retriable: bool = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def error_class(self) -> str:
        return type(self).__name__


class SchemaError(WirewatchError):
    """A message does not match the model of its topic."""


class StageFailure(WirewatchError):
    """One item failed for a reason that a retry will not fix."""

    def __init__(self, reason: str, *, error_class: str | None = None) -> None:
        super().__init__(reason)
        self._error_class = error_class

    @property
    def error_class(self) -> str:
        return self._error_class or type(self).__name__


class ServiceUnavailable(WirewatchError):
    """A dependency (Kafka, Elasticsearch) failed in a way that waiting fixes."""

    retriable = True
