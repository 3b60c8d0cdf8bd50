"""One error tree: every exception class Wirewatch defines derives from ``WirewatchError``, declares one
snake_case label that no other class uses and a bool ``retriable``, and sits in the tree drawn in
``wirewatch/core/errors.py`` under its real parent, with its real label and flag."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass

import aiokafka.errors
import pytest

import wirewatch
from wirewatch.core import errors
from wirewatch.core.errors import WirewatchError, error_class_of, error_classes, is_label, snake_case

#: modules whose import has side effects: a stage's ``app`` builds its faust app and reads its settings,
#: ``__main__`` runs the CLI. Neither defines an error class (checked below).
SKIPPED = {"app", "__main__"}
#: outside the tree on purpose (the core docstring says why)
OUTSIDE = {"wirewatch.ops.stack.prereqs.PrerequisiteError"}


def _import_everything() -> list[type[BaseException]]:
    """Import every module of the package and return the exception classes they define."""
    found: list[type[BaseException]] = []
    for module_info in pkgutil.walk_packages(wirewatch.__path__, "wirewatch."):
        if module_info.name.rsplit(".", 1)[-1] in SKIPPED:
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            is_exception = inspect.isclass(value) and issubclass(value, BaseException)
            if is_exception and value.__module__ == module.__name__ and value not in found:
                found.append(value)
    return found


DEFINED = [cls for cls in _import_everything() if f"{cls.__module__}.{cls.__qualname__}" not in OUTSIDE]
#: the tree's classes that Wirewatch defines (tests may define their own subclasses; they do not count)
TREE = [cls for cls in error_classes() if cls.__module__.startswith("wirewatch.")]


@dataclass(frozen=True)
class Row:
    name: str
    parent: str | None
    label: str
    retriable: str


def _drawn() -> dict[str, Row]:
    """The rows of the tree in the module docstring, with the parent each one is drawn under."""
    rows: dict[str, Row] = {}
    stack: list[str] = []
    for line in (errors.__doc__ or "").splitlines():
        match = re.fullmatch(r" {4}((?:[│ ] {3})*(?:[├└]── )?)(\w+) +(\w+) +(yes|no|varies) .*", line)
        if match is None:
            continue
        prefix, name, label, retriable = match.groups()
        depth = len(prefix) // 4
        del stack[depth:]
        rows[name] = Row(name, stack[-1] if stack else None, label, retriable)
        stack.append(name)
    return rows


DRAWN = _drawn()


def _parent(cls: type[WirewatchError]) -> str | None:
    bases = [base for base in cls.__bases__ if issubclass(base, WirewatchError)]
    return bases[0].__name__ if bases else None


def test_the_walk_finds_the_errors_of_every_layer() -> None:
    modules = {cls.__module__.split(".")[1] for cls in DEFINED}
    assert {"core", "services", "ops"} <= modules  # the CLI raises the errors of core (QueryError)
    assert len(DEFINED) >= 30  # the fetcher alone defines 15


@pytest.mark.parametrize("cls", DEFINED, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_every_error_class_derives_from_wirewatch_error(cls: type[BaseException]) -> None:
    assert issubclass(cls, WirewatchError), f"{cls.__module__}.{cls.__qualname__} is outside the error tree"


def test_labels_are_declared_snake_case_and_unique() -> None:
    labels = [cls.error_class for cls in TREE]
    assert all("error_class" in vars(cls) for cls in TREE)
    assert [label for label in labels if not is_label(label)] == []
    assert sorted(label for label in set(labels) if labels.count(label) > 1) == []


def test_every_class_has_a_bool_retriable_flag() -> None:
    assert [cls.__name__ for cls in TREE if not isinstance(cls.retriable, bool)] == []


def test_the_docstring_draws_exactly_the_classes_of_the_tree() -> None:
    assert sorted(DRAWN) == sorted(cls.__name__ for cls in TREE)


@pytest.mark.parametrize("cls", TREE, ids=lambda cls: cls.__name__)
def test_each_drawn_row_tells_the_truth(cls: type[WirewatchError]) -> None:
    row = DRAWN[cls.__name__]
    assert row.parent == _parent(cls)
    assert row.label == cls.error_class
    # "varies": false on the class, set per instance by the raiser for the cause the row names
    assert cls.retriable is {"yes": True, "no": False, "varies": False}[row.retriable]


def test_parse_timeout_is_documented_as_what_it_is() -> None:
    from wirewatch.services.parser import budget
    from wirewatch.services.parser.errors import ParseTimeout

    assert ParseTimeout.retriable is False and DRAWN["ParseTimeout"].retriable == "no"
    assert "(retriable)" not in (budget.__doc__ or "")


def test_an_undeclared_or_camel_case_label_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="must declare its own snake_case error_class"):

        class Inherits(WirewatchError):  # the parent's label would merge two causes
            pass

    with pytest.raises(TypeError, match="'NotHtml'"):

        class Camel(WirewatchError):
            error_class = "NotHtml"


@pytest.mark.parametrize(
    ("error", "label"),
    [
        (errors.SchemaError("bad"), "schema_error"),
        (errors.MessageTooLarge("pages", 2, 1), "message_too_large"),
        (ValueError("bug"), "value_error"),
        (aiokafka.errors.KafkaTimeoutError(), "kafka_timeout_error"),
        (TimeoutError(), "timeout_error"),
    ],
)
def test_error_class_of_gives_the_tree_label_or_the_snake_case_type_name(error: BaseException, label: str) -> None:
    assert error_class_of(error) == label


@pytest.mark.parametrize(
    ("name", "label"),
    [("MessageTooLarge", "message_too_large"), ("HTTPStatusError", "http_status_error"), ("DNSError", "dns_error")],
)
def test_snake_case(name: str, label: str) -> None:
    assert snake_case(name) == label


def test_context_lives_on_attributes() -> None:
    from wirewatch.services.extractor.errors import ExtractionFailed
    from wirewatch.services.fetcher.errors import HTTPStatusError

    too_large = errors.MessageTooLarge("articles.parsed", 2500, 2000)
    assert (too_large.topic, too_large.size, too_large.limit) == ("articles.parsed", 2500, 2000)
    status = HTTPStatusError("HTTP 503", url="https://example.org/a", status=503, retry_after_s=5.0)
    assert (status.url, status.status, status.retry_after_s, status.retriable) == (
        "https://example.org/a",
        503,
        5.0,
        True,
    )
    assert ExtractionFailed("doc1", "boom").article_id == "doc1"
