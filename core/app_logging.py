"""Logging for the app: a rotating file in the data folder, safe without a console.

A windowed PyInstaller build starts with ``sys.stdout`` and ``sys.stderr`` set to ``None``;
anything that writes to them (tqdm progress bars, ``print``, a ``StreamHandler``) would
then raise. ``configure_logging`` replaces missing streams with ``os.devnull`` writers and
sends log records to ``<data-dir>/logs/confab.log``, where a user can find them after a
failure the window could not show.
"""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import TextIO

LOG_FILE_NAME = "confab.log"
MAX_LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"

# Marks the handlers this module installs, so a second call replaces them, not duplicates.
_OWNED = "_confab_owned"

log = logging.getLogger(__name__)


def log_file(data_dir: Path) -> Path:
    """Where the log is written for the data folder ``data_dir``."""
    return data_dir / "logs" / LOG_FILE_NAME


def ensure_std_streams() -> None:
    """Give ``sys.stdout`` / ``sys.stderr`` a harmless writer where they are ``None``."""
    if sys.stdout is None:
        sys.stdout = _devnull()
    if sys.stderr is None:
        sys.stderr = _devnull()


def configure_logging(data_dir: Path, verbose: bool = False) -> Path:
    """Log to a rotating file under ``data_dir`` (and to stderr when there is one).

    Returns the log file's path. ``verbose`` lowers the level from INFO to DEBUG. Safe to
    call more than once: earlier handlers installed here are closed and replaced.
    """
    has_console = sys.stderr is not None  # decided before ensure_std_streams fills it in
    ensure_std_streams()
    path = log_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    level = logging.DEBUG if verbose else logging.INFO

    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OWNED, False)]:
        root.removeHandler(handler)
        handler.close()

    file_handler = RotatingFileHandler(
        path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    _install(root, file_handler, level)
    if has_console:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        _install(root, console, level if verbose else logging.WARNING)
    root.setLevel(level)
    logging.captureWarnings(True)
    _log_uncaught_exceptions()
    log.info("Logging to %s", path)
    return path


def _install(root: logging.Logger, handler: logging.Handler, level: int) -> None:
    handler.setLevel(level)
    setattr(handler, _OWNED, True)
    root.addHandler(handler)


def _devnull() -> TextIO:
    # Kept open for the life of the process, like the console streams it stands in for.
    return open(os.devnull, "w", encoding="utf-8")


def _log_uncaught_exceptions() -> None:
    """Record exceptions that reach the top (including from Qt slots) in the log file."""
    previous = sys.excepthook
    if getattr(previous, _OWNED, False):
        return

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            log.critical("Uncaught exception", exc_info=(kind, error, trace))
        previous(kind, error, trace)

    setattr(hook, _OWNED, True)
    sys.excepthook = hook
