"""tests/support/tools.py: a missing tool skips on a developer machine and fails in CI."""

from __future__ import annotations

import pytest

from tests.support.tools import require_tool


def test_a_found_tool_is_returned_as_is() -> None:
    assert require_tool(["kubectl", "kustomize"], "no kustomize") == ["kubectl", "kustomize"]


def test_a_missing_tool_skips_on_a_developer_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no kustomize"):
        require_tool(None, "no kustomize")


def test_a_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="no kustomize"):
        require_tool(None, "no kustomize")
