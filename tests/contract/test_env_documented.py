"""Every environment variable a Settings class reads is accounted for on Kubernetes.

Each one is set (in the base's ConfigMap source ``config.env`` or on a container of the base), or a secret listed in
``secrets.env.example``, or listed commented out with its default in one of those two files, the documented list
of optional settings. A setting added to the code and to neither file fails here, naming the file to add it to.
The Settings classes are found by reading every module of the package, not from a list kept by hand.
"""

from __future__ import annotations

import ast
import importlib
import re
import typing
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import AliasChoices, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from wirewatch.core.settings import CommonSettings

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "kubernetes" / "base"
CONFIG_ENV = BASE / "config.env"
SECRETS_EXAMPLE = BASE / "secrets.env.example"
SET_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")
OPTIONAL_LINE = re.compile(r"^#\s*([A-Za-z_][A-Za-z0-9_]*)=")


def env_names(name: str, field: FieldInfo) -> set[str]:
    """The variables one field reads: ``WIREWATCH_<NAME>``, or every name of its alias."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return {choice for choice in alias.choices if isinstance(choice, str)}
    if isinstance(alias, str):
        return {alias}
    return {f"WIREWATCH_{name.upper()}"}


def is_secret(field: FieldInfo) -> bool:
    annotation = field.annotation
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


def settings_modules() -> list[str]:
    """Modules of the package defining a class whose base is named ``…Settings``."""
    found = []
    for folder in ("wirewatch", "services", "schemas"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.is_symlink() or "__pycache__" in path.parts:
                continue
            relative = path.relative_to(ROOT).with_suffix("")
            if folder == "wirewatch" and relative.parts[1] in ("services", "schemas"):
                continue  # the symbolic links: read once, through their real folders
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(_settings_class(node) for node in ast.walk(tree)):
                parts = relative.parts if folder == "wirewatch" else ("wirewatch", *relative.parts)
                found.append(".".join(parts).removesuffix(".__init__"))
    return found


def _settings_class(node: ast.AST) -> bool:
    if not isinstance(node, ast.ClassDef):
        return False
    names = [base.id if isinstance(base, ast.Name) else getattr(base, "attr", "") for base in node.bases]
    return any(name.endswith("Settings") for name in names)


def settings_classes() -> list[type[BaseSettings]]:
    classes = []
    for module_name in settings_modules():
        module = importlib.import_module(module_name)
        classes += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, BaseSettings) and value.__module__ == module.__name__
        ]
    return classes


def read_variables(classes: Iterable[type[BaseSettings]]) -> tuple[set[str], set[str]]:
    """(every variable the classes read, those holding a secret)."""
    every: set[str] = set()
    secret: set[str] = set()
    for cls in classes:
        for name, field in cls.model_fields.items():
            every |= env_names(name, field)
            if is_secret(field):
                secret |= env_names(name, field)
    return every, secret


def env_file(path: Path) -> tuple[set[str], set[str]]:
    """(names set, names listed commented out) in a KEY=VALUE file."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    set_names = {m.group(1) for line in lines if (m := SET_LINE.match(line))}
    optional = {m.group(1) for line in lines if (m := OPTIONAL_LINE.match(line))}
    return set_names, optional


def container_variables(folder: Path = BASE) -> set[str]:
    """Variables set by name on any container (init containers too) of the base's manifests."""
    names: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            pod = (doc or {}).get("spec", {}).get("template", {}).get("spec", {})
            for container in pod.get("containers", []) + pod.get("initContainers", []):
                names |= {entry["name"] for entry in container.get("env", [])}
    return names


def accounted_for() -> set[str]:
    config_set, config_optional = env_file(CONFIG_ENV)
    secrets_set, secrets_optional = env_file(SECRETS_EXAMPLE)
    return config_set | config_optional | secrets_set | secrets_optional | container_variables()


def unaccounted(classes: Iterable[type[BaseSettings]]) -> list[str]:
    every, _secret = read_variables(classes)
    return sorted(every - accounted_for())


# --- tests ---------------------------------------------------------------------------------------------------


def test_the_settings_classes_are_found_by_reading_the_package() -> None:
    from tests.contract.test_readme import SETTINGS  # the classes the README's settings table documents

    found = set(settings_classes())
    listed = {CommonSettings, *SETTINGS}
    assert listed <= found, f"not found by reading the package: {listed - found}"


def test_every_variable_a_settings_class_reads_is_set_or_documented_as_optional() -> None:
    missing = unaccounted(settings_classes())
    assert not missing, (
        f"read by a Settings class but neither set nor documented for Kubernetes: {missing}. Add each to "
        f"{CONFIG_ENV.relative_to(ROOT)} (set, or commented out as `# NAME=default` under its worker), or a secret "
        f"to {SECRETS_EXAMPLE.relative_to(ROOT)}"
    )


def test_a_new_setting_in_neither_list_is_reported() -> None:
    class WithANewSetting(CommonSettings):
        brand_new_knob: int = Field(default=1, description="a setting nobody documented")

    assert unaccounted([WithANewSetting]) == ["WIREWATCH_BRAND_NEW_KNOB"]
    assert unaccounted([CommonSettings]) == []


def test_every_documented_variable_is_a_setting() -> None:
    every, _secret = read_variables(settings_classes())
    stale = sorted(accounted_for() - every)
    assert not stale, f"documented for Kubernetes but read by no Settings class (renamed or removed?): {stale}"


def test_secrets_are_listed_only_in_the_secret_file() -> None:
    _every, secret = read_variables(settings_classes())
    assert {"WIREWATCH_ES_PASSWORD", "WIREWATCH_SECRET_KEY", "WIREWATCH_SERVE_TOKEN"} <= secret
    config_set, config_optional = env_file(CONFIG_ENV)
    assert not secret & (config_set | config_optional), "a secret setting is listed in the ConfigMap's config.env"
    secrets_set, secrets_optional = env_file(SECRETS_EXAMPLE)
    assert secret <= secrets_set | secrets_optional, f"secrets missing from the example: {secret - secrets_set}"
    assert secrets_set | secrets_optional <= secret, "secrets.env.example lists a variable that holds no secret"


def test_the_secret_example_holds_no_value() -> None:
    for line in SECRETS_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := SET_LINE.match(line.strip()):
            assert line.strip() == f"{match.group(1)}=", f"secrets.env.example must leave {match.group(1)} empty"
