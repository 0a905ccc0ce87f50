"""The chat bubble delegate: draws each message of the message list as a wrapped bubble.

Text is laid out as plain text (``QTextLayout``), so markup in a message is shown literally.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from gui.message_list import (
    BOUNDARY_TEXT,
    LINE_SEPARATOR,
    TYPING_TEXT,
    BoundaryRole,
    FindRole,
    PendingRole,
    RoleRole,
    SeenRole,
    TimeRole,
)

Index = QModelIndex | QPersistentModelIndex
TextSize = tuple[float, float]  # width, height


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
