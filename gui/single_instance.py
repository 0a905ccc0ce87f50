"""One Confab per data folder: a second start hands its file to the first and exits.

The first process holds the data folder's lock (``core.data_lock``) and listens on a local
socket named after the data folder. A second process finds the lock held, sends the files it
was asked to open over that socket, waits for "ok", and exits. If the first process does not
answer (it hangs, or is stopped), the second opens the library read-only and says so.
"""

from __future__ import annotations

import hashlib
import json
import logging
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from core.data_lock import DataFolderLock

log = logging.getLogger(__name__)

HANDOFF_TIMEOUT_MS = 3000


class InstanceRole(Enum):
    PRIMARY = "primary"  # this process owns the data folder
    HANDED_OFF = "handed_off"  # the running Confab took the files; this one exits
    READ_ONLY = "read_only"  # another Confab holds the folder but does not answer


def server_name(data_dir: Path) -> str:
    """A local socket name per data folder (short: some systems limit its length)."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    return f"confab-{digest}"


class InstanceServer(QObject):
    """Listens for other Confab processes on the same data folder; emits the files they send."""

    files_received = Signal(list)  # list[str]

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.server = QLocalServer(self)
        name = server_name(data_dir)
        QLocalServer.removeServer(name)  # a socket file left by a crash; we hold the lock
        if not self.server.listen(name):
            log.warning("cannot listen for other instances: %s", self.server.errorString())
        else:
            log.info("listening for other instances on %s", name)
        self.server.newConnection.connect(self._accept)

    @Slot()
    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._read(s))

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data()).decode("utf-8", errors="replace")
        try:
            files = json.loads(line).get("open", [])
        except (ValueError, AttributeError):
            files = []
        socket.write(b"ok\n")
        socket.flush()
        socket.disconnectFromServer()
        paths = [str(f) for f in files if isinstance(f, str)]
        log.info("another instance handed over %d file(s)", len(paths))
        self.files_received.emit(paths)


def hand_off(data_dir: Path, files: list[str], timeout_ms: int = HANDOFF_TIMEOUT_MS) -> bool:
    """Send ``files`` to the Confab that owns ``data_dir``; True once it has said "ok"."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(data_dir))
    if not socket.waitForConnected(timeout_ms):
        return False
    message = json.dumps({"open": [str(Path(f).resolve()) for f in files]}) + "\n"
    socket.write(message.encode("utf-8"))
    if not socket.waitForBytesWritten(timeout_ms):
        return False
    answered = socket.waitForReadyRead(timeout_ms) and socket.readLine().data() == b"ok\n"
    socket.abort()
    return bool(answered)


def claim_data_folder(
    lock: DataFolderLock, data_dir: Path, files: list[str], self_test: bool = False
) -> InstanceRole:
    """Decide what this process is: the owner, a hand-off that exits, or a read-only viewer.

    A self-test writes nothing, so it only looks: it never hands off (it must run its own
    check), and where no lock file exists, no Confab runs and none is created.
    """
    if self_test:
        if lock.path.exists() and not lock.acquire():
            return InstanceRole.READ_ONLY
        return InstanceRole.PRIMARY
    if lock.acquire():
        return InstanceRole.PRIMARY
    if hand_off(data_dir, files):
        return InstanceRole.HANDED_OFF
    return InstanceRole.READ_ONLY
