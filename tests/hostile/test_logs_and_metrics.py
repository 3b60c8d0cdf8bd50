"""Finding 14 of the hardening issue: what the workers expose and what their logs let through.

* ``/metrics`` listened on every interface: the setting ``WIREWATCH_METRICS_HOST`` now defaults to loopback
  (compose sets ``0.0.0.0`` for its Prometheus).
* JSON log lines left U+2028/U+2029, C1 controls and bidirectional overrides raw; they are escaped now, and
  the line still decodes to the original text.
"""

from __future__ import annotations

import json
import logging
import socket

import pytest

from wirewatch.core import metrics
from wirewatch.core.logs import JsonFormatter
from wirewatch.core.settings import CommonSettings

HOSTILE_TITLE = 'Reuters\u2028{"level": "error", "message": "forged"}\u2029\u009b31m\u202etxt.exe'


def record(message: str, **extra: object) -> logging.LogRecord:
    entry = logging.LogRecord("wirewatch.test", logging.WARNING, __file__, 1, message, (), None)
    for name, value in extra.items():
        setattr(entry, name, value)
    return entry


def test_json_log_lines_escape_line_separators_c1_controls_and_bidi_overrides() -> None:
    line = JsonFormatter().format(record(f"title {HOSTILE_TITLE}", url=f"https://example.com/{HOSTILE_TITLE}"))

    for raw in ("\u2028", "\u2029", "\u009b", "\u202e"):
        assert raw not in line
    assert len(line.splitlines()) == 1  # str.splitlines breaks at U+2028/2029, as log viewers do
    assert "\\u2028" in line and "\\u202e" in line
    decoded = json.loads(line)
    assert decoded["message"] == f"title {HOSTILE_TITLE}"  # escaped, not lost
    assert decoded["url"].endswith(HOSTILE_TITLE)


def test_plain_text_and_other_scripts_are_left_as_they_are() -> None:
    text = "Mohammed Shia al-Sudani — محمد شياع السوداني, Kurdistan «Region» 東京"
    line = JsonFormatter().format(record(text))
    assert text in line


def test_metrics_listen_on_loopback_unless_told_otherwise() -> None:
    assert CommonSettings().metrics_host == "127.0.0.1"


@pytest.mark.asyncio
async def test_the_metrics_endpoint_binds_only_the_configured_host() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    runner = await metrics.serve(metrics.Health("test"), port, CommonSettings().metrics_host)
    try:
        hosts = {address[0] for address in runner.addresses}
        assert hosts == {"127.0.0.1"}
    finally:
        await runner.cleanup()
