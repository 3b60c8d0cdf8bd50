"""Webhook signatures, two of them on every signed POST:

- Standard Webhooks (https://www.standardwebhooks.com): ``webhook-id`` (the delivery id, the same on every
  retry), ``webhook-timestamp`` (Unix seconds of *this* attempt) and ``webhook-signature: v1,<base64
  HMAC-SHA256 of "id.timestamp.body">``. The timestamp is signed, so a receiver that refuses stale ones
  (five minutes is the spec's tolerance) cannot be fed a captured request again.
- ``X-Wirewatch-Signature: sha256=<hex HMAC-SHA256 of the raw body>``, kept for receivers written before
  (no timestamp: replayable, prefer the standard headers).

The spec's secrets are ``whsec_`` + base64 of the key. A rule's secret written that way is used as the spec
says (the decoded bytes are the key); any other, free-form, secret is used as its UTF-8 bytes, which is
the secret ``whsec_`` + base64(UTF-8 secret) to a receiver (:func:`standard_secret`). The compatible header
always uses the secret's UTF-8 text as its key, as it did.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

SIGNATURE_HEADER = "X-Wirewatch-Signature"
DELIVERY_HEADER = "X-Wirewatch-Delivery"
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
STANDARD_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's prefix, not a secret


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """What a receiver does: constant-time comparison of the header with the expected signature."""
    return header is not None and hmac.compare_digest(sign(body, secret), header)


def standard_key(secret: str) -> bytes:
    """The HMAC key of a rule's secret: ``whsec_<base64>`` decoded, any other secret as its UTF-8 bytes."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
        except (binascii.Error, ValueError):
            pass  # not valid base64 after all: a free-form secret that happens to start with whsec_
    return secret.encode("utf-8")


def standard_secret(secret: str) -> str:
    """The secret a Standard Webhooks receiver configures for a rule's secret (``whsec_`` + base64 key)."""
    return SECRET_PREFIX + base64.b64encode(standard_key(secret)).decode("ascii")


def standard_signature(delivery_id: str, timestamp: int, body: bytes, secret: str) -> str:
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(standard_key(secret), signed, hashlib.sha256).digest()).decode("ascii")


def standard_headers(delivery_id: str, timestamp: int, body: bytes, secret: str | None) -> dict[str, str]:
    """``webhook-id`` and ``webhook-timestamp``, and ``webhook-signature`` when the rule has a secret."""
    headers = {ID_HEADER: delivery_id, TIMESTAMP_HEADER: str(timestamp)}
    if secret is not None:
        headers[STANDARD_HEADER] = standard_signature(delivery_id, timestamp, body, secret)
    return headers
