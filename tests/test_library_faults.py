"""Faults a person's disk can have: full, read-only, a damaged chat file. Each gives a clear
message in the window and loses no chat. A small tmpfs is mounted where root may do so;
elsewhere the failing system call is simulated at the point where the save makes it."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from core.transcript import load
from tests.conftest import WindowFactory

DATA = Path(__file__).parent / "data"


@contextlib.contextmanager
def tmpfs(folder: Path, size_kb: int) -> Iterator[bool]:
    """Mount a tmpfs of ``size_kb`` on ``folder``; yields False where mounting is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = (
        os.geteuid() == 0
        and shutil.which("mount") is not None
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
            capture_output=True,
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def warning(parent: Any, title: str, text: str, *args: Any) -> Any:
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warning)
    return shown


def send(qtbot: Any, window: Any, text: str) -> None:
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText(text)
        window.send_message()


def test_a_full_disk_says_so_and_loses_nothing(
    qtbot: Any,
    make_window: WindowFactory,
    tiny_model: Path,
    tmp_path: Path,
    warnings: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "data"
    chats = data / "chats"
    with tmpfs(chats, 256) as mounted:
        window = make_window(tiny_model, headless=False, data_dir=data)
        send(qtbot, window, "A short first message")
        path = window.session.current.path
        first = path.read_bytes()
        filler = chats / "filler.bin"
        if mounted:
            with contextlib.suppress(OSError), open(filler, "wb") as stream:
                stream.write(b"\0" * 1024 * 1024)  # fills the file system
        else:
            def full(fd: int) -> None:
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(os, "fsync", full)
        window.input_box.setPlainText("A long message " * 2000)
        window.send_message()
        QApplication.processEvents()
        assert any("the disk is full" in text for text in warnings), warnings
        assert path.read_bytes() == first  # the file on disk is the last whole version
        assert window.conversation.messages[-1].content.startswith("A long message")
        assert not [p for p in chats.iterdir() if p.name.endswith(".tmp")]
        if mounted:
            filler.unlink()
        else:
            monkeypatch.undo()
        qtbot.waitUntil(lambda: not window.session.pending, timeout=60_000)
        send(qtbot, window, "Room again")
        saved = [m.content for m in load(path).transcript.conversation.messages]
        assert saved[0] == "A short first message"
        assert saved[2].startswith("A long message") and saved[-2] == "Room again"
        window.close()


def test_a_read_only_chats_folder_lists_every_chat_and_says_why_nothing_is_saved(
    qtbot: Any,
    make_window: WindowFactory,
    tiny_model: Path,
    tmp_path: Path,
    warnings: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "data"
    chats = data / "chats"
    with tmpfs(chats, 1024) as mounted:
        shutil.copy(DATA / "handwritten.confab.json", chats / "plans.confab.json")
        before = (chats / "plans.confab.json").read_bytes()
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(chats)], check=True)
        elif os.geteuid() != 0:
            chats.chmod(0o555)
        else:  # root without mount: refuse the write where the save creates its temporary
            def read_only(*args: Any, **kwargs: Any) -> Any:
                raise OSError(errno.EROFS, "Read-only file system")

            monkeypatch.setattr(tempfile, "mkstemp", read_only)
        window = make_window(tiny_model, headless=False, data_dir=data)
        QApplication.processEvents()
        (chat,) = [c for c in window.library.chats.values() if c.path is not None]
        window.show_chat(chat)
        send(qtbot, window, "Can you save this?")
        assert any("read-only" in text or "permission denied" in text for text in warnings)
        assert (chats / "plans.confab.json").read_bytes() == before
        assert window.conversation.messages[-2].content == "Can you save this?"
        window.close()
        if not mounted:
            chats.chmod(0o755)


def test_a_damaged_chat_file_is_listed_with_its_reason_and_never_written(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path, warnings: list[str]
) -> None:
    data = tmp_path / "data"
    (data / "chats").mkdir(parents=True)
    damaged = data / "chats" / "cut-short.confab.json"
    damaged.write_bytes((DATA / "handwritten.confab.json").read_bytes()[:300])
    before = damaged.read_bytes()
    shutil.copy(DATA / "handwritten.confab.json", data / "chats" / "fine.confab.json")
    window = make_window(tiny_model, headless=False, data_dir=data, load=False)
    refresher = window.library_start.refresher  # a new index: the files are read in the background
    qtbot.waitUntil(lambda: not refresher.worker_thread.is_alive(), timeout=30_000)
    QApplication.processEvents()
    model = window.chat_list_model
    shown = [str(model.index(row).data()) for row in range(model.rowCount())]
    assert any(text.startswith("⚠ cut-short") for text in shown), shown
    assert any(text.startswith("Weekend plans") for text in shown), shown
    (chat,) = [c for c in window.library.chats.values() if c.damaged]
    tooltip = str(model.index(model.row_of(chat)).data(3))  # Qt.ToolTipRole
    assert "cut short" in tooltip
    window.show_chat(chat)
    assert any("cut short" in text for text in warnings)
    assert window.session.current is not chat
    window.close()
    assert damaged.read_bytes() == before
