"""SIGTERM and SIGHUP close the window like the user would: a logout or ``kill`` loses nothing.

Python runs signal handlers only between bytecodes, and Qt's event loop waits in C++, so the
handler itself does nothing: ``signal.set_wakeup_fd`` writes the signal's number to a socket,
and a ``QSocketNotifier`` on the other end wakes the event loop, which closes the window (stop
the reply, keep the draft, end the worker) and quits.
"""

from __future__ import annotations

import logging
import signal
import socket

from PySide6.QtCore import QCoreApplication, QSocketNotifier
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

_ALIVE: list[object] = []  # the sockets must outlive this function, as long as the app runs

SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def close_on_termination_signals(app: QCoreApplication, window: QWidget) -> None:
    """Make SIGTERM and SIGHUP close ``window`` and end ``app``'s event loop."""
    if not hasattr(signal, "set_wakeup_fd") or not SIGNALS:
        return
    receiver, sender = socket.socketpair()
    receiver.setblocking(False)
    sender.setblocking(False)
    signal.set_wakeup_fd(sender.fileno(), warn_on_full_buffer=False)
    for number in SIGNALS:
        signal.signal(number, lambda *_: None)  # replaces "terminate at once"
    notifier = QSocketNotifier(receiver.fileno(), QSocketNotifier.Type.Read, app)

    def on_signal() -> None:
        try:
            numbers = receiver.recv(64)
        except OSError:
            return
        names = ", ".join(signal.Signals(n).name for n in numbers if n in SIGNALS)
        if not names:
            return
        log.info("%s received: closing", names)
        window.close()
        app.quit()

    notifier.activated.connect(on_signal)
    _ALIVE.extend((receiver, sender, notifier))
