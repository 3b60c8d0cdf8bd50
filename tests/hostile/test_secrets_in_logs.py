"""Secrets never reach logs or command output: the Elasticsearch and Kafka SASL passwords given to the
workers, a rule's signing secret and its webhook URLs' tokens (the credential of a Slack, Teams or Discord
webhook) are absent from every worker's log (at debug level, while an alert is matched, signed, delivered
to one webhook and dead-lettered for the other), from ``wirewatch status`` / ``rules list [--json]`` /
``rules export`` / ``feeds list`` / ``dlq list``, from the alert ledger's documents, and from the rules
index itself (sealed at rest); ``rules export --include-secrets`` alone writes them, with a warning; and a
worker or command refusing a bad setting does not print them in its error either."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.broker import produce
from bench.messages import enriched
from bench.servers import Receiver
from bench.workers import Workers, worker_env
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES
from wirewatch.services.alerter.signing import SIGNATURE_HEADER, verify

pytestmark = [pytest.mark.integration]
INDEXER = STAGES["indexer"]

ES_PASSWORD = "esPW-7f3a9c1e-MARKER"
SASL_PASSWORD = "saslPW-52d0b6aa-MARKER"
RULE_SECRET = "ruleSECRET-c81e44f0-MARKER"
HOOK_TOKEN = "hookTOKEN-3b9d17e2-MARKER"  # in the delivered webhook's query, as Slack's is in its path
DEAD_TOKEN = "deadTOKEN-a60f4c85-MARKER"  # the webhook that refuses (404): its failure is dead-lettered
MARKERS = (ES_PASSWORD, SASL_PASSWORD, RULE_SECRET, HOOK_TOKEN, DEAD_TOKEN)
WORKERS = tuple(STAGES)


def secret_env() -> dict[str, str]:
    """Credentials set but harmless on the local stack: security is off there, and PLAINTEXT Kafka never
    uses the SASL password — it still sits in every worker's settings."""
    return {
        "WIREWATCH_ES_USERNAME": "elastic",
        "WIREWATCH_ES_PASSWORD": ES_PASSWORD,
        "WIREWATCH_KAFKA_SASL_USERNAME": "wirewatch",
        "WIREWATCH_KAFKA_SASL_PASSWORD": SASL_PASSWORD,
        "WIREWATCH_LOG_LEVEL": "debug",
        "WIREWATCH_ALERTER_ATTEMPTS": "1",
    }


def cli(settings: CommonSettings, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wirewatch", *args],
        env=worker_env(settings, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def leaks(text: str) -> list[str]:
    """Each marker found, also in its first 8 characters (a truncated repr still gives a secret away)."""
    return [m for m in MARKERS if m in text or m[:8] in text]


async def test_running_workers_and_commands_never_show_secrets(initialised: CommonSettings, tmp_path: Path) -> None:
    settings = initialised
    receiver, refusing = await Receiver().start(), await Receiver(statuses=[404] * 10).start()
    workers = Workers(settings, tmp_path / "logs", extra_env=secret_env())
    try:
        added = cli(
            settings,
            "rules",
            "add",
            "secretive",
            "--query",
            "text:Baghdad",
            "--webhook",
            f"{receiver.url}?token={HOOK_TOKEN}",
            "--webhook",
            f"{refusing.url}?token={DEAD_TOKEN}",
            "--secret",
            RULE_SECRET,
            **secret_env(),
        )
        assert added.returncode == 0, added.stderr
        workers.start(*WORKERS)
        await produce(settings, INDEXER.input, [enriched(1)])
        await eventually(lambda: receiver.received, timeout=120, what="the signed webhook")
        body, headers = receiver.received[0]
        assert verify(body, RULE_SECRET, headers.get(SIGNATURE_HEADER))  # the secret was really used
        ledger = await eventually(lambda: _failed_alerts(settings), timeout=60, what="the failed delivery")
        assert leaks(json.dumps(ledger)) == [], "the alert ledger holds a webhook token"
        assert any("127.0.0.1" in d for doc in ledger for d in doc["destinations"])  # still says where
        assert leaks(json.dumps(await _raw_rules(settings))) == [], "the rules index holds a secret in clear"
        outputs = {
            " ".join(args): cli(settings, *args, **secret_env())
            for args in (
                ("status",),
                ("status", "--json"),
                ("rules", "list"),
                ("rules", "list", "--json"),
                ("rules", "test", "secretive"),
                ("rules", "export"),
                ("feeds", "list", "--json"),
                ("dlq", "list"),
                ("dlq", "list", "--json"),
            )
        }
        letters = json.loads(outputs["dlq list --json"].stdout)
        assert any(d["stage"] == "alerter" for d in letters), letters  # the refused webhook was dead-lettered
        full = cli(settings, "rules", "export", "--include-secrets", **secret_env())
        assert full.returncode == 0 and "warning" in full.stderr, full.stderr
        assert {RULE_SECRET, HOOK_TOKEN, DEAD_TOKEN} <= set(leaks(full.stdout))  # asked for: all of them
        for command, result in outputs.items():
            assert result.returncode == 0, f"{command}: {result.stderr}"
            assert leaks(result.stdout + result.stderr) == [], f"`wirewatch {command}` shows a secret"
        assert "secretive" in outputs["rules list --json"].stdout
    finally:
        codes = workers.stop()
        await receiver.stop()
        await refusing.stop()
    assert all(code == 0 for code in codes.values()), codes
    for name in WORKERS:
        log = (tmp_path / "logs" / f"{name}.log").read_text(errors="replace")
        assert log.strip(), f"{name} wrote no log at all (the check would prove nothing)"
        assert leaks(log) == [], f"the {name} log contains a secret"


async def _failed_alerts(settings: CommonSettings) -> list[dict[str, object]]:
    es = make_es(settings)
    try:
        found = await es.options(ignore_status=404).search(
            index=settings.index_name("alerts"), query={"term": {"status": "failed"}}, size=100
        )
        return [hit["_source"] for hit in found.body.get("hits", {}).get("hits", [])]
    finally:
        await es.close()


async def _raw_rules(settings: CommonSettings) -> list[dict[str, object]]:
    es = make_es(settings)
    try:
        found = await es.search(index=settings.index_name("rules"), query={"match_all": {}}, size=100)
        return [hit["_source"] for hit in found.body["hits"]["hits"]]
    finally:
        await es.close()


def minimal_env(**values: str) -> dict[str, str]:
    """The process environment with no ``WIREWATCH_*`` but ``values``: a deployment that sets only what
    differs from the defaults (pydantic then shows the start and the end of exactly these settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    return env | values


@pytest.mark.parametrize(
    "bad",
    [
        {
            "WIREWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "WIREWATCH_KAFKA_SASL_USERNAME": "",
        },  # model check
        {"WIREWATCH_POLL_INTERVAL": "-1"},  # a field check
        {"WIREWATCH_ES_URL": "ftp://localhost:9200"},
    ],
    ids=["sasl-without-user", "negative-interval", "es-url-not-http"],
)
async def test_a_refused_setting_does_not_print_the_secrets(bad: dict[str, str]) -> None:
    """Pydantic puts the offending input in its message; for a model-level check that input is every
    setting, passwords included. A worker that refuses to start, or a command, must not print them."""
    credentials = {k: v for k, v in secret_env().items() if k != "WIREWATCH_LOG_LEVEL"}
    env = minimal_env(**(credentials | bad))
    for args in (["worker", "parser"], ["status"]):
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "wirewatch", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode != 0, f"{args}: the bad setting was accepted"
        assert "WIREWATCH" in result.stderr or "validation error" in result.stderr  # it did say why
        assert leaks(result.stdout + result.stderr) == [], (
            f"`wirewatch {' '.join(args)}` refusing {sorted(bad)} shows a secret:\n{result.stderr[-1500:]}"
        )
