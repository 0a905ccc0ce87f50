"""The app's logging: a file in the data folder, and no crash when there is no console."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from core.app_logging import configure_logging, log_file


@pytest.fixture(autouse=True)
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Leave the root logger, std streams and excepthook as the test found them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    logging.captureWarnings(False)
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "name", None) == os.devnull:  # written in for a missing console
            stream.close()


def own_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_confab_owned", False)]


def test_messages_go_to_a_log_file_in_the_data_folder(tmp_path: Path) -> None:
    path = configure_logging(tmp_path)

    logging.getLogger("confab.test").info("the model loaded in %.1f s", 1.5)
    logging.getLogger("confab.test").debug("not shown unless verbose")
    for handler in own_handlers():
        handler.flush()

    assert path == tmp_path / "logs" / "confab.log" == log_file(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "the model loaded in 1.5 s" in text
    assert "not shown unless verbose" not in text


def test_verbose_logs_debug_messages(tmp_path: Path) -> None:
    path = configure_logging(tmp_path, verbose=True)

    logging.getLogger("confab.test").debug("token 7 of 60")
    for handler in own_handlers():
        handler.flush()

    assert "token 7 of 60" in path.read_text(encoding="utf-8")


def test_the_log_file_rotates(tmp_path: Path) -> None:
    configure_logging(tmp_path)

    files = [h for h in own_handlers() if isinstance(h, RotatingFileHandler)]
    assert len(files) == 1
    assert files[0].maxBytes > 0 and files[0].backupCount > 0


def test_the_log_keeps_three_old_files_each_under_a_megabyte(tmp_path: Path) -> None:
    """As docs/packaging.md says: rotating, 3 x 1 MB."""
    path = configure_logging(tmp_path)
    (handler,) = [h for h in own_handlers() if isinstance(h, RotatingFileHandler)]
    logger = logging.getLogger("confab.test")
    empty = logger.makeRecord(logger.name, logging.INFO, __file__, 0, "", (), None)
    # Records of exactly 1,000 bytes: a file that may reach 1,000,000 bytes would.
    message = "x" * (999 - len(handler.format(empty)))
    for _ in range(5_000):
        logger.info(message)
    handler.flush()

    files = sorted(path.parent.iterdir())
    assert [f.name for f in files] == ["confab.log", "confab.log.1", "confab.log.2", "confab.log.3"]
    sizes = [f.stat().st_size for f in files]
    assert all(size < 1_000_000 for size in sizes), sizes
    assert all(size > 990_000 for size in sizes[1:]), sizes


def test_configuring_twice_does_not_duplicate_handlers(tmp_path: Path) -> None:
    configure_logging(tmp_path)
    first = len(own_handlers())
    configure_logging(tmp_path / "other")

    assert len(own_handlers()) == first
    assert (tmp_path / "other" / "logs" / "confab.log").is_file()


def test_with_a_console_warnings_also_go_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(tmp_path)

    logging.getLogger("confab.test").warning("disk almost full")

    assert "disk almost full" in capsys.readouterr().err


def test_a_windowed_build_without_stdout_or_stderr_does_not_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyInstaller's windowed builds start with sys.stdout and sys.stderr set to None."""
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)

    path = configure_logging(tmp_path)

    assert sys.stdout is not None and sys.stderr is not None
    assert not [h for h in own_handlers() if type(h) is logging.StreamHandler]
    print("a stray print")
    from tqdm import tqdm

    for _ in tqdm(range(3), desc="Downloading"):
        pass
    warnings.warn("a library warning", UserWarning, stacklevel=1)
    logging.getLogger("confab.test").error("load failed")
    for handler in own_handlers():
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "load failed" in text
    assert "a library warning" in text


def test_uncaught_exceptions_are_logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, error, trace: previous.append(error))
    path = configure_logging(tmp_path)

    try:
        raise RuntimeError("worker thread exploded")
    except RuntimeError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    for handler in own_handlers():
        handler.flush()

    assert "worker thread exploded" in path.read_text(encoding="utf-8")
    assert [str(error) for error in previous] == ["worker thread exploded"]  # still chained


def test_configuring_twice_logs_an_uncaught_exception_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, error, trace: previous.append(error))
    path = configure_logging(tmp_path)
    configure_logging(tmp_path)

    error = RuntimeError("worker thread exploded")
    sys.excepthook(RuntimeError, error, None)
    for handler in own_handlers():
        handler.flush()

    assert path.read_text(encoding="utf-8").count("worker thread exploded") == 1
    assert previous == [error]
