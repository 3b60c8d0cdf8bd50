"""The image's install, replayed: what the Dockerfile copies and runs, into a fresh virtual environment.

No Docker engine runs here, so this test reads the Dockerfile itself: it copies what the ``COPY`` lines copy
into a fresh directory (the image's ``/app``), runs the ``RUN`` lines that call ``deploy/install.sh`` with
the image's venv replaced by a temporary one, on this machine's Python 3.11 (the image's minor), and then
asks every worker to load what it loads at start (``wirewatch worker NAME --check``: the NER model the
default settings name, gazetteers, the parser) without any service. A package missing from the recipe (for
example the models lock, which the image once skipped) fails here, not in a user's ``docker compose up``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from wirewatch.schemas import STAGES

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
IMAGE_VENV = "/opt/venv"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def instructions(keyword: str) -> list[str]:
    """The arguments of every ``keyword`` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(f"{keyword} ")]


def copy_like_the_image(app: Path) -> None:
    for arguments in instructions("COPY"):
        *sources, destination = shlex.split(arguments)
        target = app / destination
        for source in sources:
            path = ROOT / source
            into = target / path.name if destination.endswith("/") or len(sources) > 1 else target
            into.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                shutil.copytree(
                    path, into, symlinks=True, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                shutil.copy2(path, into)


def install_runs() -> list[list[str]]:
    runs = [shlex.split(arguments) for arguments in instructions("RUN") if "deploy/install.sh" in arguments]
    return [[part for part in run] for run in runs]


def test_the_dockerfile_and_make_install_share_the_recipe() -> None:
    runs = install_runs()
    assert [run[-1] for run in runs] == ["deps", "project"]
    assert all(run[:3] == ["sh", "deploy/install.sh", IMAGE_VENV] for run in runs)
    assert "deploy/install.sh $(VENV) all --editable" in (ROOT / "Makefile").read_text()


def clean_environment(app: Path, venv: Path) -> dict[str, str]:
    """This machine's environment without our own venv or settings, and with the image's ``ENV`` lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIREWATCH_", "VIRTUAL_ENV", "PYTHON"))}
    own_bin = str(ROOT / ".venv" / "bin")
    path = [part for part in env.get("PATH", "").split(os.pathsep) if part != own_bin]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    env |= {"WIREWATCH_STATE_DIR": str(app / "state"), "WIREWATCH_DEPLOY_DIR": str(app / "deploy")}
    return env


def test_every_worker_starts_from_the_images_install(tmp_path: Path) -> None:
    app, venv = tmp_path / "app", tmp_path / "venv"
    copy_like_the_image(app)
    env = clean_environment(app, venv)
    for run in install_runs():
        command = [str(venv) if part == IMAGE_VENV else part for part in run]
        done = subprocess.run(command, cwd=app, env=env, capture_output=True, text=True, timeout=800)
        assert done.returncode == 0, f"{shlex.join(command)} failed:\n{done.stdout}\n{done.stderr}"

    for name in STAGES:
        done = subprocess.run(
            [str(venv / "bin" / "wirewatch"), "worker", name, "--check"],
            cwd=app,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{name} cannot start from the image's install:\n{done.stdout}\n{done.stderr}"
        assert f"{name}: ready" in done.stdout
    # the worker really ran from the fresh install, not from this checkout
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import wirewatch; print(wirewatch.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(venv))
