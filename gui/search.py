"""Searching every chat: the index refreshed in the background, and the Search All Chats panel.

``IndexRefresher`` reads changed chat files into the index on a plain thread with its own
index connection, reporting progress through queued signals. ``SearchPanel`` is a non-modal
dialog (Ctrl+Shift+F): each hit shows the chat, the time and a snippet with the match marked;
Enter or a double-click opens the chat at that message.
"""

from __future__ import annotations

import html
import logging
import threading
from pathlib import Path

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from core.search_index import (
    MATCH_END,
    MATCH_START,
    IndexUnavailable,
    SearchHit,
    SearchIndex,
)

log = logging.getLogger(__name__)

HitRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex
MAX_RESULTS = 200


class IndexRefresher(QObject):
    """Brings the index up to date with the files, off the GUI thread."""

    progress = Signal(int, int)  # done, total
    finished = Signal(list)  # list[ChatSummary]
    failed = Signal(str)

    def __init__(self, db_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.stop = threading.Event()
        self.worker_thread: threading.Thread | None = None

    def start(self, paths: list[Path]) -> None:
        self.worker_thread = threading.Thread(
            target=self._run, args=(paths,), name="confab-index", daemon=True
        )
        self.worker_thread.start()

    def _run(self, paths: list[Path]) -> None:
        try:
            index = SearchIndex(self.db_path)
            try:
                summaries = index.refresh(paths, self.progress.emit, self.stop.is_set)
            finally:
                index.close()
        except IndexUnavailable as error:
            log.warning("refreshing the index failed: %s", error)
            self.failed.emit(str(error))
            return
        self.finished.emit(summaries)

    def shutdown(self, timeout_s: float = 1.0) -> None:
        self.stop.set()
        if self.worker_thread is not None:
            self.worker_thread.join(timeout_s)


def snippet_html(snippet: str) -> str:
    """The snippet as HTML: its text escaped, each match in bold."""
    escaped = html.escape(snippet)
    return escaped.replace(MATCH_START, "<b><u>").replace(MATCH_END, "</u></b>")


class HitDelegate(QStyledItemDelegate):
    """Draws a hit: the chat's title and time, then the snippet with its matches marked."""

    def _document(
        self, option: QStyleOptionViewItem, hit: SearchHit, selected: bool = False
    ) -> QTextDocument:
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        moment = hit.created_at
        when = "" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")
        speakers = {"user": self.tr("You"), "assistant": self.tr("Bot")}
        speaker = speakers.get(hit.role, self.tr("Note"))
        title = hit.chat_title or self.tr("Untitled chat")
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setDefaultStyleSheet(f"body {{ color: {option.palette.color(role).name()}; }}")
        document.setHtml(
            f"<b>{html.escape(title)}</b>"
            f" &nbsp;<small>{when}</small><br>{speaker}: {snippet_html(hit.snippet)}"
        )
        document.setTextWidth(max(100, option.rect.width() - 8))
        return document

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        hit = index.data(HitRole)
        if not isinstance(hit, SearchHit):
            return super().sizeHint(option, index)
        document = self._document(option, hit)
        return QSize(int(document.idealWidth()), int(document.size().height()) + 8)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        hit = index.data(HitRole)
        if not isinstance(hit, SearchHit):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(option.rect, option.palette.color(QPalette.ColorRole.Highlight))
        document = self._document(option, hit, selected)
        painter.save()
        painter.translate(option.rect.left() + 4, option.rect.top() + 4)
        document.drawContents(painter)
        painter.restore()


class SearchPanel(QDialog):
    """Search All Chats: type, see hits as you type, Enter opens one."""

    hit_chosen = Signal(object)  # SearchHit

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Search All Chats"))
        self.index: SearchIndex | None = None
        self.query = QLineEdit()
        self.query.setPlaceholderText(self.tr('Words, or "a phrase in quotes"'))
        self.query.setAccessibleName(self.tr("Search all chats"))
        self.query.setAccessibleDescription(
            self.tr("Words to find in every chat; Enter opens the chosen result")
        )
        self.query.setClearButtonEnabled(True)
        self.query.textChanged.connect(self.run_search)
        self.query.returnPressed.connect(self.choose_current)
        self.status = QLabel("")
        self.status.setAccessibleName(self.tr("Search results count"))
        self.results = QListWidget()
        self.results.setAccessibleName(self.tr("Search results"))
        self.results.setAccessibleDescription(self.tr("Matching messages; Enter opens one"))
        self.results.setItemDelegate(HitDelegate(self.results))
        self.results.setWordWrap(True)
        self.results.itemActivated.connect(lambda item: self._choose(item))
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        self.resize(620, 520)

    def set_index(self, index: SearchIndex | None) -> None:
        self.index = index

    def run_search(self) -> None:
        self.results.clear()
        text = self.query.text()
        if not text.strip():
            self.status.setText("")
            return
        if self.index is None:
            self.status.setText(self.tr("Search is not available: the index could not be opened."))
            return
        try:
            hits = self.index.search(text, MAX_RESULTS)
        except IndexUnavailable as error:
            self.status.setText(self.tr("Search failed: {error}").format(error=error))
            return
        for hit in hits:
            item = QListWidgetItem()
            item.setData(HitRole, hit)
            plain = hit.snippet.replace(MATCH_START, "").replace(MATCH_END, "")
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{hit.chat_title}: {plain}")
            self.results.addItem(item)
        count = len(hits)
        more = "+" if count == MAX_RESULTS else ""
        self.status.setText(
            self.tr("{count} message(s) found").format(count=f"{count}{more}")
            if count
            else self.tr("Nothing found")
        )
        if count:
            self.results.setCurrentRow(0)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        # Up and Down move through the results while the cursor stays in the search field.
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.results.count():
            step = -1 if event.key() == Qt.Key.Key_Up else 1
            row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
            self.results.setCurrentRow(row)
            return
        super().keyPressEvent(event)

    def choose_current(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self._choose(item)

    def _choose(self, item: QListWidgetItem) -> None:
        hit = item.data(HitRole)
        if isinstance(hit, SearchHit):
            self.hit_chosen.emit(hit)
