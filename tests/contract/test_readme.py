"""The README stays true: every setting is documented, and the quick start names the two commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from wirewatch.ops.settings_table import env_name
from wirewatch.ops.stack.settings import StackSettings
from wirewatch.services.alerter.settings import AlerterSettings
from wirewatch.services.extractor.settings import ExtractorSettings
from wirewatch.services.fetcher.settings import FetcherSettings
from wirewatch.services.indexer.settings import IndexerSettings
from wirewatch.services.parser.settings import ParserSettings
from wirewatch.workspace.settings import WorkspaceSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
SETTINGS: list[type[BaseSettings]] = [
    FetcherSettings,
    ParserSettings,
    ExtractorSettings,
    IndexerSettings,
    AlerterSettings,
    StackSettings,
    WorkspaceSettings,
]


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_every_setting_is_in_the_readme_table(cls: type[BaseSettings]) -> None:
    names = [env_name(name, field) for name, field in cls.model_fields.items()]
    missing = [name for name in names if f"`{name}`" not in README]
    assert not missing, f"undocumented settings: {missing}"


def test_quick_start_is_the_first_section_with_both_commands() -> None:
    first_section = README.split("\n## ", 2)[1]
    assert first_section.startswith("Quick start")
    assert "make demo" in first_section and "make test" in first_section
