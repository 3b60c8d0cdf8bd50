"""What a webhook receives: one alert, or a digest of the alerts a throttled rule held back; each either as
Wirewatch JSON or, for ``rule.slack``, as a Slack-compatible ``{"text": …}`` body (incoming webhooks).

Titles, URLs, names and snippets come from the pages and feeds, which anyone may write. In the Slack text
each is escaped as Slack's mrkdwn asks (``&``, ``<``, ``>``), so ``<!channel>`` is shown, never a ping, and a
link is built so that neither its URL nor its title can close it (``<https://evil|https://sso.corp>`` stays
one link to what it really points at). Line breaks are flattened so a title cannot forge a line of its own,
and ``@everyone``/``@here`` are defused for receivers that read plain mentions (Discord's Slack-compatible
endpoint)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict

from wirewatch.schemas import Alert, Rule
from wirewatch.services.alerter.delivery import Envelope

#: alerts listed one by one in a Slack digest; the rest are counted
SLACK_DIGEST_LINES = 20


class Digest(BaseModel):
    """The body of a digest POST: every alert of one rule held back during a throttle window."""

    model_config = ConfigDict(extra="forbid")

    kind: str = "digest"
    digest_id: str
    rule_id: str
    rule_name: str
    window_end: datetime
    count: int
    alerts: list[Alert]


def digest_id_for(rule_id: str, alert_ids: Sequence[str]) -> str:
    """Deterministic, so a digest retried after a crash carries the same idempotency key."""
    joined = "\x00".join([rule_id, *sorted(alert_ids)])
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def make_digest(rule: Rule, alerts: Sequence[Alert], window_end: datetime) -> Digest:
    ordered = sorted(alerts, key=lambda a: (a.matched_at, a.article_id))
    return Digest(
        digest_id=digest_id_for(rule.id, [a.alert_id for a in ordered]),
        rule_id=rule.id,
        rule_name=rule.name,
        window_end=window_end,
        count=len(ordered),
        alerts=ordered,
    )


#: what each untrusted value becomes in Slack mrkdwn (``&`` first, or the others would be escaped twice)
_SLACK_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
#: a zero-width space after the @ keeps the word readable but no longer a mention
_MENTIONS = ("@everyone", "@here", "@channel")
#: characters a link's URL may keep as they are; everything else is percent-encoded (``|``, ``<``, ``>``, spaces)
_URL_SAFE = ":/?#[]@!$&'()*+,;=%-._~"


def slack_text(value: str) -> str:
    """One untrusted value as inert Slack mrkdwn: on one line, ``&<>`` escaped, mass mentions defused."""
    flat = " ".join(value.split())
    for mention in _MENTIONS:
        flat = flat.replace(mention, mention[0] + "\u200b" + mention[1:])
    return flat.translate(_SLACK_ESCAPES)


def slack_link(url: str, title: str | None) -> str:
    """``<url|title>`` that cannot be broken out of: the URL percent-encoded (no ``|``, ``<``, ``>`` or spaces
    left, then ``&`` escaped), the title escaped with its ``|`` replaced. A URL that is not http(s) is shown as
    text, never linked."""
    if not url.lower().startswith(("http://", "https://")):
        return slack_text(title or url)
    target = quote(url, safe=_URL_SAFE).translate(_SLACK_ESCAPES)
    label = slack_text((title or url).replace("|", "¦"))
    return f"<{target}|{label}>"


def _link(alert: Alert) -> str:
    return slack_link(alert.url or "", alert.title)


def slack_alert(alert: Alert, rule: Rule) -> dict[str, str]:
    who = slack_text(", ".join([*alert.persons[:3], *alert.organizations[:3]]))
    text = f"*{slack_text(rule.name)}*: {_link(alert)}" + (f"\n{who}" if who else "")
    if alert.snippet:
        text += f"\n> {slack_text(alert.snippet)}"
    return {"text": text, "alert_id": alert.alert_id}


def slack_digest(digest: Digest) -> dict[str, str]:
    lines = [f"*{slack_text(digest.rule_name)}*: {digest.count} new matches"]
    lines += [f"• {_link(a)}" for a in digest.alerts[:SLACK_DIGEST_LINES]]
    if digest.count > SLACK_DIGEST_LINES:
        lines.append(f"… and {digest.count - SLACK_DIGEST_LINES} more")
    return {"text": "\n".join(lines), "digest_id": digest.digest_id}


def _secret(rule: Rule) -> str | None:
    return rule.secret.get_secret_value() if rule.secret is not None else None


def alert_envelope(alert: Alert, rule: Rule) -> Envelope:
    body = json.dumps(slack_alert(alert, rule)).encode() if rule.slack else alert.to_bytes()
    return Envelope(alert.alert_id, body, _secret(rule))


def digest_envelope(digest: Digest, rule: Rule) -> Envelope:
    body = json.dumps(slack_digest(digest)).encode() if rule.slack else digest.model_dump_json().encode()
    return Envelope(digest.digest_id, body, _secret(rule))
