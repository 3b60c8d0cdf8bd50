"""The stack's pure parts are tested against their defaults: `make test` exports the test stack's
WIREWATCH_* variables (ports 19092/19200, its own state dir), which must not leak into these tests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _no_stack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("WIREWATCH_") or name in {"KAFKA_JAVA_HOME", "ES_JAVA_HOME", "JAVA_HOME", "ES_JAVA_OPTS"}:
            monkeypatch.delenv(name)
