"""Webhook signatures: ``X-Wirewatch-Signature: sha256=<hex HMAC-SHA256 of the raw body>``."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Wirewatch-Signature"
DELIVERY_HEADER = "X-Wirewatch-Delivery"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """What a receiver does: constant-time comparison of the header with the expected signature."""
    return header is not None and hmac.compare_digest(sign(body, secret), header)
