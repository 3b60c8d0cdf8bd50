"""``wirewatch entities``: the entity registry (``wirewatch.core.entities``) as tables or JSON.

``list`` finds entities by a folded name prefix and type; ``show NAME`` gives one entity's type and why (its
votes by reason, and whether an analyst's watchlist or the shipped places gazetteer names it, the watchlist
first), aliases, first and last seen, counts, mentions per day, co-occurring entities and latest articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from wirewatch.cli._common import console, print_json, safe, settings, with_es

if TYPE_CHECKING:
    from rich.table import Table

    from wirewatch.core.entities import EntitySummary, RegistryEntry

#: the CLI's type names (those of ``rules add --type``) and the index's
TYPES = {"person": "PERSON", "org": "ORG", "place": "LOC"}
SHOWN_TYPES = {v: k for k, v in TYPES.items()}


def _type_name(value: str | None) -> str:
    return SHOWN_TYPES.get(value or "", (value or "?").lower())


@click.group()
def entities() -> None:
    """The entity registry: every person, organisation and place the indexed articles name."""


@entities.command("list")
@click.option("--type", "type_", type=click.Choice(list(TYPES)), help="only entities of this type")
@click.option("--query", "-q", help="a name, an alias or one of their words starts with this (case and accents folded)")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="print a JSON list")
def list_entities(type_: str | None, query: str | None, limit: int, as_json: bool) -> None:
    """List entities, most articles first."""
    from wirewatch.core.entities import index_name, search

    index = index_name(settings().index_prefix)
    found = with_es(lambda es: search(es, query, TYPES[type_] if type_ else None, limit=limit, index=index))
    if as_json:
        print_json([s.to_json() for s in found])
        return
    console.print(_list_table(found))


def _list_table(found: list[EntitySummary]) -> Table:
    from rich.table import Table

    table = Table(title=f"{len(found)} entities")
    for column in ("name", "type", "articles", "last seen", "key"):
        table.add_column(column, overflow="fold")
    for summary in found:
        table.add_row(
            safe(summary.name),
            _type_name(summary.type),
            str(summary.articles),
            safe((summary.last_seen or "")[:10]),
            safe(summary.key),
        )
    return table


@entities.command("show")
@click.argument("name")
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(1, 3650),
    help="mentions per day: the last N days that have any",
)
@click.option("--no-lists", is_flag=True, help="do not look the name up in the watchlists and places (loads the model)")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def show(name: str, days: int, no_lists: bool, as_json: bool) -> None:
    """One entity: its type and why, aliases, first and last seen, mentions per day, co-occurring entities and
    latest articles. NAME is a name, an alias or a registry key (case and accents do not matter)."""
    from wirewatch.core.entities import index_name, lookup

    index = index_name(settings().index_prefix)
    entry = with_es(lambda es: lookup(es, name, index=index, days=days))
    listed = None if no_lists else listed_in(name)
    if entry is None and listed is None:
        raise click.ClickException(f"no entity named {name!r} in the registry")
    if as_json:
        print_json({"registry": entry.to_json() if entry else None, "listed": listed})
        return
    if listed is not None:
        console.print(
            f"[bold]{safe(listed['name'])}[/bold] is in the {listed['list']} as {_type_name(listed['type'])}"
            + (f" ({safe(listed['id'])})" if listed.get("id") else "")
            + ": that type wins over everything else"
        )
    if entry is None:
        console.print("The registry has not seen it in any article yet.")
        return
    _print_entry(entry)


def listed_in(name: str) -> dict[str, Any] | None:
    """The watchlist or shipped-places entry naming ``name`` (a watchlist first), via the extractor's own
    gazetteers (``WIREWATCH_GAZETTEER_DIR`` and the places it ships; this loads its model, a few seconds)."""
    from wirewatch.services.extractor import ExtractorSettings, build_extractor

    entries = build_extractor(ExtractorSettings()).gazetteer.named(name)
    if not entries:
        return None
    ranked = sorted(entries, key=lambda e: e.precedence != "always")
    entry = ranked[0]
    return {
        "list": "watchlist" if entry.precedence == "always" else "places gazetteer",
        "name": entry.name,
        "type": entry.type,
        "id": entry.id,
        "aliases": list(entry.aliases),
    }


def _print_entry(entry: RegistryEntry) -> None:
    console.print(f"[bold]{safe(entry.name)}[/bold]  key {safe(entry.key)}")
    votes = ", ".join(f"{_type_name(t)} {n}" for t, n in entry.votes.items()) or "none"
    registry = ", ".join(f"{_type_name(t)} {n}" for t, n in entry.registry_votes.items())
    console.print(
        f"type: [bold]{_type_name(entry.type)}[/bold]  (votes: {votes}"
        + (f"; the registry's own, not counted: {registry}" if registry else "")
        + ")"
    )
    console.print("why: " + (", ".join(f"{safe(why)} {n}" for why, n in entry.reasons.items()) or "?"))
    if entry.aliases:
        console.print("aliases: " + safe(", ".join(entry.aliases)))
    console.print(
        f"articles: {entry.articles}  mentions: {entry.mentions}  first seen: {safe(entry.first_seen or '?')}"
        f"  last seen: {safe(entry.last_seen or '?')}"
    )
    if entry.geo or entry.country_code or entry.external_id:
        where = f"{entry.geo['lat']}, {entry.geo['lon']}" if entry.geo else ""
        console.print(f"at: {where} {safe(entry.country_code or '')} {safe(entry.external_id or '')}".rstrip())
    console.print(_table("mentions per day", ("day", "articles", "mentions"), _days(entry)))
    neighbours = [(n.name, _type_name(n.type), str(n.articles)) for n in entry.co_occurring]
    console.print(_table("named with", ("name", "type", "articles together"), neighbours))
    latest = [((a.seen_at or "")[:16].replace("T", " "), a.source or "", a.title or a.id) for a in entry.latest]
    console.print(_table("latest articles", ("seen", "source", "title"), latest))


def _days(entry: RegistryEntry) -> list[tuple[str, str, str]]:
    return [(d.day, str(d.articles), str(d.mentions)) for d in entry.per_day]


def _table(title: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Table:
    """Every cell may come from an article (attacker-controlled): shown as written, never as markup."""
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(safe(cell) for cell in row))
    return table
