"""One writer per data folder: an advisory lock on ``<data-dir>/confab.lock``.

The first Confab on a data folder holds the lock for as long as it runs; a second one sees it
held and either hands its file to the first or opens read-only, so two processes never write
the same chat file. The operating system drops the lock when the process ends, however it
ends, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

LOCK_FILE = "confab.lock"


class DataFolderLock:
    """An exclusive, non-blocking lock on the data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        """Take the lock; False if another process holds it."""
        if self._file is not None:
            return True
        stream = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held while running
        try:
            _lock(stream)
        except OSError:
            stream.close()
            return False
        stream.seek(0)
        stream.truncate()
        stream.write(f"{os.getpid()}\n")
        stream.flush()
        self._file = stream
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file drops the lock
            self._file = None

    @property
    def held(self) -> bool:
        return self._file is not None


def _lock(stream: IO[str]) -> None:
    if sys.platform == "win32":
        import msvcrt

        stream.seek(0)
        msvcrt.locking(stream.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
