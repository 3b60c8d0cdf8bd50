"""Webhook delivery: one signed JSON POST per envelope, with retries.

Each attempt is classified (:func:`classify`):

    2xx                          delivered
    429, 5xx, timeout, refused   retried with exponential backoff and jitter (429/503 ``Retry-After``
                                 honoured, capped at the policy's maximum)
    any other status (4xx, 3xx)  given up at once: the receiver rejected the alert, retrying won't help

A POST in flight holds a slot of the global limit and of its destination's limit; waiting between
attempts holds neither, so a dead receiver never starves the others. The caller dead-letters what still
failed after the last attempt.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import aiohttp

from wirewatch.services.alerter.signing import DELIVERY_HEADER, SIGNATURE_HEADER, sign

USER_AGENT = "Wirewatch-Alerter/0.1 (+https://github.com/wirewatch/wirewatch)"


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

    def headers(self) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            DELIVERY_HEADER: self.delivery_id,
            "Idempotency-Key": self.delivery_id,
            "User-Agent": USER_AGENT,
        }
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


class WebhookSender:
    def __init__(self, session: aiohttp.ClientSession, policy: DeliveryPolicy, limiter: Limiter | None = None) -> None:
        self.session = session
        self.policy = policy
        self.limiter = limiter or Limiter(32, 8)

    async def deliver(self, url: str, envelope: Envelope) -> DeliveryResult:
        headers = envelope.headers()
        outcome = Outcome("not attempted")
        for attempt in range(1, self.policy.attempts + 1):
            async with self.limiter.slot(url):
                outcome = await self.attempt(url, envelope.body, headers)
            if outcome.ok:
                return DeliveryResult(True, attempt)
            if not outcome.retriable or attempt == self.policy.attempts:
                return DeliveryResult(False, attempt, outcome.error)
            await asyncio.sleep(self.delay(attempt, outcome.wait_s))
        return DeliveryResult(False, self.policy.attempts, outcome.error)

    def delay(self, attempt: int, requested_s: float | None) -> float:
        """The receiver's ``Retry-After`` if it gave one (capped), else exponential backoff with jitter."""
        if requested_s is not None:
            return min(requested_s, self.policy.backoff_max_s)
        ceiling = min(self.policy.backoff_max_s, self.policy.backoff_s * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    async def attempt(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        """One POST, never raising for network trouble: timeouts and connection errors are retriable."""
        try:
            timeout = aiohttp.ClientTimeout(total=self.policy.timeout_s)
            async with self.session.post(
                url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                await response.read()
                return classify(response.status, response.headers.get("Retry-After"))
        except TimeoutError:
            return Outcome("timeout", retriable=True)
        except aiohttp.ClientError as exc:
            return Outcome(f"{type(exc).__name__}: {exc}", retriable=True)
