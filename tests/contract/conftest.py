"""Fixtures shared by the contract tests."""

from __future__ import annotations

import pytest

from tests.contract.test_compose import compose_command
from tests.support.tools import require_tool


@pytest.fixture(scope="module")
def compose() -> list[str]:
    """The compose implementation's command; without one a developer machine skips, CI fails (a skipped contract
    test would hide a broken install)."""
    missing = "no compose implementation: apt-get install -y docker-compose (or the docker compose plugin)"
    return require_tool(compose_command(), missing)
