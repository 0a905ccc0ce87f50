"""Waiting in a test for a signal that another thread emits, such as the model worker's.

pytest-qt's ``waitSignal`` calls its own callback in the thread that emits the signal. For
the worker's signals that is the worker thread, and the callback can run after ``waitSignal``
checked for it and before its event loop starts. Then the loop's quit is lost, its timeout
timer was stopped from the wrong thread, and the test waits for ever in an idle Qt event loop.
No Python code runs there, so pytest-timeout's alarm handler never runs either
(pytest-dev/pytest-qt#199). That is how two CI runs hung: ``waitSignal`` on a QThread's signal,
3,000 times in a row, hung in each of five runs (after 661 to 1,597 waits where counted).

Here a QObject made on the GUI thread receives the signal. Its slot is queued to the GUI
thread, and ``qtbot.waitUntil`` polls for it from Python.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from PySide6.QtCore import QObject, SignalInstance


class Received(QObject):
    """Every emission of one signal, recorded on the GUI thread, in order."""

    def __init__(self, signal: SignalInstance) -> None:
        super().__init__()
        self.emissions: list[tuple[Any, ...]] = []
        self.threads: set[str] = set()  # where the slot ran: the GUI thread's name only
        self._signal = signal
        signal.connect(self._record)

    def _record(self, *args: Any) -> None:
        self.threads.add(threading.current_thread().name)
        self.emissions.append(args)

    @property
    def args(self) -> list[Any]:
        """The first emission's arguments (as pytest-qt's blocker has them)."""
        if not self.emissions:
            raise AssertionError("the signal was not emitted")
        return list(self.emissions[0])

    def stop(self) -> None:
        """Record no more emissions."""
        with suppress(RuntimeError, TypeError):  # its sender is gone already
            self._signal.disconnect(self._record)


@contextmanager
def worker_signal(qtbot: Any, signal: SignalInstance, timeout: int) -> Iterator[Received]:
    """Like ``qtbot.waitSignal(signal, timeout=timeout)``: the body runs, then this waits
    until ``signal`` is emitted (once is enough), safely for a signal from another thread."""
    received = Received(signal)
    try:
        yield received
        try:
            qtbot.waitUntil(lambda: bool(received.emissions), timeout=timeout)
        except Exception as error:  # pytest-qt's TimeoutError, named for the wait, not the signal
            raise AssertionError(f"{signal} was not emitted within {timeout} ms") from error
    finally:
        received.stop()
