"""Webhook signatures: what a receiver checks (the compatible X-Wirewatch-Signature and Standard Webhooks)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import WebhookVerificationError

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


# --- Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) --------------------------------


def test_standard_signature_verified_by_the_independent_standardwebhooks_package(alert: Alert) -> None:
    from standardwebhooks import Webhook

    from wirewatch.services.alerter.signing import standard_secret

    for secret in ("s3cret", "whsec_" + base64.b64encode(b"\x00\xffbinary key").decode()):
        envelope = Envelope(alert.alert_id, alert.to_bytes(), secret)
        headers = envelope.headers()
        assert headers["webhook-id"] == alert.alert_id
        assert headers["webhook-signature"].startswith("v1,")
        # the receiver configures the secret in the spec's format; a free-form secret maps to whsec_ + base64
        verified = Webhook(standard_secret(secret)).verify(envelope.body, headers)
        assert verified["alert_id"] == alert.alert_id
        with pytest.raises(WebhookVerificationError):
            Webhook(standard_secret("another")).verify(envelope.body, headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(standard_secret(secret)).verify(envelope.body + b" ", headers)


def test_the_timestamp_is_signed_and_taken_per_attempt(alert: Alert) -> None:
    envelope = Envelope(alert.alert_id, alert.to_bytes(), "s3cret")
    early = envelope.headers(now=1_700_000_000)
    late = envelope.headers(now=1_700_000_600)
    assert early["webhook-timestamp"] == "1700000000" and late["webhook-timestamp"] == "1700000600"
    assert early["webhook-signature"] != late["webhook-signature"]
    assert early[SIGNATURE_HEADER] == late[SIGNATURE_HEADER]  # the compatible header signs the body only
    unsigned = Envelope("x", b"{}", None).headers()
    assert "webhook-signature" not in unsigned and unsigned["webhook-id"] == "x"


def readme_receiver() -> dict[str, Any]:
    """The receiver example of the README, run as written."""
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    block = readme.split("<!-- receiver-example -->", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(block, "README receiver example", "exec"), namespace)  # our own README, tested as written
    return namespace


def test_the_readme_receiver_example_accepts_ours_and_refuses_replays_and_forgeries(alert: Alert) -> None:
    from wirewatch.services.alerter.signing import standard_secret

    verify_example = readme_receiver()["verify"]
    secret = standard_secret("s3cret")
    envelope = Envelope(alert.alert_id, alert.to_bytes(), "s3cret")
    now = int(time.time())
    assert verify_example(secret, envelope.headers(now=now), envelope.body)
    # a captured request replayed ten minutes later, a forged body, another secret
    assert not verify_example(secret, envelope.headers(now=now - 600), envelope.body)
    assert not verify_example(secret, envelope.headers(now=now), envelope.body + b"x")
    assert not verify_example(standard_secret("other"), envelope.headers(now=now), envelope.body)
    # and what the example accepts, the independent package accepts too
    from standardwebhooks import Webhook

    Webhook(secret).verify(envelope.body, envelope.headers(now=now))
