"""``wirewatch run`` starts the workspace (``wirewatch serve``) beside the workers unless ``--no-serve``; it is
stopped with them, a workspace that keeps failing is dropped without stopping the pipeline, and a port that
already answers (the demo's workspace) is left alone. Processes are faked: nothing is started."""

from __future__ import annotations

import os
import signal
import socket
import sys
from collections.abc import Iterator
from typing import Any, ClassVar

import click
import pytest
from click.testing import CliRunner

from wirewatch.cli import run as run_module
from wirewatch.cli.serve import local_host, workspace_settings, workspace_url


class FakeProcess:
    """A child that runs until told to stop; ``exits`` makes it exit at once; the ``stop_after``-th poll of a
    worker asks ``run`` to stop (as Ctrl-C would)."""

    started: ClassVar[list[list[str]]] = []
    polls: ClassVar[int] = 0
    stop_after: ClassVar[int] = 5

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.argv = argv
        self.pid = 10_000 + len(FakeProcess.started)
        self.returncode: int | None = 1 if self.failing() else None
        self.signals: list[int] = []
        FakeProcess.started.append(argv)

    def failing(self) -> bool:
        return self.argv[-1] == "serve" and os.environ.get("FAKE_SERVE_FAILS") == "1"

    def poll(self) -> int | None:
        if self.argv[-1] != "serve":
            FakeProcess.polls += 1
            if FakeProcess.polls == FakeProcess.stop_after:
                os.kill(os.getpid(), signal.SIGTERM)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)
        self.returncode = -signum

    def wait(self, timeout: float | None = None) -> int:
        return self.returncode or 0

    def kill(self) -> None:
        self.returncode = -9


@pytest.fixture
def fake_children(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeProcess]]:
    FakeProcess.started = []
    FakeProcess.polls = 0
    monkeypatch.setattr(run_module.subprocess, "Popen", FakeProcess)
    monkeypatch.setattr(run_module.time, "sleep", lambda _s: None)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield FakeProcess
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def serve_env(monkeypatch: pytest.MonkeyPatch) -> int:
    port = free_port()
    monkeypatch.setenv("WIREWATCH_SERVE_PORT", str(port))
    monkeypatch.delenv("WIREWATCH_SERVE_HOST", raising=False)
    monkeypatch.delenv("WIREWATCH_SERVE_TOKEN", raising=False)
    return port


def invoke(*args: str) -> Any:
    return CliRunner().invoke(run_module.run, list(args), catch_exceptions=False)


def test_run_starts_the_workspace_beside_the_workers_and_stops_it_with_them(
    fake_children: type[FakeProcess], serve_env: int
) -> None:
    done = invoke("--only", "parser,indexer")
    assert done.exit_code == 0, done.output
    assert fake_children.started == [
        [sys.executable, "-m", "wirewatch", "worker", "parser"],
        [sys.executable, "-m", "wirewatch", "worker", "indexer"],
        [sys.executable, "-m", "wirewatch", "serve"],
    ]
    assert f"workspace on http://127.0.0.1:{serve_env}/" in done.output


def test_no_serve_runs_the_workers_alone(fake_children: type[FakeProcess], serve_env: int) -> None:
    done = invoke("--only", "parser", "--no-serve")
    assert done.exit_code == 0, done.output
    assert fake_children.started == [[sys.executable, "-m", "wirewatch", "worker", "parser"]]
    assert "workspace on" not in done.output


def test_a_port_that_already_answers_is_left_alone(fake_children: type[FakeProcess], serve_env: int) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", serve_env))
        held.listen()
        done = invoke("--only", "parser")
    assert done.exit_code == 0, done.output
    assert [argv[-1] for argv in fake_children.started] == ["parser"]
    assert "already answers: not starting another workspace" in done.output


def test_an_open_bind_without_a_token_stops_run_before_any_worker(
    fake_children: type[FakeProcess], serve_env: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIREWATCH_SERVE_HOST", "0.0.0.0")
    done = CliRunner().invoke(run_module.run, ["--only", "parser"])
    assert done.exit_code == 2
    assert "WIREWATCH_SERVE_TOKEN" in done.output
    assert fake_children.started == []


def test_a_workspace_that_keeps_failing_is_dropped_and_the_workers_go_on(
    fake_children: type[FakeProcess], serve_env: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SERVE_FAILS", "1")
    monkeypatch.setattr(FakeProcess, "stop_after", 40)
    done = invoke("--only", "parser")
    assert done.exit_code == 0, done.output
    serves = [argv for argv in fake_children.started if argv[-1] == "serve"]
    assert len(serves) == 1 + run_module.MAX_RESTARTS
    assert "the workers go on without it" in done.output
    assert fake_children.polls >= 40  # the worker kept being watched until the stop


def test_a_wildcard_bind_is_opened_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_SERVE_TOKEN", "a-long-random-token-value")
    assert workspace_url(workspace_settings("0.0.0.0", 8123)) == "http://127.0.0.1:8123/"
    assert workspace_url(workspace_settings("::1", 8123)) == "http://[::1]:8123/"
    assert local_host("::") == "::1"
    with pytest.raises(click.UsageError, match="WIREWATCH_SERVE_TOKEN"):
        monkeypatch.delenv("WIREWATCH_SERVE_TOKEN")
        workspace_settings("10.1.2.3", None)
