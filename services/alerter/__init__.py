"""Alerter: reads ``articles.indexed``, matches the new articles against the saved searches (the rules store,
``wirewatch.core.stores.rules``), records each alert in its ledger, writes it to ``alerts`` and delivers it as
a signed webhook; an alert it cannot deliver goes to ``deadletters``.

The faust app is in ``app.py`` (``wirewatch worker alerter``), the batch logic in ``handler.py``; ``matching``
runs the rules as searches, ``volume`` the spike and first-seen rules on each live batch and ``flatline`` the
silences on a timer, ``dispatch`` and ``delivery`` send, ``ledger`` and ``throttle`` keep it once-only and
polite.

This facade is what the CLI and ops may use, importable for free (each name loads its module on first use):

- :class:`AlerterSettings`;
- :func:`rule_filters`: the filters a rule adds to its query (``wirewatch rules test``);
- :func:`parse_schedule`: a digest schedule and its zone, checked (``wirewatch rules add --digest``);
- :class:`DeliveryFailed`, its part of the error tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wirewatch.core.facade import lazy_exports

if TYPE_CHECKING:
    from wirewatch.services.alerter.errors import DeliveryFailed
    from wirewatch.services.alerter.matching import rule_filters
    from wirewatch.services.alerter.schedule import parse_schedule
    from wirewatch.services.alerter.settings import AlerterSettings

__all__ = ["AlerterSettings", "DeliveryFailed", "parse_schedule", "rule_filters"]

_WHERE = {
    "errors": ["DeliveryFailed"],
    "matching": ["rule_filters"],
    "schedule": ["parse_schedule"],
    "settings": ["AlerterSettings"],
}
_load = lazy_exports(__name__, _WHERE)


def __getattr__(name: str) -> Any:
    return _load(name)
