"""Print the README's settings table from the Settings classes: ``python -m wirewatch.ops.settings_table``."""

from __future__ import annotations

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from wirewatch.core.settings import REPO_ROOT, CommonSettings


def rows() -> list[str]:
    from wirewatch.ops.stack.settings import StackSettings
    from wirewatch.services.alerter import AlerterSettings
    from wirewatch.services.extractor import ExtractorSettings
    from wirewatch.services.fetcher import FetcherSettings
    from wirewatch.services.indexer import IndexerSettings
    from wirewatch.services.parser import ParserSettings
    from wirewatch.workspace.settings import WorkspaceSettings  # documentation only: ops never runs the workspace

    classes: list[tuple[type[BaseSettings], str]] = [
        (CommonSettings, "all"),
        (FetcherSettings, "fetcher"),
        (ParserSettings, "parser"),
        (ExtractorSettings, "extractor"),
        (IndexerSettings, "indexer"),
        (AlerterSettings, "alerter"),
        (StackSettings, "`wirewatch stack`"),
        (WorkspaceSettings, "`wirewatch serve`"),
    ]
    seen: set[str] = set()
    lines = ["| variable | used by | default | meaning |", "|---|---|---|---|"]
    for cls, who in classes:
        for name, field in cls.model_fields.items():
            if name in seen:
                continue
            seen.add(name)
            default = field.default
            shown = "unset" if default is None else f"`{str(default).replace(str(REPO_ROOT), '<checkout>')}`"
            lines.append(f"| `{env_name(name, field)}` | {who} | {shown} | {field.description} |")
    return lines


def env_name(name: str, field: FieldInfo) -> str:
    """``WIREWATCH_<NAME>``, or the conventional name a field reads instead (``ES_JAVA_HOME``)."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return alias if isinstance(alias, str) else f"WIREWATCH_{name.upper()}"


if __name__ == "__main__":
    print("\n".join(rows()))
