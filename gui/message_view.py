"""The message list view: the chat's messages as bubbles, selectable and keyboard-driven."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from gui.bubble_delegate import BubbleDelegate


class MessageListView(QListView):
    """The list view configured for chat: smooth scrolling, selectable, rows of varying height.

    Text typed while it has the focus is handed on (``typed``) instead of jumping to a
    message that starts with it, as a list's type-ahead would: the user meant to write.
    """

    typed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(BubbleDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAccessibleName("Messages")

    def selected_text(self) -> str:
        """The selected messages' text, in conversation order, separated by blank lines."""
        rows = sorted(index.row() for index in self.selectionModel().selectedIndexes())
        model = self.model()
        return "\n\n".join(str(model.index(row, 0).data()) for row in rows)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        text = event.text()
        plain = not event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier
            | Qt.KeyboardModifier.AltModifier
            | Qt.KeyboardModifier.MetaModifier
        )
        if plain and text and text.isprintable():
            self.typed.emit(text)
            return
        super().keyPressEvent(event)

    def keyboardSearch(self, search: str) -> None:  # noqa: N802
        """No type-ahead: typed text goes to the input box (see ``keyPressEvent``)."""

    def event(self, event: QEvent) -> bool:
        return self._keyboard_menu(event) or super().event(event)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802
        return self._keyboard_menu(event) or super().viewportEvent(event)

    def _keyboard_menu(self, event: QEvent) -> bool:
        """The Menu key opens the menu of the message with the keyboard focus, at that
        message (not wherever the mouse pointer happens to be)."""
        current = self.currentIndex()
        if (
            isinstance(event, QContextMenuEvent)
            and event.reason() == QContextMenuEvent.Reason.Keyboard
            and current.isValid()
        ):
            self.customContextMenuRequested.emit(self.visualRect(current).center())
            return True
        return False

    def resizeEvent(self, event: object) -> None:  # noqa: N802
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.scheduleDelayedItemsLayout()
