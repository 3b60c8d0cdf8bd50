"""What ``wirewatch rules add``'s options become on the rule: the volume kind and its spec, the destinations,
the digest schedule; a usage error that says what is wrong otherwise. Heavy imports stay inside the functions
(the CLI's start time)."""

from __future__ import annotations

from typing import Any

import click

from wirewatch.cli._common import safe


def duration(_ctx: click.Context, _param: click.Parameter, value: str | None) -> float | None:
    """A ``--window``/``--baseline`` as seconds (30m, 6h, 7d)."""
    from wirewatch.core.durations import parse_duration

    try:
        return None if value is None else parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


#: the options of the volume kinds: their flag and the kinds they belong to
KIND_OPTIONS = {
    "window": ("--window", ("spike", "flatline")),
    "baseline": ("--baseline", ("spike",)),
    "factor": ("--factor", ("spike",)),
    "min_count": ("--min-count", ("spike",)),
    "entity_type": ("--type", ("first_seen",)),
    "feed_id": ("--feed", ("flatline",)),
}


def kind_fields(options: dict[str, Any], query: str | None) -> dict[str, Any]:
    """Pops ``--spike/--first-seen/--flatline`` and their parameters from ``options``; returns the rule's
    ``kind`` and its spec, or a usage error saying what the kind needs or what does not belong to it."""
    from wirewatch.schemas import FlatlineSpec, SpikeSpec

    flags = [kind for kind in ("spike", "first_seen", "flatline") if options.pop(kind)]
    if len(flags) > 1:
        raise click.UsageError("choose one of --spike, --first-seen, --flatline")
    kind = flags[0] if flags else "match"
    # entity_type is a Rule field as it is: read, not popped
    given = {name: options.get(name) if name == "entity_type" else options.pop(name) for name in KIND_OPTIONS}
    for name, value in given.items():
        flag, kinds = KIND_OPTIONS[name]
        if value is not None and kind not in kinds:
            raise click.UsageError(f"{flag} is for " + " or ".join("--" + k.replace("_", "-") for k in kinds))
    if kind in ("match", "spike") and not query:
        raise click.UsageError("--query is required" if kind == "match" else "--spike needs --query")
    if kind == "flatline" and not (query or given["feed_id"]):
        raise click.UsageError("--flatline needs --feed or --query")
    if kind == "first_seen" and given["entity_type"] is None:
        raise click.UsageError("--first-seen needs --type person|org|place")
    fields: dict[str, Any] = {"kind": kind}
    if kind == "spike":
        spec = {
            "window_s": given["window"],
            "baseline_s": given["baseline"],
            "factor": given["factor"],
            "min_count": given["min_count"],
        }
        fields["spike"] = SpikeSpec(**{k: v for k, v in spec.items() if v is not None})
    if kind == "flatline":
        window = {"window_s": given["window"]} if given["window"] is not None else {}
        fields["flatline"] = FlatlineSpec(feed_id=given["feed_id"], **window)
    return fields


def destinations(webhooks: list[str], teams: tuple[str, ...], emails: tuple[str, ...]) -> dict[str, Any]:
    """``--teams`` and ``--email`` as rule fields; a usage error for a rule with no destination or a bad address."""
    if not (webhooks or teams or emails):
        raise click.UsageError("a rule needs at least one destination: --webhook, --teams or --email")
    from wirewatch.core.stores.rules import email_problem

    for address in emails:
        if (problem := email_problem(address)) is not None:
            raise click.BadParameter(safe(problem), param_hint="--email")
    return {"teams": list(teams), "emails": list(emails)}


def check_digest(options: dict[str, Any]) -> None:
    """``--digest`` and ``--timezone`` as the alerter will read them, or a usage error that says what is wrong."""
    from wirewatch.services.alerter import parse_schedule

    digest, timezone = options.get("digest"), options.pop("timezone")
    if digest is None:
        if timezone is not None:
            raise click.UsageError("--timezone is the zone of a --digest schedule: give --digest too")
        return
    if options.get("throttle_minutes"):
        raise click.UsageError("--digest and --throttle both set when a rule's messages go out: choose one")
    try:
        options["timezone"] = str(parse_schedule(digest, timezone or "UTC").zone)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--digest/--timezone") from None
