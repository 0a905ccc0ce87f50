"""The sidebar: every chat of the library, grouped by when it was last used.

``ChatListModel`` observes the library and lists its chats as rows under group headers
(Pinned, Today, Yesterday, Previous 7 days, Older, Opened files). Headers are rows that cannot
be selected. The model rebuilds its rows between ``beginResetModel`` and ``endResetModel``
whenever the library changes, so views never see a row count that disagrees with the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QContextMenuEvent, QFont, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.library import Chat, ChatLibrary, LibraryObserver
from gui.i18n import QT_TRANSLATE_NOOP

ChatRole = Qt.ItemDataRole.UserRole + 1
IsHeaderRole = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex

# The groups in order; a header shows QCoreApplication.translate("ChatListModel", name).
GROUP_ORDER = (
    QT_TRANSLATE_NOOP("ChatListModel", "Pinned"),
    QT_TRANSLATE_NOOP("ChatListModel", "Today"),
    QT_TRANSLATE_NOOP("ChatListModel", "Yesterday"),
    QT_TRANSLATE_NOOP("ChatListModel", "Previous 7 days"),
    QT_TRANSLATE_NOOP("ChatListModel", "Older"),
    QT_TRANSLATE_NOOP("ChatListModel", "Opened files"),
)


def group_of(chat: Chat, now: datetime) -> str:
    """The sidebar group a chat belongs to, by the local date of its last message."""
    if chat.external:
        return "Opened files"
    if chat.pinned:
        return "Pinned"
    day = chat.sort_time.astimezone().date()
    today = now.astimezone().date()
    if day >= today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    if day > today - timedelta(days=8):
        return "Previous 7 days"
    return "Older"


def describe_time(moment: datetime | None, now: datetime) -> str:
    """``14:02`` today, ``Mon 14:02`` this week, else ``2026-11-03``."""
    if moment is None:
        return QCoreApplication.translate("ChatListModel", "new")
    local = moment.astimezone()
    today = now.astimezone().date()
    if local.date() == today:
        return local.strftime("%H:%M")
    if local.date() > today - timedelta(days=7):
        return local.strftime("%a %H:%M")
    return local.strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Row:
    header: str = ""
    chat: Chat | None = None


class ChatListModel(QAbstractListModel):
    """The library's chats under group headers; rebuilt as the library changes."""

    def __init__(self, library: ChatLibrary, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self._rows: list[Row] = []
        self._observer = _LibraryAdapter(self)
        library.observers.append(self._observer)
        # Many changes in one go (a start-up scan, a reply's stream of busy flags) make one
        # rebuild: the model is rebuilt on the next turn of the event loop.
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(0)
        self._rebuild_timer.timeout.connect(self.rebuild)
        self.rebuild()

    def detach(self) -> None:
        if self._observer in self.library.observers:
            self.library.observers.remove(self._observer)

    def schedule_rebuild(self) -> None:
        self._rebuild_timer.start()

    def rebuild(self) -> None:
        """Recompute the rows from the library."""
        now = datetime.now().astimezone()
        grouped: dict[str, list[Chat]] = {name: [] for name in GROUP_ORDER}
        for chat in self.library.sorted_chats():
            if chat.path is not None:  # a chat nobody typed in yet is not listed
                grouped[group_of(chat, now)].append(chat)
        rows: list[Row] = []
        for name in GROUP_ORDER:
            if grouped[name]:
                rows.append(Row(header=name))
                rows.extend(Row(chat=chat) for chat in grouped[name])
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    # -- Qt model interface --------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return Qt.ItemFlag.NoItemFlags
        if self._rows[index.row()].chat is None:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == IsHeaderRole:
            return row.chat is None
        if role == Qt.ItemDataRole.SizeHintRole:
            # As narrow as can be: each row then takes the list's own width and its text
            # is elided, rather than widening the list to the longest title.
            return QSize(1, 2 * QFontMetrics(QFont()).lineSpacing() + 6)
        if row.chat is None:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return QCoreApplication.translate("ChatListModel", row.header)
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                font.setPointSizeF(font.pointSizeF() * 0.9)
                return font
            return None
        chat = row.chat
        now = datetime.now().astimezone()
        title = chat.title or self.tr("New chat")
        unread = chat.transcript is None and chat.last_message_at is None and not chat.damaged
        when = self.tr("reading…") if unread else describe_time(chat.last_message_at, now)
        state = self.tr(" · replying…") if chat.busy else ""
        if role == Qt.ItemDataRole.DisplayRole:
            if chat.damaged:
                return self.tr("⚠ {title}\ndamaged: cannot be read").format(title=title)
            return f"{title}\n{when}{state}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            kind = self.tr("damaged chat") if chat.damaged else self.tr("chat")
            return f"{title}, {kind}, {when}{state}"
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [title]
            if chat.path is not None:
                lines.append(str(chat.path))
            if chat.damaged:
                lines.append(chat.error)
            return "\n".join(lines)
        if role == ChatRole:
            return chat
        return None

    # -- lookups -------------------------------------------------------------------------------
    def row_of(self, chat: Chat) -> int:
        return next((i for i, row in enumerate(self._rows) if row.chat is chat), -1)

    def chat_at(self, row: int) -> Chat | None:
        return self._rows[row].chat if 0 <= row < len(self._rows) else None

    def chats_shown(self) -> list[Chat]:
        return [row.chat for row in self._rows if row.chat is not None]


class _LibraryAdapter(LibraryObserver):
    """Turns the library's calls into rebuilds of the model."""

    def __init__(self, model: ChatListModel) -> None:
        self.model = model

    def chat_added(self, chat: Chat) -> None:
        self.model.schedule_rebuild()

    def chat_changed(self, chat: Chat) -> None:
        self.model.schedule_rebuild()

    def chat_removed(self, chat: Chat) -> None:
        if self.model.row_of(chat) >= 0:
            # At once: a removed chat must not stay reachable through the model.
            self.model.rebuild()


class ChatListView(QListView):
    """The sidebar's list: click or arrow keys switch chats, Del deletes, right-click offers
    the chat's actions."""

    chat_activated = Signal(object)  # Chat
    delete_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context_actions: list[QAction] = []
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Every row is two lines high (a title and a time; headers too): with thousands of
        # chats, measuring each row made every rebuild of the list take seconds.
        self.setUniformItemSizes(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        # Titles are cut with "…" at the sidebar's width, never scrolled sideways.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName(self.tr("Chats"))
        self.setAccessibleDescription(
            self.tr("Every chat, newest first. Enter or click opens one.")
        )
        self.setMinimumWidth(160)

    def select_chat(self, chat: Chat) -> None:
        model = self.model()
        if not isinstance(model, ChatListModel):
            return
        row = model.row_of(chat)
        if row < 0:
            self.clearSelection()
            return
        index = model.index(row)
        self.selectionModel().setCurrentIndex(
            index, self.selectionModel().SelectionFlag.ClearAndSelect
        )
        self.scrollTo(index)

    def currentChanged(self, current: Index, previous: Index) -> None:  # noqa: N802
        super().currentChanged(current, previous)
        chat = current.data(ChatRole) if current.isValid() else None
        if isinstance(chat, Chat):
            self.chat_activated.emit(chat)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        """Right-click: switch to the chat under the pointer, then offer its actions."""
        index = self.indexAt(event.pos())
        if not index.isValid() or not isinstance(index.data(ChatRole), Chat):
            return
        self.setCurrentIndex(index)
        menu = QMenu(self)
        for action in self.context_actions:
            menu.addAction(action)
        menu.exec(event.globalPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Delete:
            self.delete_pressed.emit()
            return
        super().keyPressEvent(event)


class Sidebar(QWidget):
    """The chat list with a New Chat button above it and the Trash below it."""

    def __init__(self, model: ChatListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.new_button = QPushButton(self.tr("New Chat"))
        self.new_button.setToolTip(self.tr("Start a new chat (Ctrl+N)"))
        self.chat_list = ChatListView()
        self.chat_list.setModel(model)
        self.trash_button = QToolButton()
        self.trash_button.setText(self.tr("Trash"))
        self.trash_button.setToolTip(self.tr("Deleted chats: restore one, or empty the trash"))
        self.trash_button.setAccessibleName(self.tr("Trash"))
        self.trash_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.new_button)
        layout.addWidget(self.chat_list, 1)
        layout.addWidget(self.trash_button)
