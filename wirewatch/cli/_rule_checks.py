"""The checks ``wirewatch rules add`` and ``rules import`` make before anything is stored: webhooks the
outbound address policy refuses, and for a file, all or nothing, every query, digest schedule and e-mail address
Wirewatch would refuse, each named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from wirewatch.cli._common import settings


def check_webhooks(webhooks: list[tuple[str, str]], *, nothing_saved: str = "the rule was not saved") -> None:
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


def check_queries(entries: list[dict[str, Any]], path: Path) -> None:
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


def check_digests(entries: list[dict[str, Any]], path: Path) -> None:
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


def check_emails(entries: list[dict[str, Any]], path: Path) -> None:
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
