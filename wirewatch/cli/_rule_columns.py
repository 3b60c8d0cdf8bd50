"""The columns of ``wirewatch rules list`` that say more than a field: destinations, what one alert stands for
(or a volume rule's parameters) and when the messages go out."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wirewatch.schemas import Rule


def destinations(rule: Rule) -> str:
    """The ``destinations`` column of ``rules list``: every webhook, Teams channel and address, one a line."""
    from wirewatch.core.stores.rules import public_view

    public = public_view(rule)
    slack = " (slack)" if rule.slack else ""
    return "\n".join(
        [
            *(f"{url}{slack}" for url in public["webhooks"]),
            *(f"teams {url}" for url in public["teams"]),
            *(f"email {address}" for address in rule.emails),
        ]
    )


def per(rule: Rule) -> str:
    """What one alert of the rule stands for (match rules only), and when a story grows."""
    if rule.kind != "match":
        return watches(rule)  # a volume rule's window, baseline, type or feed
    grows = f", grew at {rule.grew_at_sources} sources" if rule.per == "story" and rule.grew_at_sources else ""
    return rule.per + grows


def watches(rule: Rule) -> str:
    """A volume rule's parameters, as ``rules list`` shows them (in the ``per`` column)."""
    from wirewatch.core.durations import format_duration as d

    if rule.kind == "spike" and rule.spike:
        s = rule.spike
        return f"window {d(s.window_s)}, baseline {d(s.baseline_s)}, ×{s.factor:g}, ≥{s.min_count}"
    if rule.kind == "first_seen":
        return f"new {rule.entity_type}"
    if rule.kind == "flatline" and rule.flatline:
        what = f"feed {rule.flatline.feed_id}" if rule.flatline.feed_id else "query"
        return f"{what}, silent {d(rule.flatline.window_s)}"
    return "-"


def delivery(rule: Rule) -> str:
    """When the rule's messages go out: at once, at most one per throttle window, or as a scheduled digest."""
    if rule.digest:
        return f"digest {rule.digest} ({rule.timezone})"
    if rule.throttle_minutes:
        return f"throttled: 1 per {rule.throttle_minutes:g} min"
    return "at once"
