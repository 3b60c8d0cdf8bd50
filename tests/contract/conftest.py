"""Fixtures shared by the contract tests."""

from __future__ import annotations

import os

import pytest

from tests.contract.test_compose import compose_command


@pytest.fixture(scope="module")
def compose() -> list[str]:
    """The compose implementation's command; without one a developer machine skips, CI fails (a skipped contract
    test would hide a broken install)."""
    command = compose_command()
    if command is None:
        message = "no compose implementation: apt-get install -y docker-compose (or the docker compose plugin)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return command
