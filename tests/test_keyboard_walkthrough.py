"""The keyboard-only walkthrough of issue 12: start, wait for the model, ask two questions,
save the chat, export it, open it again.

Every key goes where a real key would: to the open menu, else to the widget with the focus (in
a dialog too). The test never picks a widget to type into, so a keyboard trap or an action
that the keyboard cannot reach makes it fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from core.transcript import load
from tests.conftest import WindowFactory

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
NONE = Qt.KeyboardModifier.NoModifier


def keyboard_target() -> QWidget:
    """Where the keyboard's input goes now: an open menu, else the focus widget."""
    target = QApplication.activePopupWidget() or QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    return target


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = NONE) -> None:
    QTest.keyClick(keyboard_target(), key, modifier)


def type_text(text: str) -> None:
    for char in text:  # one key at a time: the focus may move (a completer pops up)
        QTest.keyClicks(keyboard_target(), char)


def in_next_dialog(qtbot: Any, keys: Callable[[], None]) -> list[QWidget]:
    """Run ``keys`` once a modal dialog is up (the key that opens it blocks until it closes);
    the list it returns receives the dialog."""
    seen: list[QWidget] = []

    def poll() -> None:
        dialog, focus = QApplication.activeModalWidget(), QApplication.focusWidget()
        if dialog is None or focus is None or not dialog.isAncestorOf(focus):
            QTimer.singleShot(20, poll)
            return
        seen.append(dialog)
        keys()

    QTimer.singleShot(0, poll)
    return seen


def replace_file_name(path: Path) -> Callable[[], None]:
    """In a file dialog: select the suggested name, type a full path instead, press Enter."""

    def keys() -> None:
        press(Qt.Key.Key_A, CTRL)
        type_text(str(path))
        press(Qt.Key.Key_Return)

    return keys


def focus_is_back(qtbot: Any, window: Any) -> None:
    """The keyboard is in the input box again, after a dialog too.

    A closed dialog leaves no window active on the offscreen platform, which has no window
    manager; the test does what one does, activating the window the dialog belonged to. Which
    widget in it gets the keyboard is the window's own doing."""
    if QApplication.activeWindow() is None:
        window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.input_box, timeout=5_000)


def ask(qtbot: Any, window: Any, question: str) -> None:
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        type_text(question)
        press(Qt.Key.Key_Return)


def test_keyboard_only_ask_two_questions_save_export_and_open_the_chat_again(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    window = make_window(tiny_model)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    focus_is_back(qtbot, window)  # typing can start at once

    ask(qtbot, window, "Hello there")
    ask(qtbot, window, "What do you like to read?")
    asked = [(m.role, m.content) for m in window.conversation.messages]
    assert [role for role, _ in asked] == ["user", "assistant", "user", "assistant"]
    focus_is_back(qtbot, window)

    # File > Save As… (Alt+F, A) into a folder of our choosing.
    saved = tmp_path / "walk.confab.json"
    dialogs = in_next_dialog(qtbot, replace_file_name(saved))
    press(Qt.Key.Key_F, ALT)
    press(Qt.Key.Key_A)
    assert len(dialogs) == 1 and isinstance(dialogs[0], QFileDialog)
    assert saved.is_file()
    assert [(m.role, m.content) for m in load(saved).transcript.conversation.messages] == asked
    assert window.files.move_action.isEnabled()  # its mnemonic must not take Export's M
    focus_is_back(qtbot, window)

    # File > Export as Markdown… (Alt+F, then its mnemonic, E for Export and M for Markdown).
    exported = tmp_path / "walk.md"
    dialogs = in_next_dialog(qtbot, replace_file_name(exported))
    press(Qt.Key.Key_F, ALT)
    press(Qt.Key.Key_M)
    assert len(dialogs) == 1 and isinstance(dialogs[0], QFileDialog)
    assert "What do you like to read?" in exported.read_text(encoding="utf-8")
    focus_is_back(qtbot, window)

    # A new chat (Ctrl+N), then File > Open… (Ctrl+O) brings the saved one back.
    press(Qt.Key.Key_N, CTRL)
    assert window.conversation.messages == []
    focus_is_back(qtbot, window)
    dialogs = in_next_dialog(qtbot, replace_file_name(saved))
    press(Qt.Key.Key_O, CTRL)
    assert len(dialogs) == 1 and isinstance(dialogs[0], QFileDialog)
    assert window.session.current.path == saved.resolve()
    assert [(m.role, m.content) for m in window.conversation.messages] == asked
    assert window.message_model.rowCount() == 4
    focus_is_back(qtbot, window)
    assert json.loads(saved.read_text(encoding="utf-8"))
