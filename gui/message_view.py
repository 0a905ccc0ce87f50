"""The message list view: the chat's messages as bubbles, selectable and keyboard-driven."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDesktopServices,
    QFocusEvent,
    QKeyEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from gui.bubble_delegate import BubbleDelegate
from gui.markdown_render import is_safe_link


class MessageListView(QListView):
    """The list view configured for chat: smooth scrolling, selectable, rows of varying height.

    Text typed while it has the focus is handed on (``typed``) instead of jumping to a
    message that starts with it, as a list's type-ahead would: the user meant to write.

    A list scrolled to the bottom stays there when its rows are laid out again (a resize,
    a zoom, a reply growing), so the newest messages are never hidden below the edge.
    """

    AT_BOTTOM_SLACK = 4  # pixels: a list this close to the bottom counts as at the bottom

    typed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        delegate = BubbleDelegate(self)
        # Links in replies open in the desktop's browser on click, and only http(s) ones.
        delegate.link_activated.connect(open_safe_link)
        self.setItemDelegate(delegate)
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
        self.setAccessibleDescription(
            self.tr("The chat, oldest first; arrow keys pick a message, the Menu key acts on it")
        )
        self._at_bottom = True
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._remember_position)
        bar.rangeChanged.connect(self._keep_at_bottom)

    def _remember_position(self, value: int) -> None:
        self._at_bottom = value >= self.verticalScrollBar().maximum() - self.AT_BOTTOM_SLACK

    def _keep_at_bottom(self, _minimum: int, maximum: int) -> None:
        # A new layout changes the range before it clamps the value: pin to the new bottom
        # here, before the clamping would count as the user's own scrolling.
        if self._at_bottom:
            self.verticalScrollBar().setValue(maximum)

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

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        """Keyboard focus arriving with no current message makes the last one on screen
        current, so the focus shows on a message (a list would pick its first row, often
        far above); the user's selection stays as it was."""
        if event.reason() != Qt.FocusReason.MouseFocusReason and not self.currentIndex().isValid():
            index = self._last_visible_index()
            if index.isValid():
                self.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.NoUpdate
                )
        super().focusInEvent(event)

    def _last_visible_index(self) -> QModelIndex:
        """The lowest message at least partly on screen, else the last message."""
        model = self.model()
        if model is None or model.rowCount() == 0:
            return QModelIndex()
        bottom = self.indexAt(self.viewport().rect().bottomLeft())
        return bottom if bottom.isValid() else model.index(model.rowCount() - 1, 0)


def open_safe_link(href: str) -> None:
    """A link clicked in a reply: handed to the desktop only if it is http(s)."""
    if is_safe_link(href):
        QDesktopServices.openUrl(QUrl(href))
