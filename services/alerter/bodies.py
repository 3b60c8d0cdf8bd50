"""What a webhook receives: one alert, or a digest of the alerts a throttled or digest rule held back (also
grouped by story: a story once, with its copies and sources); each either as Wirewatch JSON or, for
``rule.slack``, as a Slack-compatible ``{"text": …}`` body (incoming webhooks).

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
from datetime import UTC, datetime
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from wirewatch.schemas import Alert, Rule, keyed_alert_id
from wirewatch.services.alerter import channels
from wirewatch.services.alerter.delivery import Envelope

#: alerts listed one by one in a Slack digest; the rest are counted
SLACK_DIGEST_LINES = 20


class DigestStory(BaseModel):
    """One line of a digest: a story (its alerts grouped by ``story_id``), or an alert about no story (a spike,
    a first-seen entity, a silence, an article before stories existed)."""

    model_config = ConfigDict(extra="forbid")

    key: str
    story_id: str | None = None
    kind: str
    title: str | None = None
    url: str | None = None
    first_matched_at: datetime
    copies: int = Field(description="distinct articles of the story among its alerts (1 for an article)")
    sources: list[str]
    alert_ids: list[str]
    article_ids: list[str]


class Digest(BaseModel):
    """The body of a digest POST: every alert of one rule held back since its last digest (a throttle window or
    a digest schedule), in match order, and the same alerts grouped by story."""

    model_config = ConfigDict(extra="forbid")

    kind: str = "digest"
    digest_id: str
    rule_id: str
    rule_name: str
    window_end: datetime
    schedule: str | None = None
    count: int
    stories: list[DigestStory] = Field(default_factory=list)
    alerts: list[Alert]


def digest_id_for(rule_id: str, alert_ids: Sequence[str]) -> str:
    """Deterministic, so a digest retried after a crash carries the same idempotency key."""
    joined = "\x00".join([rule_id, *sorted(alert_ids)])
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def scheduled_digest_id(rule_id: str, due: datetime) -> str:
    """A scheduled digest's id: one per rule and due instant, whichever alerts a retry after a crash carries."""
    return keyed_alert_id(rule_id, "digest", due.astimezone(UTC).isoformat())


def make_digest(
    rule: Rule,
    alerts: Sequence[Alert],
    window_end: datetime,
    *,
    digest_id: str | None = None,
    schedule: str | None = None,
) -> Digest:
    ordered = sorted(alerts, key=lambda a: (a.matched_at, a.article_id or "", a.alert_id))
    return Digest(
        digest_id=digest_id or digest_id_for(rule.id, [a.alert_id for a in ordered]),
        rule_id=rule.id,
        rule_name=rule.name,
        window_end=window_end,
        schedule=schedule,
        count=len(ordered),
        stories=by_story(ordered),
        alerts=ordered,
    )


def by_story(alerts: Sequence[Alert]) -> list[DigestStory]:
    """Alerts (in match order) grouped by story: a story is listed once, where its first alert was, with every
    article and source its alerts name (a per-story alert already lists the copies joined to it)."""
    groups: dict[str, list[Alert]] = {}
    for alert in alerts:
        groups.setdefault(alert.story_id or alert.article_id or alert.alert_id, []).append(alert)
    return [_story(key, group) for key, group in groups.items()]


def _story(key: str, alerts: list[Alert]) -> DigestStory:
    first = alerts[0]
    articles = [aid for a in alerts for aid in [*([a.article_id] if a.article_id else []), *a.article_ids]]
    sources = [src for a in alerts for src in [*([a.source] if a.source else []), *a.sources]]
    unique_articles = list(dict.fromkeys(articles))
    return DigestStory(
        key=key,
        story_id=first.story_id,
        kind=first.kind,
        title=next((a.title for a in alerts if a.title), None),
        url=next((a.url for a in alerts if a.url), None),
        first_matched_at=first.matched_at,
        copies=max(1, len(unique_articles)),
        sources=sorted(set(sources)),
        alert_ids=[a.alert_id for a in alerts],
        article_ids=unique_articles,
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
    # a story's follow-up says why it comes: the story it already announced now counts this many sources
    grew = f"story now from {len(alert.sources)} sources: " if alert.kind == "story_grew" else ""
    text = f"*{slack_text(rule.name)}*: {grew}{_link(alert)}" + (f"\n{who}" if who else "")
    if alert.snippet:
        text += f"\n> {slack_text(alert.snippet)}"
    return {"text": text, "alert_id": alert.alert_id}


def slack_digest(digest: Digest) -> dict[str, str]:
    stories = digest.stories or by_story(digest.alerts)
    header = f"*{slack_text(digest.rule_name)}*: {digest.count} new matches"
    if len(stories) != digest.count:
        header += f" in {len(stories)} stories"
    lines = [header, *(f"• {_story_line(story)}" for story in stories[:SLACK_DIGEST_LINES])]
    if len(stories) > SLACK_DIGEST_LINES:
        lines.append(f"… and {len(stories) - SLACK_DIGEST_LINES} more")
    return {"text": "\n".join(lines), "digest_id": digest.digest_id}


def _story_line(story: DigestStory) -> str:
    """A story as a link with its copies and sources; an alert about no article by its kind."""
    if story.url is None:
        return slack_text(f"{story.kind.replace('_', ' ')}: {story.title or story.key}")
    line = slack_link(story.url, story.title)
    if story.copies > 1:
        line += f" ({story.copies} copies"
        line += f": {slack_text(', '.join(story.sources[:5]))})" if story.sources else ")"
    return line


def _secret(rule: Rule) -> str | None:
    return rule.secret.get_secret_value() if rule.secret is not None else None


def alert_envelope(alert: Alert, rule: Rule) -> Envelope:
    """The webhook body, plus the Teams card and the e-mail when the rule has such destinations."""
    body = json.dumps(slack_alert(alert, rule)).encode() if rule.slack else alert.to_bytes()
    card = channels.teams_alert(alert, rule) if rule.teams else None
    mail = channels.mail_alert(alert, rule) if rule.emails else None
    return Envelope(alert.alert_id, body, _secret(rule), card=card, mail=mail)


def digest_envelope(digest: Digest, rule: Rule) -> Envelope:
    body = json.dumps(slack_digest(digest)).encode() if rule.slack else digest.model_dump_json().encode()
    # a card or an e-mail lists each story once, by its first alert
    by_id = {a.alert_id: a for a in digest.alerts}
    firsts = [by_id[s.alert_ids[0]] for s in digest.stories or by_story(digest.alerts) if s.alert_ids[0] in by_id]
    card = channels.teams_digest(digest.rule_name, firsts, digest.count) if rule.teams else None
    mail = channels.mail_digest(digest.rule_name, firsts, digest.count) if rule.emails else None
    return Envelope(digest.digest_id, body, _secret(rule), card=card, mail=mail)
