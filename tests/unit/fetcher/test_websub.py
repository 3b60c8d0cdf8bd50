"""WebSub subscription state: intents, verification, leases and renewal, signatures (no network)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wirewatch.core.stores.feeds import FeedHealth
from wirewatch.services.fetcher.websub import Subscription, WebSub, signature_ok

T0 = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
HUB, TOPIC = "https://hub.example/", "https://news.example/feed.xml"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Store:
    def __init__(self) -> None:
        self.saved: list[dict[str, Any]] = []

    async def save_websub(self, feed_id: str, **fields: Any) -> bool:
        self.saved.append({"feed_id": feed_id, **fields})
        return True


def websub(clock: Clock, store: Store | None = None) -> WebSub:
    return WebSub(
        fetcher=None,
        store=store or Store(),
        callback_base="https://me.example/websub/",  # type: ignore[arg-type]
        lease_s=600,
        lease_min_s=1,
        clock=clock,
    )


@pytest.mark.parametrize("method", ["sha1", "sha256", "sha384", "sha512"])
def test_signatures_with_every_method(method: str) -> None:
    digest = hmac.new(b"s3cret", b"body", getattr(hashlib, method)).hexdigest()
    assert signature_ok("s3cret", b"body", f"{method}={digest}")
    assert signature_ok("s3cret", b"body", f"{method.upper()}={digest.upper()}")
    assert not signature_ok("other", b"body", f"{method}={digest}")
    assert not signature_ok("s3cret", b"body!", f"{method}={digest}")


@pytest.mark.parametrize("header", [None, "", "sha256", "md5=abc", "sha256=", "=abc"])
def test_missing_or_unknown_signatures_fail(header: str | None) -> None:
    assert not signature_ok("s3cret", b"body", header)


async def test_only_the_intent_we_sent_is_confirmed_and_its_lease_stored() -> None:
    clock, store = Clock(), Store()
    subs = websub(clock, store)
    intent = subs.plan("f1", HUB, TOPIC)
    assert intent is not None and len(intent.secret) == 64
    token = intent.token
    assert len(token) == 32 and subs.callback(intent) == f"https://me.example/websub/f1/{token}"
    assert subs.plan("f1", HUB, TOPIC) is None  # already waiting for the hub
    assert not await subs.confirm("f1", token, "subscribe", "https://evil.example/", 100)
    assert not await subs.confirm("f2", token, "subscribe", TOPIC, 100)
    assert not await subs.confirm("f1", token, "unsubscribe", TOPIC, 100)
    assert not await subs.confirm("f1", "A" * 32, "subscribe", TOPIC, 100)
    assert await subs.confirm("f1", token, "subscribe", TOPIC, 100)
    assert not await subs.confirm("f1", token, "subscribe", TOPIC, 100)  # a replayed verification
    assert subs.is_active("f1") and subs.secret_for("f1", token) == intent.secret
    assert subs.secret_for("f1", "A" * 32) is None
    assert store.saved == [
        {
            "feed_id": "f1",
            "hub": HUB,
            "topic": TOPIC,
            "secret": intent.secret,
            "lease_until": T0 + timedelta(seconds=100),
        }
    ]


async def test_an_intent_expires_when_the_hub_never_verifies() -> None:
    clock = Clock()
    subs = websub(clock)
    assert subs.plan("f1", HUB, TOPIC) is not None
    clock.now += timedelta(hours=1)
    assert not await subs.confirm("f1", "x", "subscribe", TOPIC, 100)
    assert subs.plan("f1", HUB, TOPIC) is not None  # asked again


async def test_renewal_halfway_keeps_the_secret_and_a_lease_ends() -> None:
    clock = Clock()
    subs = websub(clock)
    intent = subs.plan("f1", HUB, TOPIC)
    assert intent is not None and await subs.confirm("f1", intent.token, "subscribe", TOPIC, 100)
    clock.now += timedelta(seconds=49)
    assert subs.due() == [] and subs.plan("f1", HUB, TOPIC) is None
    clock.now += timedelta(seconds=2)
    [renewal] = subs.due()
    assert renewal.secret == intent.secret and subs.due() == []  # pending now, not asked twice
    assert subs.is_active("f1")
    clock.now += timedelta(seconds=50)
    assert not subs.is_active("f1")


async def test_a_new_hub_or_topic_means_a_new_subscription_with_a_new_secret() -> None:
    clock = Clock()
    subs = websub(clock)
    first = subs.plan("f1", HUB, TOPIC)
    assert first is not None and await subs.confirm("f1", first.token, "subscribe", TOPIC, 100)
    moved = subs.plan("f1", "https://other-hub.example/", TOPIC)
    assert moved is not None and moved.secret != first.secret


async def test_denied_subscriptions_are_retried_later() -> None:
    clock = Clock()
    subs = websub(clock)
    intent = subs.plan("f1", HUB, TOPIC)
    assert intent is not None and subs.denied("f1", intent.token, TOPIC)
    assert subs.plan("f1", HUB, TOPIC) is None
    clock.now += timedelta(minutes=6)
    assert subs.plan("f1", HUB, TOPIC) is not None


async def test_a_dropped_feed_is_unsubscribed_and_its_pushes_refused() -> None:
    clock = Clock()
    subs = websub(clock)
    first = subs.plan("f1", HUB, TOPIC)
    assert first is not None and await subs.confirm("f1", first.token, "subscribe", TOPIC, 100)
    intent = subs.drop("f1")
    assert intent is not None and intent.mode == "unsubscribe" and subs.secret_for("f1", first.token) is None
    assert await subs.confirm("f1", first.token, "unsubscribe", TOPIC, None)
    assert subs.drop("f1") is None


def test_a_stored_subscription_is_restored_only_while_its_lease_runs() -> None:
    clock = Clock()
    subs = websub(clock)
    stored = FeedHealth(
        websub_hub=HUB, websub_topic=TOPIC, websub_secret="s" * 64, websub_lease_until=T0 + timedelta(seconds=100)
    )
    subs.restore("f1", stored)
    subs.restore("f2", stored.model_copy(update={"websub_lease_until": T0 - timedelta(seconds=1)}))
    token = Subscription("f1", HUB, TOPIC, "s" * 64).token
    assert subs.is_active("f1") and subs.secret_for("f1", token) == "s" * 64
    assert subs.secret_for("f2", token) is None
    assert "s" * 64 not in repr(stored)


def test_settings_keep_push_and_address_exemptions_off_by_default(tmp_path: Any) -> None:
    from pydantic import ValidationError

    from wirewatch.services.fetcher.settings import FetcherSettings

    defaults = FetcherSettings()
    assert defaults.fetcher_callback_url is None and defaults.fetcher_hosts_file is None
    assert not defaults.allow_private_networks
    assert (
        FetcherSettings(fetcher_callback_url="https://me.example/websub/").fetcher_callback_url
        == "https://me.example/websub"
    )
    with pytest.raises(ValidationError, match="CALLBACK_URL"):
        FetcherSettings(fetcher_callback_url="ftp://me.example/")
    bad = tmp_path / "hosts"
    bad.write_text("169.254.169.254 metadata.drill\n")
    with pytest.raises(ValidationError, match="metadata"):
        FetcherSettings(fetcher_hosts_file=bad)
    with pytest.raises(ValidationError, match="cannot read"):
        FetcherSettings(fetcher_hosts_file=tmp_path / "missing")
