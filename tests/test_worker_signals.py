"""The tests' wait for the worker's signals: received on the GUI thread, never a hang."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from core.requests import LoadRequest
from gui.worker import ChatWorker, WorkerHost
from tests.worker_signals import worker_signal

TESTS = Path(__file__).parent


def test_a_worker_signal_is_received_on_the_gui_thread(qtbot: Any, tmp_path: Path) -> None:
    host = WorkerHost(ChatWorker(tmp_path))
    try:
        (tmp_path / "empty").mkdir()
        with worker_signal(qtbot, host.worker.load_failed, timeout=60_000) as failed:
            host.load_requested.emit(LoadRequest(str(tmp_path / "empty"), "transformers", 1))
        assert "config.json" in failed.args[0]
        assert failed.threads == {"MainThread"}  # not the worker's thread, as waitSignal's
    finally:
        assert host.shutdown(10_000)


def test_a_signal_never_emitted_fails_the_wait_and_names_the_signal(
    qtbot: Any, tmp_path: Path
) -> None:
    host = WorkerHost(ChatWorker(tmp_path))
    try:
        with (
            pytest.raises(AssertionError, match=r"reply_finished.* not emitted within 200 ms"),
            worker_signal(qtbot, host.worker.reply_finished, timeout=200),
        ):
            pass
    finally:
        assert host.shutdown(10_000)


def test_no_test_waits_for_a_worker_signal_with_pytest_qts_wait_signal() -> None:
    """waitSignal on a signal from the worker's thread can hang for good (see worker_signals).

    The calls are read whole, over several lines and in lists; a worker kept under another
    name (``w = host.worker``) would get past this, and none is."""
    call = re.compile(r"\b(waitSignals?|assertNotEmitted|waitCallback)\((?P<args>[^)]*)\)")
    offenders = [
        f"{path.name}: {found.group(0)}"
        for path in sorted(TESTS.glob("*.py"))
        if path.name != Path(__file__).name
        for found in call.finditer(path.read_text(encoding="utf-8"))
        if "worker." in found.group("args")
    ]
    assert offenders == []
