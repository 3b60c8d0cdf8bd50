"""``wirewatch stack status`` on the shared test stack (never stopped here): both services are found through
their pid files and /proc, Kafka's port answers and Elasticsearch reports its health."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from wirewatch.core.settings import CommonSettings

pytestmark = pytest.mark.integration


def test_stack_status_reports_both_services_up(stack_settings: CommonSettings) -> None:
    env = os.environ | stack_settings.location_env()
    result = subprocess.run(
        [sys.executable, "-m", "wirewatch", "stack", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    port = stack_settings.kafka_bootstrap.split(",")[0].rpartition(":")[2]
    assert " running " in lines["kafka"] and f":{port} " in lines["kafka"]
    assert " running " in lines["elasticsearch"]
    assert any(f"health={h}" in lines["elasticsearch"] for h in ("green", "yellow")), lines["elasticsearch"]
    assert f"state={stack_settings.state_dir}" in lines["files"]
