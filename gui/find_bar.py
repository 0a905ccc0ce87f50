"""Find in Chat (Ctrl+F): a bar over the message list that marks every match and steps
through them. Enter or F3 goes to the next match, Shift+Enter or Shift+F3 to the previous one,
Esc closes the bar."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from gui.message_list import MessageListModel
from gui.message_view import MessageListView


class FindBar(QWidget):
    """Marks the find text in the shown chat and selects one match at a time."""

    closed = Signal()

    def __init__(
        self, model: MessageListModel, view: MessageListView, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.view = view
        self.current = -1  # position in the list of matching rows
        self.field = QLineEdit()
        self.field.setPlaceholderText(self.tr("Find in this chat"))
        self.field.setAccessibleName(self.tr("Find in chat"))
        self.field.setClearButtonEnabled(True)
        self.field.textChanged.connect(self.find_text)
        self.count = QLabel("")
        self.count.setAccessibleName(self.tr("Matches"))
        previous = QToolButton()
        previous.setText("↑")
        previous.setToolTip(self.tr("Previous match (Shift+Enter)"))
        previous.setAccessibleName(self.tr("Previous match"))
        previous.clicked.connect(lambda: self.step(-1))
        following = QToolButton()
        following.setText("↓")
        following.setToolTip(self.tr("Next match (Enter)"))
        following.setAccessibleName(self.tr("Next match"))
        following.clicked.connect(lambda: self.step(1))
        close = QToolButton()
        close.setText("✕")
        close.setToolTip(self.tr("Close (Esc)"))
        close.setAccessibleName(self.tr("Close find bar"))
        close.clicked.connect(self.close_bar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.count)
        layout.addWidget(previous)
        layout.addWidget(following)
        layout.addWidget(close)
        self.field.installEventFilter(self)
        self.hide()

    def open_bar(self) -> None:
        self.show()
        self.field.setFocus()
        self.field.selectAll()
        self.find_text()

    def close_bar(self) -> None:
        self.model.set_find_text("")
        self.hide()
        self.closed.emit()

    def find_text(self) -> None:
        """Mark the matches of the text typed and select the last one (the newest)."""
        self.model.set_find_text(self.field.text())
        rows = self.model.matching_rows()
        self.current = len(rows) - 1
        self._show(rows)

    def refresh(self) -> None:
        """The chat changed (another chat shown, a message added): find again."""
        if self.isVisible():
            self.model.set_find_text("")
            self.find_text()

    def step(self, direction: int) -> None:
        rows = self.model.matching_rows()
        if not rows:
            return
        self.current = (self.current + direction) % len(rows)
        self._show(rows)

    def _show(self, rows: list[int]) -> None:
        if not self.field.text():
            self.count.setText("")
            return
        if not rows:
            self.count.setText(self.tr("No matches"))
            self.view.clearSelection()
            return
        self.count.setText(
            self.tr("{current} of {count}").format(current=self.current + 1, count=len(rows))
        )
        index = self.model.index(rows[self.current])
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, self.view.ScrollHint.PositionAtCenter)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is not self.field or not isinstance(event, QKeyEvent):
            return False
        if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Escape:
            event.accept()  # Esc closes the bar, even while Esc also means Stop elsewhere
            return True
        if event.type() == QEvent.Type.KeyPress:
            key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F3):
                self.step(-1 if shift else 1)
                return True
            if key == Qt.Key.Key_Escape:
                self.close_bar()
                return True
        return False
