"""Pid files are trusted only when /proc agrees; ports; log tails; the state dir's lock."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from wirewatch.ops.stack.processes import (
    StackError,
    ensure_port_free,
    find_pid,
    locked,
    log_tail,
    pid_matches,
    port_open,
)


def fake_proc(root: Path, processes: dict[int, list[str]]) -> Path:
    for pid, argv in processes.items():
        (root / str(pid)).mkdir(parents=True)
        (root / str(pid) / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    return root


BROKER = ["java", "-Xmx512m", "-cp", "/c/libs/*", "kafka.Kafka", "/s/kafka/server.properties"]
NEEDLE = ("kafka.Kafka /s/kafka/server.properties ",)


def test_a_pid_file_naming_the_broker_is_trusted(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path / "proc", {100: BROKER, 200: ["bash"]})
    pidfile = tmp_path / "kafka.pid"
    pidfile.write_text("100\n")
    assert find_pid(pidfile, NEEDLE, proc) == 100


def test_a_stale_pid_file_is_not_trusted_but_the_broker_is_still_found(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path / "proc", {100: ["vim", "notes"], 300: BROKER})
    pidfile = tmp_path / "kafka.pid"
    pidfile.write_text("100\n")
    assert find_pid(pidfile, NEEDLE, proc) == 300


def test_another_state_dirs_broker_is_not_ours(tmp_path: Path) -> None:
    other = [*BROKER[:-1], "/s/kafka/server.properties.bak"]
    proc = fake_proc(tmp_path / "proc", {100: other, 101: [*BROKER[:-1], "/other/kafka/server.properties"]})
    assert find_pid(tmp_path / "missing.pid", NEEDLE, proc) is None
    assert not pid_matches(100, NEEDLE, proc)


def test_every_needle_must_match(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path / "proc", {7: ["java", "-Djava.io.tmpdir=/s/es/tmp", "Launcher"]})
    assert not pid_matches(7, ("-Djava.io.tmpdir=/s/es/tmp ", "org.elasticsearch.bootstrap.Elasticsearch"), proc)
    assert pid_matches(7, ("-Djava.io.tmpdir=/s/es/tmp ",), proc)


def test_port_checks() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert port_open("127.0.0.1", port)
        with pytest.raises(StackError, match=f"127.0.0.1:{port} is already in use"):
            ensure_port_free("kafka", "127.0.0.1", port)
    assert not port_open("127.0.0.1", port, timeout=0.5)
    ensure_port_free("kafka", "127.0.0.1", port)


def test_log_tail_clips_long_lines_and_skips_missing_files(tmp_path: Path) -> None:
    log = tmp_path / "es.log"
    log.write_text("\n".join(f"line {i}" for i in range(100)) + "\n" + "x" * 5000 + "\n")
    tail = log_tail(log, tmp_path / "missing.log", lines=3, width=50)
    assert f"last 3 lines of {log}" in tail and "line 98" in tail and "line 96" not in tail
    assert "x" * 50 in tail and "x" * 51 not in tail and "missing" not in tail


def test_the_lock_serialises_two_holders(tmp_path: Path) -> None:
    order: list[str] = []
    with locked(tmp_path / ".stack.lock"):

        def second() -> None:
            with locked(tmp_path / ".stack.lock"):
                order.append("second")

        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        order.append("first")
    thread.join(5)
    assert order == ["first", "second"]


def test_a_lock_held_too_long_is_an_error(tmp_path: Path) -> None:
    lock = tmp_path / ".stack.lock"
    with locked(lock), pytest.raises(StackError, match="still busy"), locked(lock, timeout=0.3):
        pass
