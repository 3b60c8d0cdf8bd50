"""Webhook delivery: signed JSON POSTs with retries.

Retried: timeouts, connection errors, 5xx and 429 (honouring ``Retry-After``), with exponential backoff
and jitter. Not retried: any other 4xx. The caller dead-letters what still failed after the last attempt.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass

import aiohttp

from schemas import Alert, Rule
from services.alerter.signing import DELIVERY_HEADER, SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)
USER_AGENT = "Wirewatch-Alerter/0.1 (+https://github.com/wirewatch/wirewatch)"


@dataclass(frozen=True)
class DeliveryPolicy:
    attempts: int = 5
    backoff_s: float = 0.5
    backoff_max_s: float = 30.0
    timeout_s: float = 10.0


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    attempts: int
    error: str | None = None


def body_for(alert: Alert, rule: Rule) -> bytes:
    if not rule.slack:
        return alert.to_bytes()
    who = ", ".join([*alert.persons[:3], *alert.organizations[:3]])
    text = f"*{rule.name}*: <{alert.url}|{alert.title or alert.url}>" + (f"\n{who}" if who else "")
    if alert.snippet:
        text += f"\n> {alert.snippet}"
    return json.dumps({"text": text, "alert_id": alert.alert_id}).encode("utf-8")


def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class WebhookSender:
    def __init__(self, session: aiohttp.ClientSession, policy: DeliveryPolicy) -> None:
        self.session = session
        self.policy = policy

    async def deliver(self, url: str, alert: Alert, rule: Rule) -> DeliveryResult:
        body = body_for(alert, rule)
        headers = {"Content-Type": "application/json", DELIVERY_HEADER: alert.alert_id,
                   "Idempotency-Key": alert.alert_id, "User-Agent": USER_AGENT}
        if rule.secret is not None:
            headers[SIGNATURE_HEADER] = sign(body, rule.secret.get_secret_value())
        error = "not attempted"
        for attempt in range(1, self.policy.attempts + 1):
            retry, wait, error = await self._attempt(url, body, headers)
            if not retry and error is None:
                return DeliveryResult(True, attempt)
            if not retry or attempt == self.policy.attempts:
                return DeliveryResult(False, attempt, error)
            await asyncio.sleep(wait if wait is not None else self._backoff(attempt))
        return DeliveryResult(False, self.policy.attempts, error)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.policy.backoff_max_s, self.policy.backoff_s * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    async def _attempt(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[bool, float | None, str | None]:
        """One POST: returns (retry?, server-requested wait, error or None on success)."""
        try:
            timeout = aiohttp.ClientTimeout(total=self.policy.timeout_s)
            async with self.session.post(url, data=body, headers=headers, timeout=timeout,
                                         allow_redirects=False) as response:
                await response.read()
                if response.status < 300:
                    return False, None, None
                error = f"HTTP {response.status}"
                if response.status == 429 or response.status >= 500:
                    wait = _retry_after(response)
                    return True, min(wait, self.policy.backoff_max_s) if wait is not None else None, error
                return False, None, error
        except (TimeoutError, asyncio.TimeoutError):
            return True, None, "timeout"
        except aiohttp.ClientError as exc:
            return True, None, f"{type(exc).__name__}: {exc}"
