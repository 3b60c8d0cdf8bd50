"""The import layers point one way: schemas ← core ← services ← ops / cli / workspace (read with ``ast``).

- ``wirewatch.schemas`` imports the standard library, pydantic and itself only;
- ``wirewatch.core`` imports no service, no ops, no cli;
- a service imports no other service, no ops, no cli;
- nothing below the workspace (``wirewatch.workspace``, the web app of ``wirewatch serve``) imports it, and of the
  cli only ``wirewatch.cli.serve`` does (and ``wirewatch.ops.settings_table``, which documents its settings);
- ops, cli and the workspace import a service only through its facade, ``wirewatch.services.<name>`` (or its
  ``app`` module, which is what ``wirewatch worker NAME`` runs);
- nobody imports the bare source folders ``schemas`` / ``services``; ``wirewatch`` imports neither ``bench``
  nor ``demo`` nor ``tests``, and ``bench`` does not import ``tests``.

Every import counts: at module level, inside functions, under ``TYPE_CHECKING``, relative ones, and
``importlib.import_module("...")`` with a literal name. ``from package import name`` where ``name`` is a module
of the package counts as importing that module. The facades themselves are checked too: what they name in
``__all__``, import for type checkers and load lazily must be the same names, each defined where it is looked
for, and importing every facade must not load a heavy library.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.imports import HEAVY, loaded_after

ROOT = Path(__file__).resolve().parents[2]
#: where each part of the ``wirewatch`` namespace has its source (``wirewatch/schemas`` and
#: ``wirewatch/services`` are symbolic links to the two top-level folders, which are walked directly)
PACKAGES = {
    "wirewatch": ROOT / "wirewatch",
    "wirewatch.schemas": ROOT / "schemas",
    "wirewatch.services": ROOT / "services",
}
RUN_FROM_CHECKOUT = {"bench": ROOT / "bench", "demo": ROOT / "demo", "tests": ROOT / "tests"}
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").is_file())


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    path: Path
    line: int
    target: str  # the imported module, absolute

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line} ({self.module}) imports {self.target}"


def _python_files(folder: Path) -> Iterator[Path]:
    """Every .py below ``folder``, not following symbolic links (so ``wirewatch/schemas`` is not walked twice)."""
    for directory, subdirectories, files in os.walk(folder):
        subdirectories[:] = sorted(d for d in subdirectories if d not in ("__pycache__", ".venv", "node_modules"))
        yield from (Path(directory) / name for name in sorted(files) if name.endswith(".py"))


def _module_name(package: str, folder: Path, path: Path) -> str:
    parts = [package, *path.relative_to(folder).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(packages: dict[str, Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package, folder in packages.items():
        for path in _python_files(folder):
            found[_module_name(package, folder, path)] = path
    return found


WIREWATCH = _modules(PACKAGES)
OUTSIDE = _modules(RUN_FROM_CHECKOUT)
KNOWN = set(WIREWATCH) | set(OUTSIDE)


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _targets(module: str, path: Path, node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = _absolute(module, path, node)
        yield base
        yield from (f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in KNOWN)
    elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield first.value


def _is_import_module(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id == "import_module"
    )


def imports_of(modules: dict[str, Path]) -> list[Import]:
    found = []
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            found += [Import(module, path, getattr(node, "lineno", 0), t) for t in _targets(module, path, node)]
    return found


ALL_IMPORTS = imports_of(WIREWATCH)
OUTSIDE_IMPORTS = imports_of(OUTSIDE)


def layer(module: str) -> str:
    """``schemas``, ``core``, ``service:<name>``, ``ops``, ``cli``, ``workspace`` (the package root and ``__main__``
    are cli)."""
    parts = module.split(".")
    if parts[:2] == ["wirewatch", "services"]:
        return f"service:{parts[2]}" if len(parts) > 2 else "services"
    if len(parts) > 1 and parts[1] in ("schemas", "core", "ops", "cli", "workspace"):
        return parts[1]
    return "cli"


def _within(target: str, package: str) -> bool:
    return target == package or target.startswith(package + ".")


def test_the_walk_sees_every_layer() -> None:
    layers = {layer(m) for m in WIREWATCH}
    assert {"schemas", "core", "ops", "cli"} <= layers
    assert {f"service:{name}" for name in SERVICES} <= layers
    assert len(SERVICES) == 5 and len(ALL_IMPORTS) > 500


def test_the_rules_catch_what_they_forbid() -> None:
    """The classification and the target expansion the rules rely on (a broken walk must not pass quietly)."""
    assert layer("wirewatch.services.parser.pipeline") == "service:parser"
    assert layer("wirewatch.cli.feeds") == "cli" and layer("wirewatch") == "cli"
    assert layer("wirewatch.workspace.api") == "workspace"
    tree = ast.parse("from wirewatch.services.parser import pipeline, parse_page\nfrom . import handler\n")
    here = ROOT / "services" / "extractor" / "app.py"
    found = [t for node in ast.walk(tree) for t in _targets("wirewatch.services.extractor.app", here, node)]
    assert sorted(found) == [
        "wirewatch.services.extractor",
        "wirewatch.services.extractor.handler",
        "wirewatch.services.parser",
        "wirewatch.services.parser.pipeline",
    ]


def test_schemas_import_only_the_standard_library_pydantic_and_themselves() -> None:
    allowed = set(sys.stdlib_module_names) | {"pydantic", "pydantic_core"}
    bad = [
        str(i)
        for i in ALL_IMPORTS
        if layer(i.module) == "schemas"
        and not _within(i.target, "wirewatch.schemas")
        and i.target.split(".")[0] not in allowed
    ]
    assert bad == []


def test_core_imports_no_service_ops_or_cli() -> None:
    upper = ("wirewatch.services", "wirewatch.ops", "wirewatch.cli")
    bad = [str(i) for i in ALL_IMPORTS if layer(i.module) == "core" and any(_within(i.target, u) for u in upper)]
    assert bad == []


def test_services_import_no_other_service_and_no_ops_or_cli() -> None:
    bad = []
    for i in ALL_IMPORTS:
        if not layer(i.module).startswith("service:"):
            continue
        own = "wirewatch.services." + layer(i.module).split(":")[1]
        other_service = _within(i.target, "wirewatch.services") and not _within(i.target, own)
        if (other_service and i.target != "wirewatch.services") or any(
            _within(i.target, u) for u in ("wirewatch.ops", "wirewatch.cli")
        ):
            bad.append(str(i))
    assert bad == []


def _through_facade(target: str) -> bool:
    parts = target.split(".")
    return len(parts) <= 3 or (len(parts) == 4 and parts[3] == "app")


def test_nothing_below_the_workspace_imports_it() -> None:
    bad = [
        str(i)
        for i in ALL_IMPORTS
        if _within(i.target, "wirewatch.workspace")
        and layer(i.module) != "workspace"
        and i.module not in ("wirewatch.cli.serve", "wirewatch.ops.settings_table")  # the README table documents it
    ]
    assert bad == []


def test_ops_cli_and_workspace_use_services_only_through_their_facades() -> None:
    bad = [
        str(i)
        for i in ALL_IMPORTS
        if layer(i.module) in ("ops", "cli", "workspace")
        and _within(i.target, "wirewatch.services")
        and not _through_facade(i.target)
    ]
    assert bad == []


def test_nobody_imports_the_bare_source_folders() -> None:
    bad = [str(i) for i in ALL_IMPORTS + OUTSIDE_IMPORTS if i.target.split(".")[0] in ("schemas", "services")]
    assert bad == []


def test_wirewatch_imports_nothing_run_from_the_checkout() -> None:
    bad = [str(i) for i in ALL_IMPORTS if i.target.split(".")[0] in RUN_FROM_CHECKOUT]
    assert bad == []


def test_bench_does_not_import_tests() -> None:
    bad = [str(i) for i in OUTSIDE_IMPORTS if i.module.split(".")[0] == "bench" and i.target.split(".")[0] == "tests"]
    assert bad == []


# ---------------------------------------------------------------- the facades


def _facade_parts(service: str) -> tuple[set[str], dict[str, str], dict[str, str]]:
    """``__all__``, the names imported under ``TYPE_CHECKING`` (name → module) and the lazy map (name → module)."""
    tree = ast.parse((ROOT / "services" / service / "__init__.py").read_text(encoding="utf-8"))
    exported: set[str] = set()
    typed: dict[str, str] = {}
    lazy: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for sub in node.body:
                if isinstance(sub, ast.ImportFrom):
                    typed |= {a.name: str(sub.module).rpartition(".")[2] for a in sub.names}
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id == "__all__":
                exported = set(ast.literal_eval(node.value))
            elif node.targets[0].id == "_WHERE":
                lazy = {name: module for module, names in ast.literal_eval(node.value).items() for name in names}
    return exported, typed, lazy


def _defined_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_a_facade_names_each_export_once_and_where_it_lives(service: str) -> None:
    exported, typed, lazy = _facade_parts(service)
    assert exported, f"services/{service}/__init__.py has no __all__"
    assert exported == set(typed) == set(lazy)
    assert typed == lazy
    for name, module in lazy.items():
        assert name in _defined_names(ROOT / "services" / service / f"{module}.py"), f"{service}.{module}.{name}"


def test_importing_every_facade_loads_no_heavy_library_and_no_app() -> None:
    apps = [f"wirewatch.services.{name}.app" for name in SERVICES]
    code = "".join(f"import wirewatch.services.{name}\n" for name in SERVICES)
    assert loaded_after(code, (*HEAVY, *apps)) == []


def test_a_facade_name_loads_its_module_on_first_use() -> None:
    code = (
        "import sys\nimport wirewatch.services.extractor as facade\n"
        "assert 'wirewatch.services.extractor.settings' not in sys.modules\n"
        "settings = facade.ExtractorSettings\n"
        "assert settings.__module__ == 'wirewatch.services.extractor.settings'\n"
        "assert 'spacy' not in sys.modules\n"
        "try:\n    facade.no_such_name\nexcept AttributeError as exc:\n    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "no attribute 'no_such_name'" in done.stdout
