"""An external tool the tests need (a compose implementation, kustomize): found, or a skip on a developer
machine and a failure in CI, where a skipped contract test would hide a broken install."""

from __future__ import annotations

import os

import pytest


def require_tool(command: list[str] | None, missing: str) -> list[str]:
    """``command`` when the tool was found; otherwise skip with ``missing``, or fail with it when ``CI`` is set."""
    if command is not None:
        return command
    if os.environ.get("CI"):
        pytest.fail(missing, pytrace=False)
    pytest.skip(missing)
