"""``wirewatch run`` (all workers, one process each, in the foreground, and the workspace beside them) and
``wirewatch worker NAME``."""

from __future__ import annotations

import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType

import click

from wirewatch.cli._common import LazyChoice, console, stage_names

STOP_GRACE_S = 30.0
#: a worker that exits (a crash) is restarted, unless it did so this often within the window
MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0
#: the child running ``wirewatch serve``: a process beside the pipeline, not a stage
WORKSPACE = "workspace"


@click.command()
@click.argument("name", type=LazyChoice(stage_names))
@click.option(
    "--check", is_flag=True, help="load what the worker loads at start (modules, model, gazetteers), then exit"
)
def worker(name: str, check: bool) -> None:
    """Run one worker in the foreground (what each compose service runs)."""
    if check:
        from wirewatch.ops.preflight import preflight

        console.print(f"{name}: ready: {preflight(name)}")
        return
    module = importlib.import_module(f"wirewatch.services.{name}.app")
    module.main()


def _parse_only(value: str | None) -> list[str]:
    """The workers named by ``--only`` (one per stage of the registry; all of them by default)."""
    workers = stage_names()
    if not value:
        return workers
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = sorted(set(names) - set(workers))
    if unknown:
        raise click.BadParameter(f"unknown worker(s): {', '.join(unknown)}; choose from {', '.join(workers)}")
    return names


def _listening(host: str, port: int) -> bool:
    """Something already accepts connections on ``host:port`` (e.g. the demo's workspace on its port)."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _workspace_url(no_serve: bool) -> str | None:
    """The URL of the workspace ``run`` starts, or None (``--no-serve``, or its port already answers).
    A bind the settings refuse (off loopback without a token) stops ``run`` before any worker starts."""
    if no_serve:
        return None
    from wirewatch.cli.serve import local_host, workspace_settings, workspace_url

    settings = workspace_settings()
    url = workspace_url(settings)
    if _listening(local_host(settings.serve_host), settings.serve_port):
        console.print(f"{url} already answers: not starting another workspace", markup=False)
        return None
    return url


def _command(name: str) -> list[str]:
    verb = ["serve"] if name == WORKSPACE else ["worker", name]
    return [sys.executable, "-m", "wirewatch", *verb]


@click.command()
@click.option("--only", help="comma-separated workers to run (default: all five)")
@click.option("--no-serve", is_flag=True, help="do not start the workspace (`wirewatch serve`) beside the workers")
def run(only: str | None, no_serve: bool) -> None:
    """Run the workers (and the workspace) in the foreground until Ctrl-C or SIGTERM, then stop them cleanly."""
    from wirewatch.schemas import STAGES

    names = _parse_only(only)
    url = _workspace_url(no_serve)
    # the registry's metrics ports; WIREWATCH_METRICS_PORT set for ``run`` moves them all by as much
    first = min(spec.metrics_port for spec in STAGES.values())
    shift = int(os.environ.get("WIREWATCH_METRICS_PORT") or first) - first
    ports = {name: STAGES[name].metrics_port + shift for name in STAGES}

    def spawn(name: str) -> subprocess.Popen[bytes]:
        env = os.environ if name == WORKSPACE else os.environ | {"WIREWATCH_METRICS_PORT": str(ports[name])}
        return subprocess.Popen(_command(name), env=env)  # noqa: S603 - our own CLI

    children = {name: spawn(name) for name in names}
    console.print(
        f"running {', '.join(names)} (pids {', '.join(str(p.pid) for p in children.values())}); "
        f"/metrics on ports {', '.join(str(ports[name]) for name in names)}; Ctrl-C stops them"
    )
    if url is not None:
        children[WORKSPACE] = spawn(WORKSPACE)
        console.print(f"workspace on {url} (pid {children[WORKSPACE].pid}; --no-serve runs without it)", markup=False)
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    restarts: dict[str, list[float]] = {name: [] for name in children}
    while not stopping:
        for name, proc in list(children.items()):
            if proc.poll() is None:
                continue
            recent = [t for t in restarts[name] if time.monotonic() - t < RESTART_WINDOW_S]
            if len(recent) >= MAX_RESTARTS and name == WORKSPACE:
                # the pipeline goes on without its pages: a workspace that keeps failing is no reason to stop it
                console.print(f"[red]the workspace exited {MAX_RESTARTS} times; the workers go on without it[/red]")
                del children[name]
                continue
            if len(recent) >= MAX_RESTARTS:
                _stop_all(children)
                raise click.ClickException(
                    f"{name} exited {MAX_RESTARTS} times within {RESTART_WINDOW_S:.0f}s "
                    f"(last exit code {proc.returncode}); giving up"
                )
            console.print(f"[yellow]{name} exited with code {proc.returncode}; restarting it[/yellow]")
            restarts[name] = [*recent, time.monotonic()]
            children[name] = spawn(name)
        time.sleep(0.2)
    _stop_all(children)


def _stop_all(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in children.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for name, proc in children.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            console.print(f"[yellow]{name} did not stop in {STOP_GRACE_S:.0f}s; killing it[/yellow]")
            proc.kill()
            proc.wait()
