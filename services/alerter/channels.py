"""Where a rule's alerts go, and what each channel receives besides the webhook JSON.

A rule's destinations (:func:`destinations_of`) are its webhooks (JSON, or Slack text with ``--slack``), its
Microsoft Teams (or compatible) incoming webhooks and its e-mail addresses; each is delivered and fails on
its own. Each is named where people and indices see it by :attr:`Destination.name`: URLs redacted with a
fingerprint (the URL is the credential), addresses with the local part cut.

Titles, snippets, URLs and names come from pages anyone may write:

- the Teams body is an Adaptive Card whose text is ``TextRun`` elements, which Teams never reads as
  markdown, so ``[click](https://evil)`` is shown as typed; lines are flattened and a link is an
  ``Action.OpenUrl`` only for an http(s) URL;
- the e-mail's HTML part escapes every value (``html.escape``) and links only http(s) URLs; the subject is
  one line (no header can be forged through it).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from wirewatch.core.redaction import destination
from wirewatch.schemas import Alert, Rule

Channel = Literal["webhook", "teams", "email"]
#: alerts listed one by one in a digest card or e-mail; the rest are counted
DIGEST_LINES = 50
#: characters of one untrusted value shown (a title, a snippet)
VALUE_CHARS = 500
SUBJECT_CHARS = 160


@dataclass(frozen=True)
class Destination:
    channel: Channel
    target: str

    @property
    def name(self) -> str:
        """How the destination is named in logs, the ledger and dead letters: never the credential."""
        return destination(self.target)


def destinations_of(rule: Rule) -> list[Destination]:
    return [
        *(Destination("webhook", url) for url in rule.webhooks),
        *(Destination("teams", url) for url in rule.teams),
        *(Destination("email", address) for address in rule.emails),
    ]


def targets(rule: Rule) -> list[str]:
    """Every destination of the rule as written (URLs and addresses), for :func:`destination` to name."""
    return [target.target for target in destinations_of(rule)]


# --- what an alert says, in plain words ----------------------------------------------------------------


#: control characters and the bidi embeddings, overrides and isolates (which can make ``gpj.exe`` read
#: ``exe.jpg``) are dropped from every shown value; line breaks and tabs become spaces
_INVISIBLE: dict[int, str | None] = dict.fromkeys(
    [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
_INVISIBLE |= dict.fromkeys(map(ord, "\t\n\v\f\r\x1c\x1d\x1e\x1f\x85"), " ")


def plain(value: str | None, limit: int = VALUE_CHARS) -> str:
    """An untrusted value on one line, without controls or bidi overrides, at most ``limit`` characters."""
    flat = " ".join((value or "").translate(_INVISIBLE).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def headline(alert: Alert) -> str:
    """One line saying what happened (an article's or story's title; a spike, a new entity, a silence)."""
    if alert.kind == "spike":
        return f"spike: {alert.count} matches in the window (baseline {alert.baseline or 0:.1f})"
    if alert.kind == "first_seen":
        return f"first seen: {plain(alert.entity_name)} ({alert.entity_type or 'entity'})"
    if alert.kind == "flatline":
        return "silent: nothing new" + (f" since {alert.window_start:%Y-%m-%d %H:%M} UTC" if alert.window_start else "")
    prefix = "story grew: " if alert.kind == "story_grew" else ""
    return prefix + plain(alert.title or alert.url or alert.article_id or alert.alert_id)


def details(alert: Alert) -> list[str]:
    """The other lines of an alert: sources, names, snippet (each one flattened line)."""
    lines = []
    if alert.sources:
        lines.append(f"{len(alert.sources)} sources: " + plain(", ".join(alert.sources[:10])))
    elif alert.source:
        lines.append("source: " + plain(alert.source))
    names = [*alert.persons[:3], *alert.organizations[:3], *alert.locations[:3]]
    if names:
        lines.append(plain(", ".join(names)))
    if alert.snippet:
        lines.append(plain(alert.snippet))
    return lines


def link(alert: Alert) -> str | None:
    """The alert's URL if it is http(s): anything else is shown as text, never linked."""
    url = (alert.url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else None


# --- Microsoft Teams -----------------------------------------------------------------------------------


def _run(text: str, *, bold: bool = False) -> dict[str, Any]:
    run: dict[str, Any] = {"type": "TextRun", "text": text}
    if bold:
        run["weight"] = "Bolder"
    return run


def _paragraph(*runs: dict[str, Any]) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": list(runs)}


def _alert_blocks(alert: Alert) -> list[dict[str, Any]]:
    first = _run(headline(alert), bold=True)
    if (url := link(alert)) is not None:
        first["selectAction"] = {"type": "Action.OpenUrl", "url": url}
    return [_paragraph(first), *(_paragraph(_run(line)) for line in details(alert))]


def _card(blocks: list[dict[str, Any]]) -> bytes:
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": blocks,
    }
    message = {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }
    return json.dumps(message).encode()


def teams_alert(alert: Alert, rule: Rule) -> bytes:
    return _card([_paragraph(_run(plain(rule.name), bold=True)), *_alert_blocks(alert)])


def teams_digest(rule_name: str, alerts: Sequence[Alert], count: int) -> bytes:
    blocks = [_paragraph(_run(f"{plain(rule_name)}: {count} new", bold=True))]
    for alert in alerts[:DIGEST_LINES]:
        blocks += _alert_blocks(alert)[:1]
    if count > DIGEST_LINES:
        blocks.append(_paragraph(_run(f"… and {count - DIGEST_LINES} more")))
    return _card(blocks)


# --- e-mail --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    """An e-mail's subject and its two bodies; the sender adds the addresses and the Message-ID."""

    subject: str
    text: str
    html: str


def _html_alert(alert: Alert) -> str:
    title = html.escape(headline(alert))
    url = link(alert)
    head = f'<a href="{html.escape(url, quote=True)}">{title}</a>' if url else title
    lines = "".join(f"<br>{html.escape(line)}" for line in details(alert))
    return f"<p><strong>{head}</strong>{lines}</p>"


def _text_alert(alert: Alert) -> str:
    url = link(alert)
    return "\n".join([headline(alert), *([url] if url else []), *details(alert)])


def _page(heading: str, parts: Sequence[str]) -> str:
    body = "".join(parts)
    footer = '<p style="color:#777">Wirewatch</p>'
    return f"<!doctype html><html><body><h3>{html.escape(heading)}</h3>{body}{footer}</body></html>"


def mail_alert(alert: Alert, rule: Rule) -> Mail:
    subject = plain(f"[Wirewatch] {rule.name}: {headline(alert)}", SUBJECT_CHARS)
    return Mail(subject, f"{plain(rule.name)}\n\n{_text_alert(alert)}\n", _page(plain(rule.name), [_html_alert(alert)]))


def mail_digest(rule_name: str, alerts: Sequence[Alert], count: int) -> Mail:
    heading = f"{plain(rule_name)}: {count} new"
    shown = alerts[:DIGEST_LINES]
    rest = [f"… and {count - DIGEST_LINES} more"] if count > DIGEST_LINES else []
    text = "\n\n".join([heading, *(_text_alert(a) for a in shown), *rest]) + "\n"
    page = _page(heading, [*(_html_alert(a) for a in shown), *(f"<p>{html.escape(r)}</p>" for r in rest)])
    return Mail(plain(f"[Wirewatch] {heading}", SUBJECT_CHARS), text, page)
