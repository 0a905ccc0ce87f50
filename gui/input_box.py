"""The message input: multi-line; Enter sends, Shift+Enter starts a new line.

Up in an empty box asks to edit the last message sent, and Esc to stop editing. Ctrl+Z
undoes typing while there is typing to undo; after that it reaches the window's Undo, which
takes back changes to the chat.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QPlainTextEdit, QWidget


class InputBox(QPlainTextEdit):
    """A plain-text editor that emits ``submitted`` on Enter (without Shift)."""

    submitted = Signal()
    up_in_empty = Signal()
    escape_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(
            self.tr("Type a message. Enter sends, Shift+Enter starts a new line.")
        )
        self.setTabChangesFocus(True)
        self.setAccessibleName(self.tr("Message input"))
        self.setAccessibleDescription(
            self.tr("Your message to the bot. Enter sends, Shift+Enter starts a new line.")
        )
        self._fit_height()

    def _fit_height(self) -> None:
        """Room for two and a half lines to eight, in the box's own font (zoom changes it)."""
        metrics = self.fontMetrics()
        self.setMinimumHeight(int(metrics.lineSpacing() * 2.6))
        self.setMaximumHeight(int(metrics.lineSpacing() * 8))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_height()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            document, keys = self.document(), QKeySequence.StandardKey
            if (event.matches(keys.Undo) and not document.isUndoAvailable()) or (
                event.matches(keys.Redo) and not document.isRedoAvailable()
            ):
                event.ignore()  # nothing typed to undo: let the window's Undo have the key
                return True
            control = event.modifiers() & Qt.KeyboardModifier.ControlModifier
            if control and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                event.ignore()  # Ctrl+Shift+Enter is Continue Reply, not a new line
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Up and not self.toPlainText():
            self.up_in_empty.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            modifiers = event.modifiers()
            if modifiers & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
                return
            if not modifiers & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
            ):
                self.submitted.emit()
                return
        super().keyPressEvent(event)

    def text(self) -> str:
        """The typed text."""
        return self.toPlainText()

    def put_text(self, text: str) -> None:
        """Replace what is typed with ``text`` and put the keyboard here, ready to send.

        Through the cursor rather than ``setPlainText``, so Ctrl+Z brings a draft back."""
        cursor = self.textCursor()
        cursor.select(cursor.SelectionType.Document)
        cursor.insertText(text)
        self.setTextCursor(cursor)
        self.setFocus()
