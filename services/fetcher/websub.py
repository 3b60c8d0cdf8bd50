"""WebSub (https://www.w3.org/TR/websub/) subscriptions of one fetcher replica.

1. A poll finds a feed advertising a hub (``<link rel="hub">``, with ``rel="self"`` as the topic):
   :meth:`WebSub.plan` records the intent *first* (hubs may verify before they answer), then
   :meth:`WebSub.request` POSTs ``hub.mode=subscribe`` with the callback ``<callback base>/<feed id>/<token>``,
   a fresh random per-subscription secret and the lease we would like. Only ``https://`` hubs: the secret
   is what authenticates pushes, and over ``http://`` anyone on the path could read it and sign articles
   under the feed's name (a subscription without one would take unauthenticated content), so a feed whose
   hub is ``http://`` is simply polled.
2. The hub GETs the callback with a challenge: :meth:`WebSub.confirm` accepts it only for a feed, token,
   mode and topic we asked for and that is still waiting, and only once every parameter is valid (a bad
   GET is refused *before* the intent is consumed, so the real hub's verification still succeeds). The
   lease the hub granted is clamped to ``[lease_min_s, lease_max_s]`` and stored with the secret (``websub_*``
   fields of the feed document, the secret sealed), so a restarted worker still recognises its pushes.
   ``hub.mode=denied`` only cancels a *pending* intent of the same token and topic, never a subscription.

The callback token is the subscription's own: 192 bits derived (HMAC) from its random 256-bit secret, so it
is random per subscription, survives renewals (hubs key subscriptions by callback) and restarts with the
stored secret, needs no field of its own, and gives nothing of the secret away. It is compared in constant
time; a guessed feed id without it gets 404.
3. The hub POSTs new content with ``X-Hub-Signature: sha256=<HMAC of the body>`` (sha1, sha384, sha512
   accepted too): :func:`signature_ok` checks it with that subscription's secret; the callback hands
   genuine content to the same ingest path as a poll.
4. :meth:`WebSub.due` re-subscribes halfway through a lease (at most a day before it ends).

While a lease is active the poller keeps polling the feed, ``WIREWATCH_FETCHER_WEBSUB_FALLBACK`` times
less often, so a missed push is noticed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from wirewatch.core.stores.feeds import FeedHealth, FeedStore
from wirewatch.services.fetcher.errors import FetchError
from wirewatch.services.fetcher.http import SafeFetcher

log = logging.getLogger(__name__)

PENDING_S = 300.0  # how long a hub has to verify an intent
RETRY_S = 300.0  # after a failed or denied request
MAX_RENEW_MARGIN_S = 86400.0
SIGNATURE_METHODS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
Mode = str  # "subscribe" | "unsubscribe"
TOKEN_CONTEXT = b"wirewatch websub callback token"


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subscription (or an intent): its feed, hub and topic, and the secret pushes are signed with."""

    feed_id: str
    hub: str
    topic: str
    secret: str
    mode: Mode = "subscribe"
    lease_until: datetime | None = None
    renew_at: datetime | None = None

    @property
    def token(self) -> str:
        """The callback path's secret part (32 url-safe characters, 192 bits), derived from ``secret``."""
        digest = hmac.new(self.secret.encode(), TOKEN_CONTEXT, hashlib.sha256).digest()[:24]
        return base64.urlsafe_b64encode(digest).decode("ascii")

    def owns(self, token: str) -> bool:
        return hmac.compare_digest(self.token.encode(), token.encode("utf-8", "replace"))


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``X-Hub-Signature`` (``method=hex``) is the HMAC of ``body`` under ``secret``."""
    method, _, digest = (header or "").strip().partition("=")
    algorithm = SIGNATURE_METHODS.get(method.strip().lower())
    if algorithm is None or not digest:
        return False
    expected = hmac.new(secret.encode(), body, algorithm).hexdigest()
    return hmac.compare_digest(expected, digest.strip().lower())


def secure(hub: str) -> bool:
    """Whether a hub may be sent a secret: ``https://`` only."""
    try:
        return urlsplit(hub).scheme.lower() == "https"
    except ValueError:
        return False


def renew_time(now: datetime, lease_s: float) -> datetime:
    """Halfway through the lease, or a day before its end for leases longer than two days."""
    return now + timedelta(seconds=lease_s - min(lease_s / 2, MAX_RENEW_MARGIN_S))


class WebSub:
    """Intents, active subscriptions and their leases, for the feeds this replica owns."""

    def __init__(
        self,
        *,
        fetcher: SafeFetcher,
        store: FeedStore,
        callback_base: str,
        lease_s: int,
        lease_min_s: int = 3600,
        lease_max_s: int = 30 * 86400,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.fetcher = fetcher
        self.store = store
        self.callback_base = callback_base.rstrip("/")
        self.lease_s = lease_s
        self.lease_min_s = lease_min_s
        self.lease_max_s = lease_max_s
        self._clock = clock
        self.active: dict[str, Subscription] = {}
        self.pending: dict[tuple[str, Mode], tuple[Subscription, datetime]] = {}
        self._retry_at: dict[str, datetime] = {}
        self._insecure: set[str] = set()  # feeds whose http:// hub was logged once

    def callback(self, sub: Subscription) -> str:
        return f"{self.callback_base}/{sub.feed_id}/{sub.token}"

    def clamp(self, lease_s: int | None) -> int:
        """The lease believed: the hub's grant (else what we asked) within ``[lease_min_s, lease_max_s]``."""
        return min(max(lease_s or self.lease_s, self.lease_min_s), self.lease_max_s)

    def restore(self, feed_id: str, health: FeedHealth) -> None:
        """A worker (re)starting: take over a stored subscription whose lease is still running."""
        until = health.websub_lease_until
        if not (health.websub_secret and health.websub_hub and health.websub_topic and until):
            return
        now = self._clock()
        if until > now and feed_id not in self.active:
            self.active[feed_id] = Subscription(
                feed_id,
                health.websub_hub,
                health.websub_topic,
                health.websub_secret,
                lease_until=until,
                renew_at=renew_time(now, (until - now).total_seconds()),
            )

    def is_active(self, feed_id: str) -> bool:
        sub = self.active.get(feed_id)
        return sub is not None and sub.lease_until is not None and sub.lease_until > self._clock()

    def plan(self, feed_id: str, hub: str, topic: str) -> Subscription | None:
        """The subscribe intent to send now (recorded as pending), or ``None`` when nothing is needed."""
        now = self._clock()
        if not secure(hub):
            if feed_id not in self._insecure:
                self._insecure.add(feed_id)
                log.warning("feed %s advertises a hub that is not https (%s): not subscribing, polling", feed_id, hub)
            return None
        if self._waiting(feed_id, "subscribe", now) or self._retry_at.get(feed_id, now) > now:
            return None
        sub = self.active.get(feed_id)
        same = sub is not None and (sub.hub, sub.topic) == (hub, topic)
        if same and sub is not None and self.is_active(feed_id) and sub.renew_at and sub.renew_at > now:
            return None
        secret = sub.secret if same and sub is not None else secrets.token_hex(32)
        return self._intend(Subscription(feed_id, hub, topic, secret), now)

    def due(self) -> list[Subscription]:
        """Renewal intents for every active subscription past its renewal time (recorded as pending)."""
        now = self._clock()
        due = [
            sub
            for feed_id, sub in self.active.items()
            if sub.renew_at is not None and sub.renew_at <= now and not self._waiting(feed_id, "subscribe", now)
        ]
        return [self._intend(replace(sub, lease_until=None, renew_at=None), now) for sub in due]

    def drop(self, feed_id: str) -> Subscription | None:
        """The feed is gone: forget it, and return the unsubscribe intent to send if it was subscribed."""
        self.pending.pop((feed_id, "subscribe"), None)
        self._retry_at.pop(feed_id, None)
        sub = self.active.pop(feed_id, None)
        if sub is None:
            return None
        return self._intend(replace(sub, mode="unsubscribe", lease_until=None, renew_at=None), self._clock())

    async def request(self, intent: Subscription) -> bool:
        """POST the intent to its hub; a refusal or an unreachable hub is retried after ``RETRY_S``.
        The secret goes only to an ``https://`` hub, and only with a subscription."""
        form = {"hub.mode": intent.mode, "hub.topic": intent.topic, "hub.callback": self.callback(intent)}
        if intent.mode == "subscribe":
            if not secure(intent.hub):
                self._give_up(intent)
                return False
            form |= {"hub.secret": intent.secret, "hub.lease_seconds": str(self.lease_s)}
        try:
            status, answer = await self.fetcher.post_form(intent.hub, form)
        except FetchError as exc:
            status, answer = None, str(exc)
        if status is not None and 200 <= status < 300:
            log.info("asked %s to %s feed %s (topic %s)", intent.hub, intent.mode, intent.feed_id, intent.topic)
            return True
        log.warning(
            "hub %s refused to %s feed %s: %s %s", intent.hub, intent.mode, intent.feed_id, status, answer[:200]
        )
        self._give_up(intent)
        return False

    async def confirm(self, feed_id: str, token: str, mode: str, topic: str, lease_s: int | None) -> bool:
        """The hub's verification GET (parameters already validated): True (echo the challenge) only for an
        intent we are waiting for, with its token and topic. Nothing is consumed unless it is True."""
        now = self._clock()
        intent = self._intent(feed_id, token, mode, topic, now)
        if intent is None:
            log.warning("refused %s verification of feed %s, topic %s: not asked for", mode, feed_id, topic)
            return False
        lease = self.clamp(lease_s)
        until = now + timedelta(seconds=lease)  # bounded by the clamp: cannot overflow
        sub = replace(intent, lease_until=until, renew_at=renew_time(now, lease))
        del self.pending[(feed_id, mode)]
        if mode == "subscribe":
            self.active[feed_id] = sub
            await self._save(sub)
        log.info("hub verified %s of feed %s (lease %ss granted, %ss kept)", mode, feed_id, lease_s, lease)
        return True

    def denied(self, feed_id: str, token: str, topic: str) -> bool:
        """The hub said no (``hub.mode=denied``): stop waiting for that intent, try again after ``RETRY_S``.
        Only a pending intent with this token and topic; an established subscription is never touched."""
        intent = self._intent(feed_id, token, "subscribe", topic, self._clock())
        if intent is None:
            return False
        self._give_up(intent)
        log.warning("hub denied the subscription of feed %s (topic %s)", feed_id, topic)
        return True

    def secret_for(self, feed_id: str, token: str) -> str | None:
        """The secret pushes for ``feed_id`` must be signed with (``None``: not subscribed, or a wrong token)."""
        sub = self.active.get(feed_id)
        return sub.secret if sub is not None and sub.owns(token) else None

    def _intent(self, feed_id: str, token: str, mode: str, topic: str, now: datetime) -> Subscription | None:
        waiting = self.pending.get((feed_id, mode))
        if waiting is None or waiting[1] <= now:
            return None
        intent = waiting[0]
        return intent if intent.owns(token) and intent.topic == topic else None

    def _intend(self, intent: Subscription, now: datetime) -> Subscription:
        self.pending[(intent.feed_id, intent.mode)] = (intent, now + timedelta(seconds=PENDING_S))
        return intent

    def _waiting(self, feed_id: str, mode: Mode, now: datetime) -> bool:
        waiting = self.pending.get((feed_id, mode))
        return waiting is not None and waiting[1] > now

    def _give_up(self, intent: Subscription) -> None:
        self.pending.pop((intent.feed_id, intent.mode), None)
        if intent.mode == "subscribe":
            self._retry_at[intent.feed_id] = self._clock() + timedelta(seconds=RETRY_S)

    async def _save(self, sub: Subscription) -> None:
        try:
            await self.store.save_websub(
                sub.feed_id, hub=sub.hub, topic=sub.topic, secret=sub.secret, lease_until=sub.lease_until
            )
        except Exception:  # the subscription works without it; only a restart would forget it
            log.exception("could not store the subscription of feed %s", sub.feed_id)
