"""The alerter's errors: its leaves of the one tree drawn in ``wirewatch/core/errors.py``.

A ledger write Elasticsearch cannot take now raises the core ``ServiceUnavailable`` (retried); a webhook
delivery that failed every attempt is a ``DeliveryFailed``, dead-lettered with the alert it carried.
"""

from __future__ import annotations

from wirewatch.core.errors import StageFailure


class DeliveryFailed(StageFailure):
    """A webhook of the rule refused or timed out on every attempt; ``reason`` lists each failure."""

    error_class = "delivery_failed"

    def __init__(self, reason: str, *, delivery_id: str) -> None:
        super().__init__(reason)
        self.delivery_id = delivery_id
