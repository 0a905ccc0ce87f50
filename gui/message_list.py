"""The message list: a list model over the conversation and a delegate drawing chat bubbles.

Text is always laid out as plain text (``QTextLayout``), so markup in a message is shown
literally and never interpreted. While a reply is being generated, the model holds one extra
row at the end: a typing indicator, or the text streamed so far.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFontMetricsF,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from core.conversation import Message

RoleRole = Qt.ItemDataRole.UserRole + 1
TimeRole = Qt.ItemDataRole.UserRole + 2
PendingRole = Qt.ItemDataRole.UserRole + 3
FindRole = Qt.ItemDataRole.UserRole + 4  # the text Find in Chat looks for, on matching rows
SeenRole = Qt.ItemDataRole.UserRole + 5  # "all", "part" or "none": what the bot's next input holds
BoundaryRole = Qt.ItemDataRole.UserRole + 6  # the first row the bot sees, after unseen ones
BOUNDARY_TEXT = "The bot can't see above this line"
TYPING_TEXT = "typing…"
LINE_SEPARATOR = "\u2028"

Index = QModelIndex | QPersistentModelIndex
TextSize = tuple[float, float]  # width, height


@dataclass
class PendingReply:
    """The bot reply being generated: empty text means the typing indicator is shown."""

    text: str = ""


def how_made(message: Message) -> str:
    """How a reply was made, from its meta: model, engine, settings, tokens, time, speed."""
    meta = message.meta
    lines = []
    when = message.created_at
    if when is not None:
        lines.append(when.astimezone().strftime("%Y-%m-%d %H:%M:%S"))
    if message.role != "assistant":
        return "\n".join(lines) or "No time was recorded for this message."
    if meta.get("model"):
        lines.append(f"Model: {meta['model']}")
    if meta.get("engine"):
        lines.append(f"Engine: {meta['engine']}")
    settings = meta.get("settings")
    if isinstance(settings, dict):
        shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(settings.items()))
        lines.append(f"Settings: {shown or 'the model defaults'}")
    tokens, seconds = meta.get("tokens"), meta.get("reply_s")
    if isinstance(tokens, int) and isinstance(seconds, int | float):
        speed = f", {tokens / seconds:.1f} tokens/s" if seconds > 0 else ""
        lines.append(f"{tokens} tokens in {seconds:.1f} s{speed}")
    if meta.get("stopped"):
        lines.append("Stopped before it ended.")
    if meta.get("continued"):
        lines.append(f"Continued {meta['continued']} time(s).")
    if meta.get("edited"):
        lines.append("Edited by you.")
    if meta.get("host"):
        lines.append(f"Server: {meta.get('server_model') or '?'} @ {meta['host']}")
    if meta.get("cut"):
        lines.append("Cut at the length limit: Continue (Ctrl+Shift+Enter) carries it on.")
    if meta.get("interrupted"):
        lines.append(f"Interrupted: {meta['interrupted']}")
    reasoning = meta.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        shown = reasoning if len(reasoning) <= 1500 else reasoning[:1500] + "…"
        lines.append(f"Reasoning (not part of the answer, never sent back):\n{shown}")
    if len(lines) <= 1:
        lines.append("No details were recorded for this reply.")
    return "\n".join(lines)


def mark_of(message: Message) -> str:
    """What a message's bubble says of it besides its time: which of its versions is shown
    (‹ 2/3 ›), stopped, or left unanswered."""
    marks = []
    if len(message.versions) > 1:
        marks.append(f"‹ {message.chosen + 1}/{len(message.versions)} ›")
    if message.meta.get("stopped"):
        marks.append("stopped")
    if message.meta.get("cut"):
        marks.append("cut at the length limit")
    if message.meta.get("interrupted"):
        marks.append("interrupted")
    if message.meta.get("reasoning"):
        marks.append("reasoning in Message Info")
    if message.meta.get("edited"):
        marks.append("edited")
    if message.meta.get("no_reply") == "stopped":
        marks.append("no reply (stopped)")
    return " · ".join(marks)


class MessageListModel(QAbstractListModel):
    """Rows are the conversation's messages, plus the pending reply while one is generated."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._messages: list[Message] = []
        self._pending: PendingReply | None = None
        self._find_text = ""
        self._match_cache: set[int] | None = None
        self._first_seen = 0  # rows above it are outside the bot's next input
        self._partly_seen = -1  # a row cut to its last tokens in that input
        self._partly_tokens = (0, 0)  # of that row: tokens the bot sees, tokens in all

    # -- Qt model interface --------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid():
            return 0
        return len(self._messages) + (1 if self._pending is not None else 0)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        if index.row() == len(self._messages):
            assert self._pending is not None
            values: dict[int, object] = {
                Qt.ItemDataRole.DisplayRole: self._pending.text or TYPING_TEXT,
                RoleRole: "assistant",
                TimeRole: "",
                PendingRole: True,
            }
            return values.get(role)
        message = self._messages[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return message.content
        if role == RoleRole:
            return message.role
        if role == TimeRole:
            when = message.created_at
            stamp = "" if when is None else when.astimezone().strftime("%H:%M")
            partly = "partly seen by the bot" if self._seen(index.row(), message) == "part" else ""
            return " · ".join(part for part in (stamp, mark_of(message), partly) if part)
        if role == PendingRole:
            return False
        if role == FindRole:
            return self._find_text if index.row() in self._matches() else ""
        if role == SeenRole:
            return self._seen(index.row(), message)
        if role == BoundaryRole:
            return index.row() == self._first_seen > 0
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [how_made(message)]
            seen = self._seen(index.row(), message)
            if seen == "none":
                lines.append("The bot can no longer see this message: it is outside its input.")
            elif seen == "part":
                sees, total = self._partly_tokens
                lines.append(
                    f"The bot sees only the last {sees} of its {total} tokens."
                    if total
                    else "The bot sees only the last part of this message."
                )
            return "\n".join(lines)
        return None

    # -- what the bot sees --------------------------------------------------------------------
    def _seen(self, row: int, message: Message) -> str:
        if message.role == "system":
            return "all"  # notes are never sent, so they are not "unseen" either
        if row < self._first_seen:
            return "none"
        return "part" if row == self._partly_seen else "all"

    def set_seen(
        self, first_seen: int, partly_seen: int = -1, partly_tokens: tuple[int, int] = (0, 0)
    ) -> None:
        """Rows before ``first_seen`` are outside the bot's next input; ``partly_seen`` is a
        row of which it sees only the last tokens (-1: none): ``partly_tokens`` of them."""
        self._partly_tokens = partly_tokens
        if (first_seen, partly_seen) == (self._first_seen, self._partly_seen):
            return
        self._first_seen, self._partly_seen = first_seen, partly_seen
        if self._messages:
            # Every row: the boundary's row changes height.
            self.layoutAboutToBeChanged.emit()
            self.layoutChanged.emit()

    # -- find in chat --------------------------------------------------------------------------
    def set_find_text(self, text: str) -> None:
        """Mark every occurrence of ``text`` (any case) in the messages; "" clears the marks."""
        if text == self._find_text:
            return
        self._find_text = text
        self._match_cache = None
        if self._messages:
            self.dataChanged.emit(self.index(0), self.index(len(self._messages) - 1), [FindRole])

    def _matches(self) -> set[int]:
        if self._match_cache is None:
            self._match_cache = set(self.matching_rows())
        return self._match_cache

    def matching_rows(self) -> list[int]:
        """The rows whose text holds the find text, in order."""
        needle = self._find_text.casefold()
        if not needle:
            return []
        return [i for i, m in enumerate(self._messages) if needle in m.content.casefold()]

    # -- changes, each made by the model itself between begin* and end* -----------------------
    def set_messages(self, messages: list[Message], pending_text: str | None = None) -> None:
        """Show a copy of ``messages``, and the reply being written when ``pending_text`` is
        not None (the model owns its rows, so nothing changes them behind its back)."""
        self.beginResetModel()
        self._match_cache = None
        self._first_seen, self._partly_seen = 0, -1  # until the new chat is measured
        self._messages = list(messages)
        self._pending = None if pending_text is None else PendingReply(pending_text)
        self.endResetModel()

    def append_message(self, message: Message) -> None:
        """Add ``message`` at the end (before the pending row, if there is one)."""
        row = len(self._messages)
        self.beginInsertRows(QModelIndex(), row, row)
        self._match_cache = None
        self._messages.append(message)
        self.endInsertRows()

    def replace_message(self, message: Message) -> None:
        """``message`` (the same object) changed, e.g. it was marked: redraw its row."""
        row = next((i for i, m in enumerate(self._messages) if m is message), -1)
        if row >= 0:
            self.dataChanged.emit(self.index(row), self.index(row))

    def start_pending(self) -> None:
        """Add the typing indicator row."""
        if self._pending is not None:
            return
        row = len(self._messages)
        self.beginInsertRows(QModelIndex(), row, row)
        self._pending = PendingReply()
        self.endInsertRows()

    def set_pending_text(self, text: str) -> None:
        """Show the reply streamed so far; only that row is updated."""
        if self._pending is None:
            return
        self._pending.text = text
        index = self.index(len(self._messages))
        self.dataChanged.emit(index, index)

    def end_pending(self) -> None:
        """Remove the pending row (stopped or failed reply)."""
        if self._pending is None:
            return
        row = len(self._messages)
        self.beginRemoveRows(QModelIndex(), row, row)
        self._pending = None
        self.endRemoveRows()


class BubbleDelegate(QStyledItemDelegate):
    """Draws a message as a wrapped bubble: the user's on the right, the bot's on the left."""

    MARGIN = 8
    PADDING = 10
    MAX_BUBBLE_FRACTION = 0.75

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout_cache: dict[tuple[str, int, str], TextSize] = {}

    def _bubble_width(self, option: QStyleOptionViewItem) -> int:
        return max(80, int(option.rect.width() * self.MAX_BUBBLE_FRACTION) - 2 * self.PADDING)

    def _layout(
        self, text: str, option: QStyleOptionViewItem, width: int, find: str = ""
    ) -> QTextLayout:
        # QTextLayout breaks lines only at U+2028, not at "\n".
        shown = text.replace("\r\n", "\n").replace("\n", LINE_SEPARATOR)
        layout = QTextLayout(shown, option.font)
        if find:
            layout.setFormats(find_marks(shown, find, option.palette))
        text_option = QTextOption()
        text_option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(text_option)
        layout.beginLayout()
        height = 0.0
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            line.setPosition(QPointF(0, height))
            height += line.height()
        layout.endLayout()
        return layout

    def _text_size(self, text: str, option: QStyleOptionViewItem) -> TextSize:
        width = self._bubble_width(option)
        key = (text, width, option.font.key())
        cached = self._layout_cache.get(key)
        if cached is None:
            layout = self._layout(text, option, width)
            rect = layout.boundingRect()
            natural = max(
                (layout.lineAt(i).naturalTextWidth() for i in range(layout.lineCount())),
                default=0.0,
            )
            cached = (min(float(width), natural), rect.height())
            if len(self._layout_cache) > 20000:
                self._layout_cache.clear()
            self._layout_cache[key] = cached
        return cached

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        self.initStyleOption(option, index)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        _, height = self._text_size(text, option)
        time_height = QFontMetricsF(option.font).height() * 0.8
        boundary = self._boundary_height(option) if index.data(BoundaryRole) else 0.0
        return QSize(
            option.rect.width(),
            int(height + time_height + 2 * self.PADDING + self.MARGIN + boundary),
        )

    def _boundary_height(self, option: QStyleOptionViewItem) -> float:
        return QFontMetricsF(option.font).height() * 1.6

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        role = str(index.data(RoleRole))
        pending = bool(index.data(PendingRole))
        width, height = self._text_size(text, option)
        time_text = str(index.data(TimeRole) or "")
        metrics = QFontMetricsF(option.font)
        width = max(width, metrics.horizontalAdvance(time_text) * 0.8)
        bubble_w = width + 2 * self.PADDING
        bubble_h = height + metrics.height() * 0.8 + 2 * self.PADDING
        rect = QRectF(option.rect)
        painter.save()
        if index.data(BoundaryRole):
            # A thin line with its caption: the bot's input starts below it.
            band = self._boundary_height(option)
            muted = option.palette.color(QPalette.ColorRole.PlaceholderText)
            painter.setPen(muted)
            middle = rect.top() + band / 2
            painter.drawLine(QPointF(rect.left() + 8, middle), QPointF(rect.right() - 8, middle))
            caption = QRectF(rect.left(), rect.top(), rect.width(), band)
            label_width = metrics.horizontalAdvance(BOUNDARY_TEXT) + 16
            label = QRectF(rect.center().x() - label_width / 2, rect.top(), label_width, band)
            painter.fillRect(label, option.palette.color(QPalette.ColorRole.Base))
            painter.drawText(caption, int(Qt.AlignmentFlag.AlignCenter), BOUNDARY_TEXT)
            rect.setTop(rect.top() + band)
        if index.data(SeenRole) == "none":
            painter.setOpacity(0.45)  # dimmed: the bot no longer sees it
        if role == "user":
            left = rect.right() - self.MARGIN - bubble_w
        elif role == "system":
            left = rect.left() + (rect.width() - bubble_w) / 2
        else:
            left = rect.left() + self.MARGIN
        bubble = QRectF(left, rect.top() + self.MARGIN / 2, bubble_w, bubble_h)

        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if role == "user":
            fill, ink = QColor("#2f6fde"), QColor("white")
        elif role == "system":
            fill, ink = QColor("#fff4d6"), QColor("#5a4a1a")
        else:
            fill, ink = QColor("#e9ebef"), QColor("#1d1f23")
        if selected:
            fill = palette.color(QPalette.ColorRole.Highlight)
            ink = palette.color(QPalette.ColorRole.HighlightedText)

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        path = QPainterPath()
        path.addRoundedRect(bubble, 12, 12)
        painter.fillPath(path, fill)
        painter.setPen(ink)
        if pending and text == TYPING_TEXT:
            option.font.setItalic(True)
        find = str(index.data(FindRole) or "")
        layout = self._layout(text, option, self._bubble_width(option), find)
        layout.draw(painter, QPointF(bubble.left() + self.PADDING, bubble.top() + self.PADDING))
        small = QColor(ink)
        small.setAlpha(150)
        painter.setPen(small)
        time_font = option.font
        time_font.setPointSizeF(max(6.0, option.font.pointSizeF() * 0.8))
        painter.setFont(time_font)
        time_rect = QRectF(
            bubble.left() + self.PADDING,
            bubble.bottom() - self.PADDING - metrics.height() * 0.8,
            bubble_w - 2 * self.PADDING,
            metrics.height() * 0.8,
        )
        painter.drawText(time_rect, int(Qt.AlignmentFlag.AlignRight), time_text)
        painter.restore()
        painter.restore()


def find_marks(text: str, find: str, palette: QPalette) -> list[QTextLayout.FormatRange]:
    """A marked range for each occurrence of ``find`` in ``text``, in any case."""
    mark = QTextCharFormat()
    # Not the palette's Highlight: the message holding the current match is selected, and
    # its bubble is drawn in that colour.
    mark.setBackground(QColor(Qt.GlobalColor.yellow))
    mark.setForeground(QColor(Qt.GlobalColor.black))
    ranges = []
    for match in re.finditer(re.escape(find), text, re.IGNORECASE):
        marked = QTextLayout.FormatRange()
        marked.start, marked.length, marked.format = match.start(), len(match.group()), mark
        ranges.append(marked)
    return ranges


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
