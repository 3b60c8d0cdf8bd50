"""The workspace left running beside the local stack (what ``make demo`` does): a detached ``wirewatch serve``
whose pid is recorded in the state dir, stopped by ``wirewatch stack down`` with Kafka and Elasticsearch.

The pid file holds the pid and the process's start time (``/proc/<pid>/stat``): a pid is only trusted if that
process still runs ``wirewatch serve`` and started at that moment, so a stale file after a reboot never names
an unrelated process that ``down`` would kill.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from wirewatch.ops.stack.processes import PROC, pid_matches, stop

PID_FILE = "workspace.pid"
LOG_FILE = "workspace.log"
NEEDLE = "-m wirewatch serve "


def pid_file(state: Path) -> Path:
    return state / PID_FILE


def started_at(pid: int, proc: Path = PROC) -> str | None:
    """The start time of ``pid`` in clock ticks since boot (field 22 of its stat line), or None if it is gone."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # the command name, in parentheses, may hold spaces
    return fields[19] if len(fields) > 19 else None


def running(state: Path, proc: Path = PROC) -> int | None:
    """The recorded workspace's pid if that very process still runs ``wirewatch serve``, else None."""
    try:
        pid_text, _, when = pid_file(state).read_text().strip().partition(" ")
    except OSError:
        return None
    if not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if not pid_matches(pid, (NEEDLE,), proc) or started_at(pid, proc) != when:
        return None
    return pid


def start(state: Path, env: Mapping[str, str], argv: list[str] | None = None) -> int:
    """Start ``wirewatch serve`` in a session of its own (it outlives its caller and a Ctrl-C to it), its output
    in ``<state>/logs/workspace.log``; records and returns its pid."""
    logs = state / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    command = argv or [sys.executable, "-m", "wirewatch", "serve"]
    with (logs / LOG_FILE).open("ab") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own CLI
            command,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file(state).write_text(f"{process.pid} {started_at(process.pid) or ''}\n")
    return process.pid


def stop_recorded(state: Path, timeout: float) -> bool:
    """Stop the recorded workspace (SIGTERM, SIGKILL after ``timeout``) and forget it; False if none ran."""
    pid = running(state)
    pid_file(state).unlink(missing_ok=True)
    if pid is None:
        return False
    stop({"workspace": pid}, timeout)
    return True


def log_path(state: Path) -> Path:
    return state / "logs" / LOG_FILE
