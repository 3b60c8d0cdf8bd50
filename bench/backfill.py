"""The backfill the pipeline benchmark runs: ``wirewatch.ops.replay.replay(settings, stage)`` in its own
process (so copying a few thousand pages does not compete with the feed site and the observers in the
benchmark's event loop), with the namespace's settings from the environment; prints one JSON line.

    WIREWATCH_TOPIC_PREFIX=wwbench1234abcd. … python -m bench.backfill parser
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import backfill_stages

#: the first stage with a backfill lane: replaying it sends everything through every stage that has one
HEAD = backfill_stages()[0].name


def start(settings: CommonSettings, stage: str, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start the replay of ``stage``'s input topic; its JSON line and errors go to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bench.backfill", stage], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def outcome(log: Path) -> dict[str, object]:
    """The JSON line the replay printed (empty if it has not finished or failed)."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return {}
    for line in reversed(lines):
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return {}


def main(argv: list[str] | None = None) -> int:
    from wirewatch.ops.replay import replay

    stage = (argv if argv is not None else sys.argv[1:] or [HEAD])[0]
    started = time.time()
    report = asyncio.run(replay(CommonSettings(), stage))
    print(
        json.dumps(
            {
                "stage": stage,
                "source": report.source,
                "target": report.target,
                "copied": report.copied,
                "skipped": report.skipped,
                "started": started,
                "seconds": time.time() - started,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
