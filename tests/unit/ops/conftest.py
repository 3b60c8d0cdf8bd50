"""The stack's pure parts are tested against their defaults: `make test` exports the test stack's
WIREWATCH_* variables (ports 19092/19200, its own state dir), which must not leak into these tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wirewatch.ops.stack.layout import Layout, Versions

#: the pins a hand-built layout carries (test_stack_layout.py reads the real ones)
VERSIONS = Versions("3.9.1", "2.13", "1.7.36", "9.3.2")


def layout(tmp_path: Path, *, root: bool = False, es_root: Path | None = None) -> Layout:
    """The stack's files under ``tmp_path`` (state, cache, deploy), Elasticsearch's in the state dir unless moved."""
    state = tmp_path / "state"
    return Layout(state, tmp_path / "cache", tmp_path / "deploy", VERSIONS, root, es_root or state / "elasticsearch")


@pytest.fixture(autouse=True)
def _no_stack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("WIREWATCH_") or name in {"KAFKA_JAVA_HOME", "ES_JAVA_HOME", "JAVA_HOME", "ES_JAVA_OPTS"}:
            monkeypatch.delenv(name)
