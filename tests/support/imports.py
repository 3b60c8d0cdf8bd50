"""Which modules a fresh interpreter has loaded after running some code: the start-up and layering tests
assert on this rather than on times, which depend on how busy the machine is."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable

#: the libraries that make a start slow; listing commands or importing a facade must load none of them
HEAVY = ("elasticsearch", "spacy", "faust", "aiokafka", "trafilatura", "lxml", "rich", "fastapi", "uvicorn", "jinja2")


def loaded_after(code: str, watched: Iterable[str] = HEAVY) -> list[str]:
    """The ``watched`` modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport sys\nprint('loaded:', *(m for m in {tuple(watched)!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1].split()[1:]  # the last line: what ``code`` printed comes before it
