"""``wirewatch rules add|list|remove|test|export|import``: saved searches that fire webhooks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from wirewatch.cli._common import checked_query, console, facet_options, print_json, safe, settings, with_es

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch

    from wirewatch.core.stores.rules import RuleStore
    from wirewatch.schemas import Rule


def _store(es: AsyncElasticsearch) -> RuleStore:
    from wirewatch.core.stores.rules import RuleStore

    return RuleStore(es, settings().index_name("rules"))


#: what a redacted export holds in place of a secret; ``rules import`` refuses it rather than store it
REDACTED = "<redacted: export with --include-secrets>"


def _duration(_ctx: click.Context, _param: click.Parameter, value: str | None) -> float | None:
    """A ``--window``/``--baseline`` as seconds (30m, 6h, 7d)."""
    from wirewatch.core.durations import parse_duration

    try:
        return None if value is None else parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.group()
def rules() -> None:
    """Manage saved searches (alert rules)."""


@rules.command()
@click.argument("name")
@click.option(
    "--query", help="Lucene query_string syntax (KQL with --kql); optional for --first-seen, --flatline --feed"
)
@click.option("--kql", is_flag=True, help="--query is KQL (a subset); the rule is stored as its Lucene translation")
@click.option("--webhook", "webhooks", multiple=True, help="URL to POST alerts to (repeatable)")
@click.option("--teams", multiple=True, help="Microsoft Teams (or compatible) incoming webhook URL (repeatable)")
@click.option("--email", "emails", multiple=True, help="address to e-mail alerts to (repeatable; WIREWATCH_SMTP_*)")
@click.option(
    "--secret", help="signing secret: Standard Webhooks (whsec_<base64>, or any text) and X-Wirewatch-Signature"
)
@facet_options
@click.option("--throttle", "throttle_minutes", type=float, help="at most one message per N minutes")
@click.option(
    "--digest",
    help="deliver as one digest on a schedule: hourly, daily@HH:MM or weekly@DAY HH:MM (instead of --throttle)",
)
@click.option("--timezone", help="IANA time zone the --digest schedule is read in (default UTC)")
@click.option("--slack", is_flag=True, help="send a Slack-compatible body")
@click.option(
    "--per",
    type=click.Choice(["article", "story"]),
    default="story",
    show_default=True,
    help="one alert per story (later copies join it) or per article",
)
@click.option(
    "--grow-at",
    "grew_at_sources",
    type=click.IntRange(min=2),
    help="per story: one follow-up alert when the story reaches N distinct sources",
)
@click.option("--spike", is_flag=True, help="fire when the matches of --window exceed --factor × the --baseline rate")
@click.option("--first-seen", is_flag=True, help="fire when an entity of --type first appears in a matching article")
@click.option("--flatline", is_flag=True, help="fire when --feed or --query has had nothing new for --window")
@click.option("--window", callback=_duration, help="spike: the window counted (1h); flatline: the silence (6h)")
@click.option("--baseline", callback=_duration, help="spike: the period before the window giving the rate (7d)")
@click.option("--factor", type=click.FloatRange(min=0, min_open=True), help="spike: times the baseline rate (3)")
@click.option("--min-count", type=click.IntRange(min=1), help="spike: fewest matches in the window (5)")
@click.option("--type", "entity_type", type=click.Choice(["person", "org", "place"]), help="first-seen: entity type")
@click.option("--feed", "feed_id", help="flatline: the feed id (wirewatch feeds list) that must not go silent")
def add(name: str, query: str | None, kql: bool, **options: Any) -> None:
    """Add (or replace) a rule."""
    from wirewatch.core.stores.rules import new_rule
    from wirewatch.schemas import RuleFilters

    _check_digest(options)

    options |= _kind_fields(options, query)
    query = checked_query(query or "*", kql=kql)
    if options.get("grew_at_sources") is not None and options.get("per") != "story":
        raise click.UsageError("--grow-at needs --per story")
    webhooks = list(options.pop("webhooks"))
    options |= _destinations(webhooks, options.pop("teams"), options.pop("emails"))
    _check_webhooks([(f"rule {name!r}", url) for url in [*webhooks, *options["teams"]]])
    filters = RuleFilters(**{facet: list(options.pop(facet)) for facet in RuleFilters.model_fields})
    rule = new_rule(name, query, webhooks=webhooks, secret=options.pop("secret"), filters=filters, **options)
    with_es(lambda es: _store(es).put(rule))
    console.print(f"rule {safe(repr(name))} saved ({rule.id})")
    if kql:
        console.print(f"stored as Lucene: {safe(query)}")


#: the options of the volume kinds: their flag and the kinds they belong to
_KIND_OPTIONS = {
    "window": ("--window", ("spike", "flatline")),
    "baseline": ("--baseline", ("spike",)),
    "factor": ("--factor", ("spike",)),
    "min_count": ("--min-count", ("spike",)),
    "entity_type": ("--type", ("first_seen",)),
    "feed_id": ("--feed", ("flatline",)),
}


def _kind_fields(options: dict[str, Any], query: str | None) -> dict[str, Any]:
    """Pops ``--spike/--first-seen/--flatline`` and their parameters from ``options``; returns the rule's
    ``kind`` and its spec, or a usage error saying what the kind needs or what does not belong to it."""
    from wirewatch.schemas import FlatlineSpec, SpikeSpec

    flags = [kind for kind in ("spike", "first_seen", "flatline") if options.pop(kind)]
    if len(flags) > 1:
        raise click.UsageError("choose one of --spike, --first-seen, --flatline")
    kind = flags[0] if flags else "match"
    # entity_type is a Rule field as it is: read, not popped
    given = {name: options.get(name) if name == "entity_type" else options.pop(name) for name in _KIND_OPTIONS}
    for name, value in given.items():
        flag, kinds = _KIND_OPTIONS[name]
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


def _watches(rule: Rule) -> str:
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


def _destinations(webhooks: list[str], teams: tuple[str, ...], emails: tuple[str, ...]) -> dict[str, Any]:
    """``--teams`` and ``--email`` as rule fields; a usage error for a rule with no destination or a bad address."""
    if not (webhooks or teams or emails):
        raise click.UsageError("a rule needs at least one destination: --webhook, --teams or --email")
    from wirewatch.core.stores.rules import email_problem

    for address in emails:
        if (problem := email_problem(address)) is not None:
            raise click.BadParameter(safe(problem), param_hint="--email")
    return {"teams": list(teams), "emails": list(emails)}


def _public(rule: Rule) -> dict[str, Any]:
    from wirewatch.core.stores.rules import public_view

    return public_view(rule)


def _shown_destinations(rule: Rule) -> str:
    """The ``destinations`` column of ``rules list``: every webhook, Teams channel and address, one a line."""
    public = _public(rule)
    slack = " (slack)" if rule.slack else ""
    return "\n".join(
        [
            *(f"{url}{slack}" for url in public["webhooks"]),
            *(f"teams {url}" for url in public["teams"]),
            *(f"email {address}" for address in rule.emails),
        ]
    )


@rules.command(name="list")
@click.option("--json", "as_json", is_flag=True)
def list_rules(as_json: bool) -> None:
    """List rules (secrets are never shown; webhook URLs are redacted)."""
    found = with_es(lambda es: _store(es).all())
    if as_json:
        print_json([_public(r) for r in found])
        return
    from rich.table import Table

    table = Table(title=f"{len(found)} rules")
    for column in ("name", "kind", "per", "query", "destinations", "signed", "enabled", "delivery"):
        table.add_column(column, overflow="fold")
    for r in found:
        webhooks = _shown_destinations(r)
        table.add_row(
            safe(r.name),
            r.kind,
            _per(r),
            safe(r.query),
            safe(webhooks),
            "yes" if r.secret else "no",
            str(r.enabled),
            _delivery(r),
        )
    console.print(table)


def _per(rule: Rule) -> str:
    """What one alert of the rule stands for (match rules only), and when a story grows."""
    if rule.kind != "match":
        return _watches(rule)  # a volume rule's window, baseline, type or feed
    grows = f", grew at {rule.grew_at_sources} sources" if rule.per == "story" and rule.grew_at_sources else ""
    return rule.per + grows


@rules.command()
@click.argument("name")
def remove(name: str) -> None:
    """Remove a rule by name or id."""
    if not with_es(lambda es: _store(es).remove(name)):
        raise click.ClickException(f"no rule named {name!r}")
    console.print(f"removed {safe(repr(name))}")


@rules.command()
@click.argument("name")
@click.option("--limit", default=10, show_default=True)
def test(name: str, limit: int) -> None:
    """Show which recent articles the rule would have matched."""
    from wirewatch.cli.search import _rows, _table
    from wirewatch.core.query import HIGHLIGHT, build_query
    from wirewatch.services.alerter import rule_filters

    async def go(es: AsyncElasticsearch) -> dict[str, Any]:
        from wirewatch.core.query import validate_query

        rule = await _store(es).get(name)
        if rule is None:
            raise click.ClickException(f"no rule named {name!r}")
        validate_query(rule.query)  # a rule stored before queries were checked: say why the alerter skips it
        filters = rule_filters(rule, ids=[])
        response = await es.search(
            index=settings().index_name("articles"),
            size=limit,
            query=build_query(rule.query, filters),
            highlight=HIGHLIGHT,
            sort=[{"indexed_at": "desc"}],
            track_total_hits=True,
        )
        return dict(response.body)

    body = with_es(go)
    console.print(_table(_rows(body), body["hits"]["total"]["value"]))


@rules.command(name="export")
@click.option(
    "--include-secrets",
    is_flag=True,
    help="write signing secrets and webhook URLs in clear (a backup to import elsewhere: keep the file private)",
)
def export_rules(include_secrets: bool) -> None:
    """Print all rules as YAML; secrets and webhook URLs are redacted unless --include-secrets."""
    import yaml

    found = with_es(lambda es: _store(es).all())
    if include_secrets:
        click.echo(
            "warning: the export holds every rule's signing secret and webhook URLs in clear; "
            "anyone with the file can post to those channels and sign alerts",
            err=True,
        )
        docs = [
            r.model_dump(mode="json", exclude={"id", "created_at"})
            | {"secret": r.secret.get_secret_value() if r.secret else None}
            for r in found
        ]
    else:
        docs = [_public(r) | {"secret": REDACTED if r.secret else None} for r in found]
        for doc in docs:
            for key in ("id", "created_at", "signed"):
                doc.pop(key, None)
    yaml.safe_dump({"rules": docs}, sys.stdout, sort_keys=False, allow_unicode=True)


@rules.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_rules(path: Path) -> None:
    """Add or replace the rules of a YAML file (as written by `rules export`)."""
    import yaml

    from wirewatch.core.redaction import HIDDEN_PATH
    from wirewatch.core.stores.rules import new_rule
    from wirewatch.schemas import RuleFilters

    data = yaml.safe_load(path.read_text()) or {}
    _check_queries(data.get("rules", []), path)
    _check_digests(data.get("rules", []), path)
    _check_emails(data.get("rules", []), path)
    _check_webhooks(
        [
            (f"rule {entry.get('name')!r} (#{number})", str(url))
            for number, entry in enumerate(data.get("rules", []), start=1)
            for url in [*entry.get("webhooks", []), *entry.get("teams", [])]
        ],
        nothing_saved=f"{path.name}: nothing was imported",
    )
    parsed: list[Rule] = []
    for entry in data.get("rules", []):
        if entry.get("secret") == REDACTED or any(
            HIDDEN_PATH in str(url) for url in [*entry.get("webhooks", []), *entry.get("teams", [])]
        ):
            raise click.ClickException(
                f"rule {entry.get('name')!r} in {path.name} has redacted secrets or webhooks: "
                "import a file written by `rules export --include-secrets`"
            )
        rule = new_rule(
            entry["name"],
            entry["query"],
            webhooks=list(entry.get("webhooks", [])),
            secret=entry.get("secret"),
            filters=RuleFilters(**(entry.get("filters") or {})),
            throttle_minutes=entry.get("throttle_minutes"),
            digest=entry.get("digest"),
            timezone=entry.get("timezone") or "UTC",
            # a file without `per` predates stories: its rules alerted per article and keep doing so
            per=entry.get("per", "article"),
            grew_at_sources=entry.get("grew_at_sources"),
            kind=entry.get("kind", "match"),
            spike=entry.get("spike"),
            entity_type=entry.get("entity_type"),
            flatline=entry.get("flatline"),
            slack=bool(entry.get("slack")),
            teams=list(entry.get("teams") or []),
            emails=list(entry.get("emails") or []),
        )
        parsed.append(rule.model_copy(update={"enabled": entry.get("enabled", True)}))

    async def go(es: AsyncElasticsearch) -> None:
        for rule in parsed:
            await _store(es).put(rule)

    with_es(go)
    console.print(f"imported {len(parsed)} rules from {safe(path.name)}")


def _check_queries(entries: list[dict[str, Any]], path: Path) -> None:
    """All or nothing: a file with any query Wirewatch would refuse imports no rule, and every bad one is named."""
    from wirewatch.core.query import QueryError, validate_query

    bad: list[str] = []
    for number, entry in enumerate(entries, start=1):
        try:
            validate_query(str(entry.get("query", "")))
        except QueryError as exc:
            bad.append(f"  rule {entry.get('name')!r} (#{number}): {exc.reason}")
    if bad:
        raise click.ClickException(
            f"{path.name}: {len(bad)} of {len(entries)} rules have a query Wirewatch refuses; nothing was imported:\n"
            + "\n".join(bad)
        )


def _check_webhooks(webhooks: list[tuple[str, str]], *, nothing_saved: str = "the rule was not saved") -> None:
    """Refuse webhooks the outbound address policy would refuse (an internal, metadata or link-local address,
    literal or resolved), naming each; the alerter checks again at every connect."""
    import asyncio
    from urllib.parse import urlsplit

    from wirewatch.core.destinations import refusal
    from wirewatch.core.outbound import policy_for

    policy = policy_for(settings())

    async def go() -> list[str]:
        bad = []
        for label, url in webhooks:
            if (reason := await refusal(url, policy)) is not None:
                bad.append(f"  {label}: webhook to {urlsplit(url).hostname or '?'} refused: {reason}")
        return bad

    if bad := asyncio.run(go()):
        raise click.ClickException(
            "webhooks the outbound address policy refuses ("
            + nothing_saved
            + "; list internal receivers in WIREWATCH_OUTBOUND_ALLOW):\n"
            + "\n".join(bad)
        )


def _check_digest(options: dict[str, Any]) -> None:
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


def _check_digests(entries: list[dict[str, Any]], path: Path) -> None:
    """All or nothing, like the queries: every rule whose digest schedule or zone does not parse is named."""
    from wirewatch.services.alerter import parse_schedule

    bad: list[str] = []
    for number, entry in enumerate(entries, start=1):
        if not entry.get("digest"):
            continue
        try:
            parse_schedule(str(entry["digest"]), str(entry.get("timezone") or "UTC"))
        except ValueError as exc:
            bad.append(f"  rule {entry.get('name')!r} (#{number}): {exc}")
    if bad:
        raise click.ClickException(
            f"{path.name}: {len(bad)} of {len(entries)} rules have a digest schedule Wirewatch cannot read; "
            "nothing was imported:\n" + "\n".join(bad)
        )


def _check_emails(entries: list[dict[str, Any]], path: Path) -> None:
    """All or nothing, like the queries: every address ``rules add --email`` would refuse is named."""
    from wirewatch.core.stores.rules import email_problem

    bad = [
        f"  rule {entry.get('name')!r} (#{number}): {problem}"
        for number, entry in enumerate(entries, start=1)
        for address in entry.get("emails") or []
        if (problem := email_problem(str(address))) is not None
    ]
    if bad:
        raise click.ClickException(
            f"{path.name}: {len(bad)} e-mail addresses Wirewatch refuses; nothing was imported:\n" + "\n".join(bad)
        )


def _delivery(rule: Rule) -> str:
    """When the rule's messages go out: at once, at most one per throttle window, or as a scheduled digest."""
    if rule.digest:
        return f"digest {rule.digest} ({rule.timezone})"
    if rule.throttle_minutes:
        return f"throttled: 1 per {rule.throttle_minutes:g} min"
    return "at once"
