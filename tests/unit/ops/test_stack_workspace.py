"""The workspace left running beside the stack (``make demo``): its pid is trusted only while that very process
runs ``wirewatch serve`` (command line and start time), and ``stack down`` stops it with Kafka and Elasticsearch."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from wirewatch.ops.stack import control, workspace
from wirewatch.ops.stack.settings import StackSettings

SERVE = ["/venv/bin/python", "-m", "wirewatch", "serve"]
#: a stand-in for `wirewatch serve`: sleeps, with the arguments ``running`` looks for on its command line
STAND_IN = [sys.executable, "-c", "import time; time.sleep(120)", "-m", "wirewatch", "serve"]


def fake_proc(root: Path, pid: int, argv: list[str], start: str, comm: str = "python3") -> Path:
    (root / str(pid)).mkdir(parents=True)
    (root / str(pid) / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    rest = " ".join(["S", "1", *["0"] * 17, start, "0"])  # starttime is field 22
    (root / str(pid) / "stat").write_text(f"{pid} ({comm}) {rest}\n")
    return root


def test_the_start_time_is_read_past_a_command_name_with_spaces(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path / "proc", 42, SERVE, "98765", comm="odd ) name")
    assert workspace.started_at(42, proc) == "98765"
    assert workspace.started_at(43, proc) is None


def test_the_recorded_pid_is_trusted_only_while_it_runs_serve_since_then(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    proc = fake_proc(tmp_path / "proc", 42, SERVE, "500")
    fake_proc(proc, 43, ["/usr/bin/vim"], "600")
    assert workspace.running(state, proc) is None  # nothing recorded
    workspace.pid_file(state).write_text("42 500\n")
    assert workspace.running(state, proc) == 42
    workspace.pid_file(state).write_text("42 499\n")  # the pid was reused after a reboot
    assert workspace.running(state, proc) is None
    workspace.pid_file(state).write_text("43 600\n")  # not a workspace
    assert workspace.running(state, proc) is None
    workspace.pid_file(state).write_text("junk\n")
    assert workspace.running(state, proc) is None


def _reap(pid: int) -> threading.Thread:
    """The stand-in is this test's child: reap it when it ends, as init reaps the demo's detached workspace."""
    thread = threading.Thread(target=os.waitpid, args=(pid, 0), daemon=True)
    thread.start()
    return thread


def test_a_detached_workspace_is_recorded_and_stack_down_stops_it(tmp_path: Path) -> None:
    state = tmp_path / "state"
    pid = workspace.start(state, os.environ, STAND_IN)
    reaper = _reap(pid)
    try:
        assert workspace.running(state) == pid
        assert os.getsid(pid) == pid, "not detached: a Ctrl-C to its starter would reach it"
        control.down(StackSettings(state_dir=state, stop_timeout=10))
        reaper.join(timeout=30)
        assert not reaper.is_alive(), "stack down left the workspace running"
        assert not workspace.pid_file(state).exists()
    finally:
        if reaper.is_alive():
            os.kill(pid, 9)


def test_stack_down_never_stops_a_stranger_named_by_a_stale_pid_file(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    workspace.pid_file(state).write_text(f"{os.getpid()} {workspace.started_at(os.getpid())}\n")  # pytest itself
    assert workspace.stop_recorded(state, timeout=1) is False
    assert not workspace.pid_file(state).exists()
