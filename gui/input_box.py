"""The message input: multi-line; Enter sends, Shift+Enter starts a new line."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget


class InputBox(QPlainTextEdit):
    """A plain-text editor that emits ``submitted`` on Enter (without Shift)."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Type a message. Enter sends, Shift+Enter starts a new line.")
        self.setTabChangesFocus(True)
        self.setAccessibleName("Message input")
        metrics = self.fontMetrics()
        self.setMinimumHeight(int(metrics.lineSpacing() * 2.6))
        self.setMaximumHeight(int(metrics.lineSpacing() * 8))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
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
