"""``wirewatch rules add|list|remove|test|export|import``: saved searches that fire webhooks.

The commands are here; ``_rule_fields`` turns ``add``'s options into rule fields, ``_rule_checks`` refuses what
the alerter would (before anything is stored), ``_rule_columns`` draws ``list``'s columns."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from wirewatch.cli import _rule_columns as columns
from wirewatch.cli._common import checked_query, console, facet_options, print_json, safe, settings, with_es
from wirewatch.cli._rule_checks import check_digests, check_emails, check_queries, check_webhooks
from wirewatch.cli._rule_fields import check_digest, destinations, duration, kind_fields

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch

    from wirewatch.core.stores.rules import RuleStore
    from wirewatch.schemas import Rule


def _store(es: AsyncElasticsearch) -> RuleStore:
    from wirewatch.core.stores.rules import RuleStore

    return RuleStore(es, settings().index_name("rules"))


#: what a redacted export holds in place of a secret; ``rules import`` refuses it rather than store it
REDACTED = "<redacted: export with --include-secrets>"


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
@click.option("--window", callback=duration, help="spike: the window counted (1h); flatline: the silence (6h)")
@click.option("--baseline", callback=duration, help="spike: the period before the window giving the rate (7d)")
@click.option("--factor", type=click.FloatRange(min=0, min_open=True), help="spike: times the baseline rate (3)")
@click.option("--min-count", type=click.IntRange(min=1), help="spike: fewest matches in the window (5)")
@click.option("--type", "entity_type", type=click.Choice(["person", "org", "place"]), help="first-seen: entity type")
@click.option("--feed", "feed_id", help="flatline: the feed id (wirewatch feeds list) that must not go silent")
def add(name: str, query: str | None, kql: bool, **options: Any) -> None:
    """Add (or replace) a rule."""
    from wirewatch.core.stores.rules import new_rule
    from wirewatch.schemas import RuleFilters

    check_digest(options)

    options |= kind_fields(options, query)
    query = checked_query(query or "*", kql=kql)
    if options.get("grew_at_sources") is not None and options.get("per") != "story":
        raise click.UsageError("--grow-at needs --per story")
    webhooks = list(options.pop("webhooks"))
    options |= destinations(webhooks, options.pop("teams"), options.pop("emails"))
    check_webhooks([(f"rule {name!r}", url) for url in [*webhooks, *options["teams"]]])
    filters = RuleFilters(**{facet: list(options.pop(facet)) for facet in RuleFilters.model_fields})
    rule = new_rule(name, query, webhooks=webhooks, secret=options.pop("secret"), filters=filters, **options)
    with_es(lambda es: _store(es).put(rule))
    console.print(f"rule {safe(repr(name))} saved ({rule.id})")
    if kql:
        console.print(f"stored as Lucene: {safe(query)}")


def _public(rule: Rule) -> dict[str, Any]:
    from wirewatch.core.stores.rules import public_view

    return public_view(rule)


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
        webhooks = columns.destinations(r)
        table.add_row(
            safe(r.name),
            r.kind,
            columns.per(r),
            safe(r.query),
            safe(webhooks),
            "yes" if r.secret else "no",
            str(r.enabled),
            columns.delivery(r),
        )
    console.print(table)


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
    check_queries(data.get("rules", []), path)
    check_digests(data.get("rules", []), path)
    check_emails(data.get("rules", []), path)
    check_webhooks(
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
