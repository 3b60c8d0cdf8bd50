"""Process bookkeeping of the local stack: pid files checked against /proc, ports, stopping, a lock, output.

A pid is only trusted if its command line names this stack's state dir: after a crash or a reboot a stale
pid file may name an unrelated process, which ``down`` must never kill, and another checkout may run its
own stack beside this one.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from wirewatch.core.errors import WirewatchError

PROC = Path("/proc")


class StackError(WirewatchError, RuntimeError):
    """Kafka or Elasticsearch could not be checked, started, stopped or initialised; the message says why."""

    error_class = "stack_error"


def log(message: str) -> None:
    print(f"[stack] {message}", file=sys.stderr, flush=True)


def elapsed(started: float) -> str:
    """Seconds since a ``time.monotonic()`` reading: one decimal, two below a second (an idempotent ``up``)."""
    seconds = time.monotonic() - started
    return f"{seconds:.1f}s" if seconds >= 1 else f"{seconds:.2f}s"


def cmdline(pid: int, proc: Path = PROC) -> str | None:
    """The arguments of ``pid`` joined by spaces, with a trailing space (so a needle can end an argument)."""
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode(errors="replace") if raw else None


def pid_matches(pid: int, needles: tuple[str, ...], proc: Path = PROC) -> bool:
    line = cmdline(pid, proc)
    return line is not None and all(needle in line for needle in needles)


def read_pid(pidfile: Path) -> int | None:
    try:
        text = pidfile.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def find_pid(pidfile: Path, needles: tuple[str, ...], proc: Path = PROC) -> int | None:
    """The pid in ``pidfile`` if its command line has every needle, else any such process (a lost pid file:
    e.g. Elasticsearch not having written its own yet), else None."""
    pid = read_pid(pidfile)
    if pid is not None and pid_matches(pid, needles, proc):
        return pid
    for entry in proc.iterdir():
        if entry.name.isdigit() and pid_matches(int(entry.name), needles, proc):
            return int(entry.name)
    return None


def alive(pid: int, proc: Path = PROC) -> bool:
    return (proc / str(pid)).exists()


def port_open(host: str, port: int, timeout: float = 2.0) -> bool:
    """True if something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_port_free(what: str, host: str, port: int) -> None:
    """Refuse to start on a port held by someone else: the health checks would talk to the stranger."""
    if port_open(host, port):
        raise StackError(
            f"{what} port {host}:{port} is already in use by another process (pick other ports via "
            "WIREWATCH_KAFKA_BOOTSTRAP / WIREWATCH_ES_URL, or stop that process)"
        )


def stop(pids: dict[str, int], timeout: float) -> None:
    """SIGTERM all (Kafka's controlled shutdown, Elasticsearch's flush) at once; SIGKILL what is left after
    ``timeout`` seconds."""
    for name, pid in pids.items():
        log(f"stopping {name} (pid {pid})")
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.5)
    for name, pid in pids.items():
        if alive(pid):
            log(f"{name} did not stop within {timeout:g}s; sending SIGKILL")
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    while any(alive(pid) for pid in pids.values()):
        time.sleep(0.2)


def log_tail(*files: Path, lines: int = 40, width: int = 400) -> str:
    """The last lines of each non-empty file, clipped (Elasticsearch logs its JVM command line as one
    multi-kB line)."""
    parts = []
    for path in files:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        if text:
            tail = [line[:width] for line in text.splitlines()[-lines:]]
            parts.append(f"----- last {lines} lines of {path} -----\n" + "\n".join(tail))
    return "\n".join(parts)


def print_tail(*files: Path) -> None:
    tail = log_tail(*files)
    if tail:
        print(tail, file=sys.stderr, flush=True)


@contextmanager
def locked(lock_file: Path, timeout: float = 600.0) -> Iterator[None]:
    """Serialise up/down of one state dir, so e.g. parallel test workers never start two brokers on one
    data dir. The descriptor is close-on-exec: the long-lived servers do not inherit the lock."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StackError(f"another `wirewatch stack` is still busy with {lock_file.parent}") from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)
