"""Shared fixtures. Integration and e2e tests use the real Kafka and Elasticsearch that `make test`
starts (ports from WIREWATCH_KAFKA_BOOTSTRAP / WIREWATCH_ES_URL); each test gets its own topic and index
prefix so tests never see each other's data."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from wirewatch.core.secretbox import generate_key
from wirewatch.core.settings import CommonSettings

# One key seals the secrets tests store (rule secrets, webhook URLs, WebSub secrets), in this process and in
# every worker and command it starts (they inherit the environment), whatever state directory they use.
os.environ.setdefault("WIREWATCH_SECRET_KEY", generate_key())


def _reachable(host_port: str) -> bool:
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host or "localhost", int(port)), timeout=2):
            return True
    except OSError:
        return False


def _must_have_services() -> bool:
    """In CI, or when `make test` started the stack, a missing service is a failure, never a skip."""
    return bool(os.environ.get("CI")) or bool(os.environ.get("WIREWATCH_STACK_STARTED"))


@pytest.fixture(scope="session")
def stack_settings() -> CommonSettings:
    settings = CommonSettings()
    es_host_port = settings.es_url.split("://", 1)[1].split("/", 1)[0]
    missing = [
        name
        for name, hp in (("Kafka", settings.kafka_bootstrap.split(",")[0]), ("Elasticsearch", es_host_port))
        if not _reachable(hp)
    ]
    if missing:
        message = f"{' and '.join(missing)} unreachable ({settings.kafka_bootstrap}, {settings.es_url})"
        if _must_have_services():
            pytest.fail(message + ": the stack should have been started by `make test`", pytrace=False)
        pytest.skip(message + "; run `make up` (or `make test`) to run integration tests")
    return settings


@pytest.fixture
def namespace(stack_settings: CommonSettings) -> Iterator[CommonSettings]:
    """Settings with a unique topic and index prefix for one test."""
    tag = uuid.uuid4().hex[:8]
    yield stack_settings.model_copy(update={"topic_prefix": f"t{tag}.", "index_prefix": f"t{tag}"})


@pytest.fixture
async def initialised(namespace: CommonSettings) -> AsyncIterator[CommonSettings]:
    """A namespace whose topics exist and whose index templates and first indices are in place."""
    from wirewatch.ops.stack import init

    await init(namespace)
    yield namespace
    await _cleanup(namespace)


async def _cleanup(settings: CommonSettings) -> None:
    """Drop the test's indices, templates and topics so the shared stack does not fill up."""
    from wirewatch.ops.stack import drop_namespace

    await drop_namespace(settings)
