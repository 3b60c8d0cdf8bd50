"""Workers as real subprocesses (so kill -9 and restarts are real), configured for one namespace.

The chaos drill kills and restarts them; integration and end-to-end tests start them the same way.
``bench/procs.py`` builds the pipeline benchmark's measured pool on :func:`worker_env`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from wirewatch.core.secretbox import generate_key
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES

# benchmarks store rules (their webhooks and secrets are sealed): one key for the run, in this process and
# every worker it starts, unless the environment brings one
os.environ.setdefault("WIREWATCH_SECRET_KEY", generate_key())

#: one worker per stage of the registry, in pipeline order
WORKERS = tuple(STAGES)


def worker_env(settings: CommonSettings, **extra: str) -> dict[str, str]:
    """The environment of a worker pointed at ``settings``' stack and namespace, polling every second and
    allowed to fetch from loopback; ``extra`` variables win."""
    env = os.environ | settings.location_env()
    env.update({"WIREWATCH_ALLOW_PRIVATE_NETWORKS": "true", "WIREWATCH_POLL_INTERVAL": "1"})
    env.update(extra)
    return env


@dataclass
class Workers:
    """Named worker processes, each logging to ``log_dir/NAME.log``."""

    settings: CommonSettings
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, *names: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in names:
            log = (self.log_dir / f"{name}.log").open("ab")
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "wirewatch", "worker", name],
                env=worker_env(self.settings, **self.extra_env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self, name: str) -> None:
        """kill -9: no cleanup, no commit."""
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop(self, timeout: float = 30.0) -> dict[str, int]:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = {}
        for name, proc in self.procs.items():
            try:
                codes[name] = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = proc.wait()
        self.procs.clear()
        return codes

    def alive(self) -> dict[str, bool]:
        return {name: proc.poll() is None for name, proc in self.procs.items()}

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
