"""Webhook signatures: what a receiver checks."""

from __future__ import annotations

import hashlib
import hmac

from wirewatch.schemas import Alert
from wirewatch.services.alerter.delivery import Envelope
from wirewatch.services.alerter.signing import DELIVERY_HEADER, SIGNATURE_HEADER, sign, verify


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"alert_id":"a1"}'
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sign(body, "s3cret") == f"sha256={expected}"


def test_verify_rejects_another_secret_a_changed_body_and_a_missing_header() -> None:
    body = b'{"alert_id":"a1"}'
    header = sign(body, "s3cret")
    assert verify(body, "s3cret", header)
    assert not verify(body, "other", header)
    assert not verify(body + b" ", "s3cret", header)
    assert not verify(body, "s3cret", None)


def test_envelope_headers_sign_the_exact_body_and_carry_the_delivery_id(alert: Alert) -> None:
    envelope = Envelope(alert.alert_id, alert.to_bytes(), "s3cret")
    headers = envelope.headers()
    assert verify(envelope.body, "s3cret", headers[SIGNATURE_HEADER])
    assert headers[DELIVERY_HEADER] == headers["Idempotency-Key"] == alert.alert_id
    assert SIGNATURE_HEADER not in Envelope("x", b"{}", None).headers()
