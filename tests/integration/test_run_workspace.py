"""``wirewatch run`` with the workspace, as real processes on the test stack: the workspace it starts beside a
worker answers ``/healthz`` on the port of the settings, and SIGTERM stops both (issue 17, ops part)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from wirewatch.core.settings import CommonSettings

pytestmark = [pytest.mark.integration]
START_DEADLINE_S = 120.0  # a generous ceiling: two interpreters importing faust and fastapi on a loaded machine
STOP_DEADLINE_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def test_run_starts_the_workspace_and_sigterm_stops_it_with_the_workers(
    initialised: CommonSettings, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "run.log"
    env = os.environ | {
        "WIREWATCH_TOPIC_PREFIX": initialised.topic_prefix,
        "WIREWATCH_INDEX_PREFIX": initialised.index_prefix,
        "WIREWATCH_STATE_DIR": str(tmp_path / "state"),
        "WIREWATCH_SERVE_PORT": str(port),
        "WIREWATCH_METRICS_PORT": str(free_port()),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wirewatch", "run", "--only", "parser"], env=env, stdout=out, stderr=out
        )
    healthz = f"http://127.0.0.1:{port}/healthz"
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        while not answers(healthz):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"no /healthz within {START_DEADLINE_S:.0f}s:\n{log.read_text()}"
            time.sleep(0.5)
        output = log.read_text()
        assert f"workspace on http://127.0.0.1:{port}/" in output
        found = re.search(r"workspace on \S+ \(pid (\d+);", output)
        assert found, output
        serve_pid = int(found.group(1))
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=STOP_DEADLINE_S)
    assert code == 0, log.read_text()
    assert not answers(healthz)
    assert not Path(f"/proc/{serve_pid}").exists(), "the workspace outlived wirewatch run"
