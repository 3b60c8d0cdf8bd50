"""Lazy facades: a service's ``__init__`` names what it exposes without importing it.

A facade declares ``{submodule: names}`` and sets ``__getattr__ = lazy_exports(__name__, where)``. Importing
the package then costs nothing; ``from wirewatch.services.parser import parse_page`` imports only
``wirewatch.services.parser.pipeline`` (and what it needs), on first use. So ``wirewatch --help`` never loads
spaCy, and the settings table never builds a faust app. The facade also imports the same names under
``TYPE_CHECKING`` and lists them in ``__all__``, for mypy and readers; ``tests/contract/test_layers.py``
checks the three agree.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(package: str, where: Mapping[str, Sequence[str]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``package.<submodule>`` when one of its names is
    first asked for, and keeps the value on the package so the next lookup is a plain attribute."""
    module_of = {name: module for module, names in where.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
