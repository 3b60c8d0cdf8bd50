"""Users' watchlists, reloaded without a restart when their YAML files change.

:class:`Watchlists` holds the gazetteer of one extractor and the directories its users' files come from. Each
:meth:`Watchlists.refresh` (the extractor calls it before every batch) looks at the files at most once every
``poll_s`` seconds: one directory listing and one ``stat`` a file. When a file was added, removed or changed
(its inode, size or modification time), every users' file is read again and the gazetteer's ``users`` layer
is replaced whole; the shipped places, loaded once per process, are not touched.

The extractor lives in the budget's worker process (``budget.py``), so that is where it polls: a worker forked
from the pool's forkserver after an edit (the forkserver's copy was loaded before it) sees the change on its
first batch, as its last poll is older than ``poll_s``.

A file that cannot be read or is not a valid watchlist keeps the previous lists in force and is logged as an
error once per change of the files, never raised: an analyst's typo must not stop the worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from wirewatch.services.extractor.errors import GazetteerError
from wirewatch.services.extractor.gazetteer import Gazetteer, gazetteer_files, read_users

log = logging.getLogger(__name__)

DEFAULT_POLL_S = 2.0
Signature = tuple[tuple[str, int, int, int], ...]


def signature(directories: Sequence[Path]) -> Signature:
    """What the users' files look like now: (path, inode, size, mtime in ns) of each, in order."""
    found = []
    for path in gazetteer_files(directories, quiet=True):
        try:
            stat = path.stat()
        except OSError:  # removed between the listing and the stat: the next poll sees it gone
            continue
        found.append((str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


class Watchlists:
    """The users' layer of ``gazetteer``, kept in step with the files of ``directories``."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        directories: Sequence[Path],
        *,
        poll_s: float = DEFAULT_POLL_S,
        loaded: Signature | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gazetteer = gazetteer
        self.directories = tuple(directories)
        self.poll_s = poll_s
        self.reloads = 0
        self._clock = clock
        self._loaded = signature(self.directories) if loaded is None else loaded
        self._checked = clock()

    @classmethod
    def load(cls, directories: Sequence[Path], *, places: bool = True, poll_s: float = DEFAULT_POLL_S) -> Watchlists:
        """The shipped places and the users' files (a broken file raises :class:`GazetteerError` here, at
        start-up: there is no previous list to keep)."""
        loaded = signature(directories)  # before reading: an edit made meanwhile is seen by the first poll
        return cls(Gazetteer.load(directories, places=places), directories, poll_s=poll_s, loaded=loaded)

    def refresh(self) -> bool:
        """Read the users' files again if they changed; at most one look every ``poll_s`` (0 never looks).
        Whether the lists were replaced."""
        now = self._clock()
        if self.poll_s <= 0 or now - self._checked < self.poll_s:
            return False
        self._checked = now
        current = signature(self.directories)
        if current == self._loaded:
            return False
        self._loaded = current  # a broken file is reported once, not on every poll until it is fixed
        try:
            users = Gazetteer(read_users(self.directories))
        except GazetteerError as exc:
            log.error("watchlists not reloaded, the previous lists stay in force: %s", exc)
            return False
        except Exception:  # whatever a file holds, the worker goes on with the lists it has
            log.exception("watchlists not reloaded, the previous lists stay in force")
            return False
        self.gazetteer.users = users
        self.reloads += 1
        log.info("watchlists reloaded: %d entries from %d files", len(users.entries), len(current))
        return True
