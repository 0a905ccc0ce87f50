"""The chat bubble delegate: draws each message of the message list as a wrapped bubble.

User messages and notes are laid out as plain text (``QTextLayout``), so markup in them is
shown literally. The bot's replies are rendered as Markdown through ``ReplyDocument`` (raw
HTML off, no images, links opened only on click and only for http(s)), unless the view
asks for plain text. Every colour comes from the palette and the theme that goes with it
(``gui.theme``). Long messages are folded with a "Show more" link.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
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
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from gui.markdown_render import ReplyDocument, code_blocks, link_at
from gui.message_list import (
    BOUNDARY_TEXT,
    LINE_SEPARATOR,
    TYPING_TEXT,
    BoundaryRole,
    FindRole,
    FoldRole,
    PendingRole,
    RoleRole,
    SeenRole,
    TimeRole,
)
from gui.theme import BubbleColors, Theme, colors_for

Index = QModelIndex | QPersistentModelIndex
TextSize = tuple[float, float]  # width, height
MAX_DOCUMENTS = 300  # Markdown documents kept laid out (a screenful needs a few dozen)


@dataclass
class Bubble:
    """Where one message's parts are drawn, in view coordinates (paint and clicks share it)."""

    rect: QRectF  # the bubble
    text_origin: QPointF
    text_width: float
    colors: BubbleColors
    document: QTextDocument | None  # a Markdown reply; None: plain text
    time_rect: QRectF
    fold_rect: QRectF | None = None  # "Show more" / "Show less"
    copy_buttons: list[tuple[QRectF, str]] = field(default_factory=list)  # rect, code


class BubbleDelegate(QStyledItemDelegate):
    """Draws a message as a wrapped bubble: the user's on the right, the bot's on the left."""

    link_activated = Signal(str)  # an http(s) link in a reply was clicked
    code_copied = Signal(str)  # a code block's Copy button put this text on the clipboard
    fold_toggled = Signal(int)  # the row whose "Show more" / "Show less" was clicked

    MARGIN = 14  # between rows: room for the selection and focus rings
    PADDING = 10
    MAX_BUBBLE_FRACTION = 0.75
    READABLE_CHARS = 76  # a bubble's text is never wider than this many average characters
    RADIUS = 12

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.markdown = True  # False: View > Replies as Plain Text
        self._layout_cache: dict[tuple[str, int, str], TextSize] = {}
        self._documents: OrderedDict[tuple[str, int, str, str], QTextDocument] = OrderedDict()

    def set_markdown(self, markdown: bool) -> None:
        """Render the bot's replies as Markdown, or show their text as it is."""
        self.markdown = markdown
        self._documents.clear()

    # -- measuring -------------------------------------------------------------------------------
    def _text_width(self, option: QStyleOptionViewItem) -> int:
        readable = QFontMetricsF(option.font).averageCharWidth() * self.READABLE_CHARS
        fraction = option.rect.width() * self.MAX_BUBBLE_FRACTION - 2 * self.PADDING
        return max(80, int(min(fraction, readable)))

    def _shown_text(self, index: Index) -> str:
        folded = index.data(FoldRole)
        if isinstance(folded, tuple):
            return str(folded[0])
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        if text == TYPING_TEXT and index.data(PendingRole):
            return QCoreApplication.translate("MessageList", TYPING_TEXT)  # measured as shown
        return text

    def _is_markdown(self, index: Index) -> bool:
        return (
            self.markdown
            and index.data(RoleRole) == "assistant"
            and index.data(Qt.ItemDataRole.DisplayRole) != TYPING_TEXT
        )

    def _document(self, text: str, option: QStyleOptionViewItem, width: int) -> QTextDocument:
        theme = colors_for(option.palette)
        key = (text, width, option.font.key(), theme.name)
        document = self._documents.get(key)
        if document is None:
            colors = theme.bubble("assistant")
            document = ReplyDocument(text, option.font, width, colors.ink, colors.link, colors.code)
            self._documents[key] = document
            if len(self._documents) > MAX_DOCUMENTS:
                self._documents.popitem(last=False)
        else:
            self._documents.move_to_end(key)
        return document

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

    def _text_size(self, text: str, option: QStyleOptionViewItem, markdown: bool) -> TextSize:
        width = self._text_width(option)
        if markdown:
            document = self._document(text, option, width)
            ideal = document.idealWidth()
            return min(float(width), ideal), document.size().height()
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

    def _small_font(self, option: QStyleOptionViewItem) -> QFont:
        small = QFont(option.font)
        # Smaller than the text, but never below 8 pt: timestamps must stay readable.
        small.setPointSizeF(max(8.0, option.font.pointSizeF() * 0.85))
        return small

    def _foot_height(self, option: QStyleOptionViewItem) -> float:
        return QFontMetricsF(self._small_font(option)).height() + 2

    def _boundary_height(self, option: QStyleOptionViewItem) -> float:
        return QFontMetricsF(option.font).height() * 1.6

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        self.initStyleOption(option, index)
        _, height = self._text_size(self._shown_text(index), option, self._is_markdown(index))
        boundary = self._boundary_height(option) if index.data(BoundaryRole) else 0.0
        return QSize(
            option.rect.width(),
            int(height + self._foot_height(option) + 2 * self.PADDING + self.MARGIN + boundary)
            + 1,
        )

    def bubble(self, option: QStyleOptionViewItem, index: Index) -> Bubble:
        """Where ``index``'s bubble and its parts go in ``option.rect``."""
        self.initStyleOption(option, index)
        text = self._shown_text(index)
        role = str(index.data(RoleRole))
        markdown = self._is_markdown(index)
        width, height = self._text_size(text, option, markdown)
        theme = colors_for(option.palette)
        colors = theme.bubble(role)
        small = QFontMetricsF(self._small_font(option))
        time_text = str(index.data(TimeRole) or "")
        folded = index.data(FoldRole)
        fold_text = fold_label(folded, str(index.data() or "")) if folded else ""
        foot_width = small.horizontalAdvance(time_text) + (
            small.horizontalAdvance(fold_text) + 3 * self.PADDING if fold_text else 0
        )
        width = max(width, foot_width)
        bubble_w = width + 2 * self.PADDING
        bubble_h = height + self._foot_height(option) + 2 * self.PADDING
        rect = QRectF(option.rect)
        if index.data(BoundaryRole):
            rect.setTop(rect.top() + self._boundary_height(option))
        if role == "user":
            left = rect.right() - self.MARGIN - bubble_w
        elif role == "system":
            left = rect.left() + (rect.width() - bubble_w) / 2
        else:
            left = rect.left() + self.MARGIN
        box = QRectF(left, rect.top() + self.MARGIN / 2, bubble_w, bubble_h)
        origin = QPointF(box.left() + self.PADDING, box.top() + self.PADDING)
        foot_top = box.bottom() - self.PADDING - self._foot_height(option)
        time_rect = QRectF(origin.x(), foot_top, width, self._foot_height(option))
        document = self._document(text, option, self._text_width(option)) if markdown else None
        result = Bubble(box, origin, width, colors, document, time_rect)
        if fold_text:
            result.fold_rect = QRectF(
                origin.x(), foot_top, small.horizontalAdvance(fold_text) + 4, time_rect.height()
            )
        if document is not None:
            label_w = small.horizontalAdvance(copy_label()) + 12
            for block_rect, code in code_blocks(document):
                button = QRectF(
                    origin.x() + min(block_rect.right(), width) - label_w,
                    origin.y() + block_rect.top(),
                    label_w,
                    small.height() + 2,
                )
                result.copy_buttons.append((button, code))
        return result

    # -- painting --------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        theme = colors_for(option.palette)
        shape = self.bubble(option, index)
        colors = shape.colors
        palette = option.palette
        unseen = index.data(SeenRole) == "none"
        if unseen:
            # Out of the bot's sight: an outlined bubble on the list's own background, its
            # text at full contrast (dimming the text would make it unreadable).
            colors = BubbleColors(
                fill=palette.color(QPalette.ColorRole.Base),
                ink=palette.color(QPalette.ColorRole.Text),
                time=palette.color(QPalette.ColorRole.PlaceholderText),
                link=palette.color(QPalette.ColorRole.Link),
                code=colors.code,
            )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if index.data(BoundaryRole):
            self._paint_boundary(painter, option)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            band = QColor(theme.selection)
            band.setAlpha(40)
            painter.fillRect(
                QRectF(option.rect.left(), shape.rect.top() - 5, option.rect.width(),
                       shape.rect.height() + 10),
                band,
            )
        path = QPainterPath()
        path.addRoundedRect(shape.rect, self.RADIUS, self.RADIUS)
        painter.fillPath(path, colors.fill)
        if unseen:
            pen = QPen(theme.unseen_border, 1.2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawPath(path)
        if selected:
            ring = QPainterPath()
            ring.addRoundedRect(shape.rect.adjusted(-3, -3, 3, 3), self.RADIUS + 3, self.RADIUS + 3)
            painter.setPen(QPen(theme.selection, 3))
            painter.drawPath(ring)
        if option.state & QStyle.StateFlag.State_HasFocus:
            focus = QPainterPath()
            outside = shape.rect.adjusted(-6, -6, 6, 6)
            focus.addRoundedRect(outside, self.RADIUS + 6, self.RADIUS + 6)
            painter.setPen(QPen(theme.focus, 1.5, Qt.PenStyle.DotLine))
            painter.drawPath(focus)
        self._paint_text(painter, option, index, shape, colors, theme)
        self._paint_foot(painter, option, index, shape, colors)
        painter.restore()

    def _paint_boundary(self, painter: QPainter, option: QStyleOptionViewItem) -> None:
        """A thin line with its caption: the bot's input starts below it."""
        rect = QRectF(option.rect)
        band = self._boundary_height(option)
        muted = option.palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setPen(muted)
        middle = rect.top() + band / 2
        painter.drawLine(QPointF(rect.left() + 8, middle), QPointF(rect.right() - 8, middle))
        caption_text = QCoreApplication.translate("MessageList", BOUNDARY_TEXT)
        label_width = QFontMetricsF(option.font).horizontalAdvance(caption_text) + 16
        label = QRectF(rect.center().x() - label_width / 2, rect.top(), label_width, band)
        painter.fillRect(label, option.palette.color(QPalette.ColorRole.Base))
        caption = QRectF(rect.left(), rect.top(), rect.width(), band)
        painter.drawText(caption, int(Qt.AlignmentFlag.AlignCenter), caption_text)

    def _paint_text(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: Index,
        shape: Bubble,
        colors: BubbleColors,
        theme: Theme,
    ) -> None:
        find = str(index.data(FindRole) or "")
        document = shape.document
        if document is None:
            text = self._shown_text(index)
            font = QFont(option.font)
            typing = index.data(Qt.ItemDataRole.DisplayRole) == TYPING_TEXT
            if index.data(PendingRole) and typing:
                font.setItalic(True)  # the text is the typing indicator, translated
            option.font = font
            layout = self._layout(text, option, self._text_width(option), find)
            painter.setPen(colors.ink)
            layout.draw(painter, shape.text_origin)
            return
        painter.save()
        painter.translate(shape.text_origin)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, colors.ink)
        if find:
            context.selections = find_selections(document, find, theme)
        document.documentLayout().draw(painter, context)
        painter.restore()
        small = self._small_font(option)
        painter.setFont(small)
        for button, _code in shape.copy_buttons:
            chip = QPainterPath()
            chip.addRoundedRect(button, 4, 4)
            painter.fillPath(chip, colors.fill)
            painter.setPen(QPen(colors.time, 1))
            painter.drawPath(chip)
            painter.drawText(button, int(Qt.AlignmentFlag.AlignCenter), copy_label())

    def _paint_foot(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: Index,
        shape: Bubble,
        colors: BubbleColors,
    ) -> None:
        painter.setFont(self._small_font(option))
        painter.setPen(colors.time)
        time_text = str(index.data(TimeRole) or "")
        painter.drawText(shape.time_rect, int(Qt.AlignmentFlag.AlignRight), time_text)
        if shape.fold_rect is not None:
            label = fold_label(index.data(FoldRole), str(index.data() or ""))
            link_font = self._small_font(option)
            link_font.setUnderline(True)
            painter.setFont(link_font)
            painter.setPen(colors.link)
            painter.drawText(shape.fold_rect, int(Qt.AlignmentFlag.AlignLeft), label)

    # -- clicks ----------------------------------------------------------------------------------
    def editorEvent(  # noqa: N802
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        if not (
            isinstance(event, QMouseEvent)
            and event.type() == QEvent.Type.MouseButtonRelease
            and event.button() == Qt.MouseButton.LeftButton
        ):
            return super().editorEvent(event, model, option, index)
        point = event.position()
        shape = self.bubble(option, index)
        if shape.fold_rect is not None and shape.fold_rect.contains(point):
            self.fold_toggled.emit(index.row())
            return True
        for button, code in shape.copy_buttons:
            if button.contains(point):
                QGuiApplication.clipboard().setText(code)
                self.code_copied.emit(code)
                return True
        if shape.document is not None:
            href = link_at(shape.document, point - shape.text_origin)
            if href:
                self.link_activated.emit(href)
                return True
        return super().editorEvent(event, model, option, index)


def copy_label() -> str:
    return QCoreApplication.translate("BubbleDelegate", "Copy")


def fold_label(folded: object, whole: str) -> str:
    """What a long message's fold link says: how much more there is, or that it is open."""
    if isinstance(folded, tuple) and folded[1]:
        return QCoreApplication.translate("BubbleDelegate", "Show less")
    lines = whole.count("\n") + 1
    return QCoreApplication.translate(
        "BubbleDelegate", "Show more ({lines} lines, {chars} characters)"
    ).format(lines=f"{lines:,}", chars=f"{len(whole):,}")


def find_marks(text: str, find: str, palette: QPalette) -> list[QTextLayout.FormatRange]:
    """A marked range for each occurrence of ``find`` in ``text``, in any case."""
    theme = colors_for(palette)
    mark = QTextCharFormat()
    # Not the palette's Highlight: the message holding the current match is selected.
    mark.setBackground(theme.find_background)
    mark.setForeground(theme.find_ink)
    ranges = []
    for match in re.finditer(re.escape(find), text, re.IGNORECASE):
        marked = QTextLayout.FormatRange()
        marked.start, marked.length, marked.format = match.start(), len(match.group()), mark
        ranges.append(marked)
    return ranges


def find_selections(
    document: QTextDocument, find: str, theme: Theme
) -> list[QAbstractTextDocumentLayout.Selection]:
    """The find marks of a Markdown reply: each occurrence of ``find``, in any case."""
    mark = QTextCharFormat()
    mark.setBackground(theme.find_background)
    mark.setForeground(theme.find_ink)
    selections = []
    cursor = document.find(find, 0)
    while not cursor.isNull():
        selection = QAbstractTextDocumentLayout.Selection()
        selection.cursor, selection.format = QTextCursor(cursor), mark
        selections.append(selection)
        cursor = document.find(find, cursor)
    return selections
