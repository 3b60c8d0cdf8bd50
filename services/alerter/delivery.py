"""Webhook (and Teams) delivery: one signed JSON POST per envelope, with retries.

Each attempt is classified (:func:`classify`):

    2xx                          delivered
    429, 5xx, timeout, refused   retried with exponential backoff and jitter (429/503 ``Retry-After``
                                 honoured, capped at the policy's maximum)
    any other status (4xx, 3xx)  given up at once: the receiver rejected the alert, retrying won't help
    refused by the address policy  given up at once, never connected to (:data:`NOT_ALLOWED`)

Every POST goes through the installation's outbound address policy (``wirewatch/core/outbound.py``): the
scheme and IP literals are checked before it, names at connect time by the session's resolver, which connects
to exactly the addresses it checked. Redirects are not followed (a 3xx is the receiver's answer, so a public
receiver cannot bounce an alert inward). What is recorded for a failure is a coarse class ("timeout",
"connection failed", …) and, for a refused destination, one fixed reason: delivery errors say nothing about
the state of an internal host. The answer is read as sent, never decompressed, and at most
:data:`RESPONSE_BYTES` of it: classification needs only the status and ``Retry-After``.

A POST in flight holds a slot of the global limit and of its destination's limit; waiting between
attempts holds neither, so a dead receiver never starves the others. The caller dead-letters what still
failed after the last attempt.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver

from wirewatch.core.destinations import check_url, outbound_session
from wirewatch.core.errors import BlockedDestination
from wirewatch.core.outbound import NOT_ALLOWED, AddressPolicy
from wirewatch.services.alerter.channels import Mail
from wirewatch.services.alerter.signing import DELIVERY_HEADER, SIGNATURE_HEADER, sign, standard_headers

log = logging.getLogger(__name__)

USER_AGENT = "Wirewatch-Alerter/0.1 (+https://github.com/wirewatch/wirewatch)"
#: the most of a receiver's answer read (raw, never decompressed); the rest is dropped with the connection
RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class DeliveryPolicy:
    attempts: int = 5
    backoff_s: float = 0.5
    backoff_max_s: float = 30.0
    timeout_s: float = 10.0


@dataclass(frozen=True)
class Envelope:
    """One message to POST: its body, its delivery id (also the idempotency key) and the signing secret."""

    delivery_id: str
    body: bytes
    secret: str | None = None
    #: the Teams card and the e-mail of the same alert or digest, when the rule has such destinations
    card: bytes | None = None
    mail: Mail | None = None

    def for_teams(self) -> Envelope | None:
        """The envelope a Teams destination gets: the card, same delivery id, no signature (Teams checks none)."""
        return None if self.card is None else Envelope(self.delivery_id, self.card)

    def headers(self, now: float | None = None) -> dict[str, str]:
        """The headers of one attempt: the Standard Webhooks timestamp (``now``) is signed per attempt."""
        headers = {
            "Content-Type": "application/json",
            DELIVERY_HEADER: self.delivery_id,
            "Idempotency-Key": self.delivery_id,
            "User-Agent": USER_AGENT,
        }
        timestamp = int(time.time() if now is None else now)
        headers |= standard_headers(self.delivery_id, timestamp, self.body, self.secret)
        if self.secret is not None:
            headers[SIGNATURE_HEADER] = sign(self.body, self.secret)
        return headers


@dataclass(frozen=True)
class Outcome:
    """What one attempt taught us: success, or the error and whether (and when) to try again."""

    error: str | None = None
    retriable: bool = False
    wait_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    attempts: int
    error: str | None = None


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify(status: int, retry_after_header: str | None = None) -> Outcome:
    """Decide from an HTTP status whether the POST succeeded, should be retried, or is rejected for good."""
    if 200 <= status < 300:
        return Outcome()
    error = f"HTTP {status}"
    if status == 429 or status >= 500:
        return Outcome(error, retriable=True, wait_s=retry_after(retry_after_header))
    return Outcome(error, retriable=False)


class Limiter:
    """At most ``total`` POSTs in flight, and at most ``per_destination`` to one scheme://host:port."""

    def __init__(self, total: int, per_destination: int) -> None:
        self._total = asyncio.Semaphore(total)
        self._per_destination = per_destination
        self._by_origin: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self._per_destination)
        )

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        parts = urlsplit(url)
        async with self._by_origin[f"{parts.scheme}://{parts.netloc}"], self._total:
            yield


class Retrying:
    """Attempts with retries and backoff, each holding a slot of the limiter only while it runs: the part of
    delivery every channel shares (webhooks and chat here, e-mail in :mod:`~wirewatch.services.alerter.mail`)."""

    def __init__(self, policy: DeliveryPolicy, limiter: Limiter | None, addresses: AddressPolicy | None) -> None:
        self.policy = policy
        self.limiter = limiter or Limiter(32, 8)
        self.addresses = addresses or AddressPolicy()

    async def retrying(self, slot: str, attempt: Callable[[], Awaitable[Outcome]]) -> DeliveryResult:
        outcome = Outcome("not attempted")
        for number in range(1, self.policy.attempts + 1):
            async with self.limiter.slot(slot):
                outcome = await attempt()
            if outcome.ok:
                return DeliveryResult(True, number)
            if not outcome.retriable or number == self.policy.attempts:
                return DeliveryResult(False, number, outcome.error)
            await asyncio.sleep(self.delay(number, outcome.wait_s))
        return DeliveryResult(False, self.policy.attempts, outcome.error)

    def delay(self, attempt: int, requested_s: float | None) -> float:
        """The receiver's ``Retry-After`` if it gave one (capped), else exponential backoff with jitter."""
        if requested_s is not None:
            return min(requested_s, self.policy.backoff_max_s)
        ceiling = min(self.policy.backoff_max_s, self.policy.backoff_s * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


class WebhookSender(Retrying):
    """POSTs envelopes through its own session, which only connects where ``addresses`` allows (strict by
    default). Use as ``async with WebhookSender(...)`` or call :meth:`close`."""

    def __init__(
        self,
        policy: DeliveryPolicy,
        limiter: Limiter | None = None,
        *,
        addresses: AddressPolicy | None = None,
        connections: int = 32,
        resolver: AbstractResolver | None = None,
    ) -> None:
        super().__init__(policy, limiter, addresses)
        self._connections = connections
        self._resolver = resolver
        self._client: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> WebhookSender:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _session(self) -> aiohttp.ClientSession:
        if self._client is None:
            self._client = outbound_session(
                self.addresses,
                limit=self._connections,
                resolver=self._resolver,
                headers={"User-Agent": USER_AGENT},
            )
        return self._client

    async def deliver(self, url: str, envelope: Envelope) -> DeliveryResult:
        """POST with retries; the headers (and the signed timestamp) are made afresh for every attempt."""
        return await self.retrying(url, lambda: self.attempt(url, envelope.body, envelope.headers()))

    async def attempt(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        """One POST, never raising for network trouble: a refused destination is given up, never connected
        to; timeouts and connection errors are retriable, recorded by class only."""
        try:
            check_url(url, self.addresses)
            timeout = aiohttp.ClientTimeout(total=self.policy.timeout_s)
            async with self._session().post(
                url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                await _read_bounded(response)
                return classify(response.status, response.headers.get("Retry-After"))
        except BlockedDestination as exc:
            log.warning("webhook destination refused by the outbound policy: %s", exc.reason)
            return Outcome(NOT_ALLOWED, retriable=False)
        except (TimeoutError, aiohttp.ServerTimeoutError):
            return Outcome("timeout", retriable=True)
        except aiohttp.ClientConnectorDNSError:
            return Outcome("name not resolved", retriable=True)
        except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError):
            return Outcome("TLS failure", retriable=True)
        except (aiohttp.ClientError, OSError):
            return Outcome("connection failed", retriable=True)


async def _read_bounded(response: aiohttp.ClientResponse) -> None:
    """Read at most :data:`RESPONSE_BYTES` of the answer, as sent: a short answer read to its end lets the
    connection be reused, a longer one is dropped with it."""
    left = RESPONSE_BYTES
    while left > 0 and (chunk := await response.content.read(left)):
        left -= len(chunk)
