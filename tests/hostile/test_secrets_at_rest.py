"""Secrets at rest (issue 13, findings 10 and 11): whoever can read the feeds or rules index (a Kibana user,
the Dev Tools console, a snapshot) finds no WebSub secret, signing secret or webhook URL in clear; the
shipped data views hide the secret fields; a wrong key is a modelled error, a missing one a clear error
naming ``WIREWATCH_SECRET_KEY``; clear values written before are still read (and sealed on the next write).
Credentials inside ``WIREWATCH_ES_URL`` / the Kafka bootstrap list, and webhook paths, are redacted."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wirewatch.core.es import make_es
from wirewatch.core.redaction import destination, redact_password, redact_servers, redact_url, scrub
from wirewatch.core.secretbox import (
    SecretBox,
    SecretKeyMissing,
    SecretUndecryptable,
    box_for,
    ensure_key_file,
    generate_key,
)
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.feeds import FeedStore, new_feed
from wirewatch.core.stores.rules import RuleStore, new_rule

ROOT = Path(__file__).resolve().parents[2]
WEBSUB_SECRET = "websubSECRET-5e1f20aa-MARKER"
RULE_SECRET = "ruleSECRET-90b3d7c4-MARKER"
HOOK = "https://hooks.slack.example/services/T000/B000/hookTOKEN-77c2e9d1-MARKER"
#: the fields of each index that hold a secret, and must be hidden from every data view on it
SECRET_FIELDS = {"feeds": {"websub_secret"}, "rules": {"secret", "webhooks"}}


def test_sealed_values_open_with_their_key_only() -> None:
    box = SecretBox([generate_key().encode()])
    sealed = box.seal(RULE_SECRET)
    assert sealed.startswith("fernet:") and RULE_SECRET not in sealed and sealed != box.seal(RULE_SECRET)
    assert box.open(sealed, field="f") == RULE_SECRET
    assert box.open("written in clear by 0.1", field="f") == "written in clear by 0.1"  # legacy: read as is
    with pytest.raises(SecretUndecryptable) as wrong:
        SecretBox([generate_key().encode()]).open(sealed, field="the signing secret of rule 'x'")
    assert wrong.value.error_class == "secret_undecryptable" and not wrong.value.retriable
    assert "rule 'x'" in wrong.value.reason and "WIREWATCH_SECRET_KEY" in wrong.value.reason
    with pytest.raises(SecretKeyMissing, match="WIREWATCH_SECRET_KEY"):
        SecretBox([]).seal(RULE_SECRET)
    with pytest.raises(SecretKeyMissing, match="WIREWATCH_SECRET_KEY"):
        SecretBox([]).open(sealed, field="f")


def test_a_second_key_opens_what_the_first_did_not_seal(tmp_path: Path) -> None:
    old, new = generate_key(), generate_key()
    sealed = box_for(old, tmp_path).seal(RULE_SECRET)
    assert box_for(f"{new},{old}", tmp_path).open(sealed, field="f") == RULE_SECRET  # rotation
    assert box_for(None, tmp_path).seal is not None and not (tmp_path / "secret.key").exists()
    key_file = ensure_key_file(tmp_path)
    assert key_file.stat().st_mode & 0o077 == 0  # the local stack's key file: owner only
    assert box_for(None, tmp_path).open(box_for(key_file.read_text(), tmp_path).seal("x"), field="f") == "x"


def test_a_bad_key_setting_is_refused_without_echoing_it() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    bad = "not-a-fernet-key-3c8e0b-MARKER"
    result = subprocess.run(
        [sys.executable, "-m", "wirewatch", "rules", "list"],
        env=env | {"WIREWATCH_SECRET_KEY": bad},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "WIREWATCH_SECRET_KEY" in result.stderr
    assert bad[:8] not in result.stdout + result.stderr


def test_redaction_of_webhooks_and_service_urls() -> None:
    assert redact_url(HOOK) == "https://hooks.slack.example/…/redacted"
    assert redact_url("https://user:pw@discord.example:8443/api/webhooks/1/abc?wait=1").startswith(
        "https://***@discord.example:8443/"
    )
    assert "hookTOKEN" not in destination(HOOK) and destination(HOOK) != destination(HOOK + "x")
    assert redact_password("https://elastic:esPW-9@es.internal:9200") == "https://elastic:***@es.internal:9200"
    assert redact_password("http://localhost:9200") == "http://localhost:9200"
    assert redact_servers("kafka1:9092,user:pw@kafka2:9093") == "kafka1:9092,***@kafka2:9093"
    text = f"ClientConnectorError: Cannot connect to {HOOK} (and {HOOK.split('/', 3)[3]})"
    assert "hookTOKEN" not in scrub(text, HOOK)


def test_a_password_in_the_es_url_is_not_shown_in_a_cli_error() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    result = subprocess.run(
        [sys.executable, "-m", "wirewatch", "rules", "list"],
        env=env | {"WIREWATCH_ES_URL": "http://elastic:urlPW-4d1e-MARKER@127.0.0.1:1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "127.0.0.1:1" in result.stderr, result.stderr
    assert "urlPW" not in result.stdout + result.stderr


def _kibana_objects() -> list[dict[str, object]]:
    lines = (ROOT / "deploy" / "kibana" / "wirewatch.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_no_data_view_shows_a_secret_field() -> None:
    views = [o for o in _kibana_objects() if o["type"] == "index-pattern"]
    assert views
    for view in views:
        attributes = view["attributes"]
        assert isinstance(attributes, dict)
        family = str(attributes["title"]).rsplit("-", 1)[-1]
        hidden = {f["value"] for f in json.loads(attributes.get("sourceFilters") or "[]")}
        listed = {f.get("name") for f in json.loads(attributes.get("fields") or "[]")}
        attrs = set(json.loads(attributes.get("fieldAttrs") or "{}"))
        secret = SECRET_FIELDS.get(family, set())
        assert secret <= hidden, f"data view {view['id']} shows {sorted(secret - hidden)}"
        assert not (secret & (listed | attrs)), view["id"]


def test_secret_fields_are_neither_searchable_nor_aggregatable() -> None:
    for family, fields in SECRET_FIELDS.items():
        template = json.loads((ROOT / "deploy" / "elasticsearch" / "templates" / f"{family}.json").read_text())
        properties = template["template"]["mappings"]["properties"]
        for name in fields:
            assert properties[name].get("index") is False and properties[name].get("doc_values") is False, name


@pytest.mark.integration
async def test_the_indices_hold_no_secret_in_clear(
    initialised: CommonSettings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = initialised
    box = SecretBox([generate_key().encode()])
    es = make_es(settings)
    try:
        feeds = FeedStore(es, settings.index_name("feeds"), box=box)
        feed = new_feed("https://news.example/feed.xml")
        assert await feeds.add(feed)
        until = datetime.now(UTC) + timedelta(days=1)
        await feeds.save_websub(
            feed.id, hub="https://hub.example/", topic=feed.url, secret=WEBSUB_SECRET, lease_until=until
        )
        rules = RuleStore(es, settings.index_name("rules"), box=box)
        await rules.put(new_rule("sealed", "text:x", webhooks=[HOOK], secret=RULE_SECRET))
        await es.indices.refresh(index=f"{settings.index_prefix}-*")

        raw = {
            family: (await es.search(index=settings.index_name(family), query={"match_all": {}})).body["hits"]["hits"]
            for family in ("feeds", "rules")
        }
        text = json.dumps(raw)
        for marker in (WEBSUB_SECRET, RULE_SECRET, HOOK, "hookTOKEN", "T000/B000"):
            assert marker not in text, f"{marker} is stored in clear"
        assert raw["rules"][0]["_source"]["secret"].startswith("fernet:")
        for family, fields in SECRET_FIELDS.items():  # not searchable either: nothing finds the sealed value
            for name in fields:
                found = await es.options(ignore_status=400).search(
                    index=settings.index_name(family), query={"exists": {"field": name}}
                )
                assert found.body.get("hits", {}).get("total", {}).get("value", 0) == 0, name

        [record] = await feeds.all()
        assert record.health.websub_secret == WEBSUB_SECRET  # the owner of the key reads it back
        [rule] = await rules.all()
        assert rule.webhooks == [HOOK] and rule.secret is not None and rule.secret.get_secret_value() == RULE_SECRET

        other = SecretBox([generate_key().encode()])  # a wrong (or rotated-away) key
        with pytest.raises(SecretUndecryptable, match="rule 'sealed'"):
            await RuleStore(es, settings.index_name("rules"), box=other).all()
        with caplog.at_level(logging.ERROR):
            [unreadable] = await FeedStore(es, settings.index_name("feeds"), box=other).all()
        assert unreadable.health.websub_secret is None and "secret_undecryptable" in caplog.text
        with pytest.raises(SecretKeyMissing, match="WIREWATCH_SECRET_KEY"):
            await RuleStore(es, settings.index_name("rules"), box=SecretBox([])).put(
                new_rule("unsealed", "text:x", webhooks=[HOOK])
            )

        # a rule written in clear by an older version is read, and sealed when it is next saved
        legacy = new_rule("legacy", "text:x", webhooks=[HOOK + "/old"], secret="old-secret")
        legacy_doc = legacy.model_dump(mode="json") | {"secret": "old-secret"}
        await es.index(index=settings.index_name("rules"), id=legacy.id, document=legacy_doc, refresh="wait_for")
        read = await rules.get("legacy")
        assert read is not None and read.webhooks == [HOOK + "/old"]
        await rules.put(read)
        source = (await es.get(index=settings.index_name("rules"), id=legacy.id)).body["_source"]
        assert source["secret"].startswith("fernet:") and all(u.startswith("fernet:") for u in source["webhooks"])
    finally:
        await es.close()
    await asyncio.sleep(0)
