"""``wirewatch dlq --error-class``: the help lists the labels of the error tree, and a class name such as
``NotHtml`` (which no dead letter carries) is refused with the label it stands for."""

from __future__ import annotations

import re

from click.testing import CliRunner

from wirewatch.cli import cli
from wirewatch.core.errors import error_classes
from wirewatch.ops.deadletters import dead_letter_labels


def _help(*command: str) -> str:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_the_labels_are_the_tree_s_pipeline_labels() -> None:
    labels = dead_letter_labels()
    assert {"schema_error", "message_too_large", "not_html", "parse_timeout", "robots", "http_status"} <= set(labels)
    assert {"document_rejected", "delivery_failed", "extraction_failed"} <= set(labels)
    assert "query_error" not in labels  # a CLI error, never on a dead letter


def test_every_dlq_command_lists_the_real_labels_and_no_class_names() -> None:
    class_names = {cls.__name__ for cls in error_classes()}
    for command in ("list", "show", "replay"):
        text = _help("dlq", command)
        listed = text.split("--error-class LABEL", 1)[1]
        assert all(re.search(rf"\b{label}\b", listed) for label in dead_letter_labels()), command
        assert sorted(name for name in class_names if re.search(rf"\b{name}\b", text)) == [], command


def test_a_class_name_is_refused_with_its_label() -> None:
    result = CliRunner().invoke(cli, ["dlq", "list", "--error-class", "NotHtml"])
    assert result.exit_code == 2
    assert "did you mean 'not_html'" in result.output
