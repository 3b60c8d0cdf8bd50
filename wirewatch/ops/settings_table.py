"""Print the README's settings table from the Settings classes: ``python -m wirewatch.ops.settings_table``."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from wirewatch.core.settings import REPO_ROOT, CommonSettings


def rows() -> list[str]:
    from wirewatch.services.alerter.settings import AlerterSettings
    from wirewatch.services.extractor.settings import ExtractorSettings
    from wirewatch.services.fetcher.settings import FetcherSettings
    from wirewatch.services.indexer.settings import IndexerSettings
    from wirewatch.services.parser.settings import ParserSettings

    classes: list[tuple[type[BaseSettings], str]] = [
        (CommonSettings, "all"),
        (FetcherSettings, "fetcher"),
        (ParserSettings, "parser"),
        (ExtractorSettings, "extractor"),
        (IndexerSettings, "indexer"),
        (AlerterSettings, "alerter"),
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
            lines.append(f"| `WIREWATCH_{name.upper()}` | {who} | {shown} | {field.description} |")
    return lines


if __name__ == "__main__":
    print("\n".join(rows()))
