"""Bot replies rendered as Markdown, safely (issue 12).

A reply becomes a ``ReplyDocument``: GitHub-flavoured Markdown without raw HTML, so ``<b>``
or ``<script>`` in a reply shows as typed. Nothing is ever loaded: each image is replaced by
its alt text before the first layout, and ``loadResource`` refuses whatever might still ask.
Links are only styled and reported (``link_at``) for http and https; the delegate opens them
on click. ``code_blocks`` gives each code block's rect and text for its Copy button.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QPointF, QRectF, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextOption,
)

MARKDOWN_FEATURES = (
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub
    | QTextDocument.MarkdownFeature.MarkdownNoHTML
)
SAFE_LINK_SCHEMES = frozenset({"http", "https"})


class ReplyDocument(QTextDocument):
    """A bot reply's Markdown, laid out at ``width`` in the caller's font and colours."""

    def __init__(
        self,
        markdown: str,
        font: QFont,
        width: float,
        text_colour: QColor,
        link_colour: QColor,
        code_background: QColor,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setDocumentMargin(0)
        wrap = self.defaultTextOption()
        # A long URL or identifier breaks anywhere rather than running out of the bubble.
        wrap.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setDefaultTextOption(wrap)
        # The importer sizes code and headings from the default font, so set it first.
        self.setDefaultFont(font)
        _import_markdown(self, markdown)
        _apply_colours_and_fonts(self, text_colour, link_colour, code_background)
        self.setTextWidth(width)

    def loadResource(self, kind: int, url: QUrl | str) -> Any:  # noqa: N802
        # Images are gone before layout, but the base class would read file:, qrc: and data:
        # URLs for anything that still asked; a reply must never reach the disk or network.
        return None


def link_at(doc: QTextDocument, point: QPointF) -> str | None:
    """The http(s) link under ``point`` (document coordinates), or None."""
    href = doc.documentLayout().anchorAt(point)
    return href if is_safe_link(href) else None


def is_safe_link(href: str) -> bool:
    """Whether ``href`` is an absolute http or https URL that may be opened on click."""
    url = QUrl(href)
    return url.isValid() and url.scheme().lower() in SAFE_LINK_SCHEMES and bool(url.host())


def code_blocks(doc: QTextDocument) -> list[tuple[QRectF, str]]:
    """Each code block's bounding rect (document coordinates) and text, top to bottom.

    The importer gives every line of code its own block, so consecutive code lines are
    joined. Two code blocks with nothing between them are told apart only by a different
    fence or language; otherwise they come back as one.
    """
    layout = doc.documentLayout()
    found: list[tuple[QRectF, str]] = []
    rect = QRectF()
    lines: list[str] = []
    previous_key: tuple[str, str] | None = None
    block = doc.begin()
    while block.isValid():
        key = _code_key(block)
        if lines and key != previous_key:
            found.append((rect, "\n".join(lines)))
            rect, lines = QRectF(), []
        if key is not None:
            rect = rect.united(layout.blockBoundingRect(block))
            lines.append(block.text())
        previous_key = key
        block = block.next()
    if lines:
        found.append((rect, "\n".join(lines)))
    return found


def plain_text_of(markdown: str) -> str:
    """The reply's text without its markup, for screen readers and copying."""
    doc = QTextDocument()
    _import_markdown(doc, markdown)
    return doc.toPlainText()


def _import_markdown(doc: QTextDocument, markdown: str) -> None:
    doc.setUndoRedoEnabled(False)
    doc.setMarkdown(markdown, MARKDOWN_FEATURES)
    _replace_images_with_alt_text(doc)


def _replace_images_with_alt_text(doc: QTextDocument) -> None:
    images: list[tuple[int, int, QTextCharFormat]] = []
    block = doc.begin()
    while block.isValid():
        images += [found for found in _fragments(block) if found[2].isImageFormat()]
        block = block.next()
    cursor = QTextCursor(doc)
    # From the end, so replacing one image keeps the positions of those before it valid.
    for position, length, image in reversed(images):
        alt = image.stringProperty(QTextFormat.Property.ImageAltText)
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        # A fresh format: the image's own would keep its URL on the text. The importer puts
        # nothing else on an image (not even the link around it), so nothing is lost.
        cursor.insertText(alt * length, QTextCharFormat())


def _apply_colours_and_fonts(
    doc: QTextDocument, text_colour: QColor, link_colour: QColor, code_background: QColor
) -> None:
    fixed_families = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).families()
    cursor = QTextCursor(doc)
    cursor.select(QTextCursor.SelectionType.Document)
    ink = QTextCharFormat()
    ink.setForeground(text_colour)
    cursor.mergeCharFormat(ink)

    mono = QTextCharFormat()
    # The importer gives code the system fixed font but leaves fixedPitch false, so a
    # substitute font could be proportional.
    mono.setFontFixedPitch(True)
    mono.setFontStyleHint(QFont.StyleHint.Monospace)
    code_block = QTextBlockFormat()
    code_block.setBackground(code_background)
    # The importer makes code lines unbreakable; in a bubble of fixed width a long line would
    # then run out of the bubble. Wrapped, it stays readable (Copy gives the lines as they are).
    code_block.setNonBreakableLines(False)
    inline_code = QTextCharFormat(mono)
    inline_code.setBackground(code_background)
    link = QTextCharFormat()
    link.setForeground(link_colour)
    link.setFontUnderline(True)

    block = doc.begin()
    while block.isValid():
        # List bullets and numbers are drawn in the block's char format.
        cursor.setPosition(block.position())
        cursor.mergeBlockCharFormat(ink)
        in_code_block = _code_key(block) is not None
        if in_code_block:
            cursor.mergeBlockFormat(code_block)
        for position, length, char_format in _fragments(block):
            cursor.setPosition(position)
            cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
            if char_format.isAnchor() or char_format.anchorHref():
                if is_safe_link(char_format.anchorHref()):
                    cursor.mergeCharFormat(link)
                else:
                    # Shown as plain text, so it does not look like something to click.
                    plain = QTextCharFormat(char_format)
                    plain.setAnchor(False)
                    plain.clearProperty(QTextFormat.Property.AnchorHref)
                    plain.setForeground(text_colour)
                    cursor.setCharFormat(plain)
            if in_code_block:
                cursor.mergeCharFormat(mono)
            elif char_format.fontFamilies() == fixed_families:
                cursor.mergeCharFormat(inline_code)
        block = block.next()


def _fragments(block: QTextBlock) -> list[tuple[int, int, QTextCharFormat]]:
    fragments = []
    iterator = block.begin()
    while not iterator.atEnd():
        fragment = iterator.fragment()
        fragments.append((fragment.position(), fragment.length(), fragment.charFormat()))
        iterator += 1
    return fragments


def _code_key(block: QTextBlock) -> tuple[str, str] | None:
    """The code block's fence and language, or None for a block that is not code."""
    block_format = block.blockFormat()
    if not block_format.hasProperty(QTextFormat.Property.BlockCodeLanguage):
        return None
    return (
        block_format.stringProperty(QTextFormat.Property.BlockCodeFence),
        block_format.stringProperty(QTextFormat.Property.BlockCodeLanguage),
    )
