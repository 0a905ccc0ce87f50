"""Bot replies rendered as Markdown: formatting shows, HTML and images stay inert, and only
http(s) links and code blocks are handed to the bubble delegate (issue 12)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPainter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from gui.markdown_render import ReplyDocument, code_blocks, link_at, plain_text_of

TEXT = QColor("#1d1f23")
LINK = QColor("#0b57d0")
CODE_BACKGROUND = QColor("#d8dbe0")


@pytest.fixture(autouse=True)
def app(qapp: Any) -> Any:
    return qapp


def reply(markdown: str, width: float = 600) -> ReplyDocument:
    return ReplyDocument(markdown, QFont("DejaVu Sans", 11), width, TEXT, LINK, CODE_BACKGROUND)


def fragments(doc: QTextDocument) -> list[tuple[str, QTextCharFormat]]:
    found = []
    block = doc.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            found.append((fragment.text(), fragment.charFormat()))
            iterator += 1
        block = block.next()
    return found


def format_of(doc: QTextDocument, text: str) -> QTextCharFormat:
    return next(fmt for shown, fmt in fragments(doc) if shown == text)


def point_on(doc: QTextDocument, text: str) -> QPointF:
    """The middle of the first character of ``text`` in the laid-out document."""
    position = doc.toPlainText().index(text)
    block = doc.findBlock(position)
    origin = doc.documentLayout().blockBoundingRect(block).topLeft()  # also lays it out
    line = block.layout().lineForTextPosition(position - block.position())
    # PySide6 returns (x, position) here, and its stub says only "object".
    x_and_position: Any = line.cursorToX(position - block.position())
    return origin + QPointF(x_and_position[0] + 2, line.y() + line.height() / 2)


def paint(doc: QTextDocument) -> None:
    image = QImage(doc.size().toSize(), QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    doc.drawContents(painter)
    painter.end()


def test_a_reply_with_a_list_and_code_reads_as_its_text_in_the_callers_layout() -> None:
    doc = reply("Steps:\n\n- boil water\n- add *tea*\n\n```python\nprint('hi')\n```\n")

    assert doc.toPlainText() == "Steps:\nboil water\nadd tea\nprint('hi')"
    assert doc.blockCount() == 4
    assert doc.begin().next().textList() is not None
    assert format_of(doc, "tea").fontItalic()
    assert format_of(doc, "print('hi')").fontFixedPitch()
    assert doc.documentMargin() == 0
    assert doc.textWidth() == 600
    assert doc.defaultFont().family() == "DejaVu Sans"


def test_inline_code_is_monospace_on_the_code_background() -> None:
    doc = reply("Call `make_tea()` now.")

    code = format_of(doc, "make_tea()")
    assert code.fontFixedPitch()
    assert code.background().color() == CODE_BACKGROUND
    assert not format_of(doc, "Call ").fontFixedPitch()


def test_text_links_and_code_blocks_take_the_callers_colours() -> None:
    doc = reply("- see [the docs](https://example.com)\n\n```\ncode\n```\n")

    assert format_of(doc, "see ").foreground().color() == TEXT
    assert format_of(doc, "the docs").foreground().color() == LINK
    assert format_of(doc, "the docs").fontUnderline()
    # The list bullet is painted in the block's char format, not the fragment's.
    assert doc.begin().charFormat().foreground().color() == TEXT
    assert doc.lastBlock().blockFormat().background().color() == CODE_BACKGROUND


def test_raw_html_in_a_reply_shows_as_typed() -> None:
    markdown = "Say <b>bold</b> and <script>alert(1)</script>\n\n<div>block</div>"
    doc = reply(markdown)

    shown = doc.toPlainText()
    assert "<b>bold</b>" in shown
    assert "<script>alert(1)</script>" in shown
    assert "<div>block</div>" in shown
    assert not any(fmt.fontWeight() >= QFont.Weight.Bold for _, fmt in fragments(doc))


class CountingReply(ReplyDocument):
    """Records every resource the layout or painter asks for."""

    asked: list[str]

    def loadResource(self, kind: int, url: QUrl | str) -> Any:
        self.asked.append(QUrl(url).toString())
        return super().loadResource(kind, url)


def test_images_in_a_reply_show_their_alt_text_and_load_nothing(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for the bot")
    url = QUrl.fromLocalFile(str(secret)).toString()
    CountingReply.asked = []
    doc = CountingReply(
        f"![the secret]({url}) ![]({url}) ![remote](https://example.com/x.png) "
        f"![data](data:image/png;base64,iVBORw0KGgo=) <img src={url}>",
        QFont("DejaVu Sans", 11),
        600,
        TEXT,
        LINK,
        CODE_BACKGROUND,
    )
    paint(doc)

    assert CountingReply.asked == []
    assert not any(fmt.isImageFormat() for _, fmt in fragments(doc))
    assert not any(fmt.hasProperty(QTextFormat.Property.ImageName) for _, fmt in fragments(doc))
    assert doc.toPlainText() == f"the secret  remote data <img src={url}>"


def test_the_document_refuses_to_load_any_resource(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for the bot")
    urls = [
        QUrl.fromLocalFile(str(secret)),
        QUrl("data:text/plain;base64,aGk="),
        QUrl("qrc:/qt-project.org/qmessagebox/images/qtlogo-64.png"),
        QUrl("https://example.com/x.png"),
    ]
    image = int(QTextDocument.ResourceType.ImageResource.value)
    # The base class does read the file, so a None below is the override's doing.
    assert QTextDocument().loadResource(image, urls[0]) is not None

    doc = reply("text")
    assert [doc.loadResource(image, url) for url in urls] == [None] * len(urls)


def test_http_and_https_links_are_found_under_the_pointer() -> None:
    doc = reply("[first](https://example.com/a) then [second](http://example.org/b)")

    assert link_at(doc, point_on(doc, "first")) == "https://example.com/a"
    assert link_at(doc, point_on(doc, "second")) == "http://example.org/b"
    assert link_at(doc, point_on(doc, "then")) is None
    assert link_at(doc, QPointF(5, 500)) is None


def test_links_to_other_schemes_show_as_plain_text_and_are_not_found() -> None:
    doc = reply("[run](javascript:alert(1)) [read](file:///etc/passwd) [mail](mailto:a@b.c)")

    for text in ("run", "read", "mail"):
        assert link_at(doc, point_on(doc, text)) is None
        shown = format_of(doc, text)
        assert not shown.isAnchor()
        assert shown.anchorHref() == ""
        assert shown.foreground().color() == TEXT


def test_link_at_ignores_an_unsafe_anchor_that_reaches_the_document() -> None:
    doc = reply("start")
    anchor = QTextCharFormat()
    anchor.setAnchor(True)
    anchor.setAnchorHref("javascript:alert(1)")
    cursor = QTextCursor(doc)
    cursor.movePosition(QTextCursor.MoveOperation.End)
    cursor.insertText(" clickme", anchor)

    assert doc.documentLayout().anchorAt(point_on(doc, "clickme")) == "javascript:alert(1)"
    assert link_at(doc, point_on(doc, "clickme")) is None


def test_code_blocks_come_back_in_order_with_their_text_and_place() -> None:
    doc = reply(
        "Intro\n\n```python\nx = 1\n\ny = 2\n```\n\nBetween\n\n    indented\n    code\n"
        "\n```js\nfirst()\n```\n```sh\nsecond\n```\n\nEnd `inline` is not a block"
    )

    blocks = code_blocks(doc)

    assert [text for _, text in blocks] == ["x = 1\n\ny = 2", "indented\ncode", "first()", "second"]
    rects = [rect for rect, _ in blocks]
    assert all(rect.width() > 0 and rect.height() > 0 for rect in rects)
    assert all(above.bottom() <= below.top() for above, below in pairwise(rects))
    # The three-line block is taller than a one-line one, and lies below "Intro".
    assert rects[0].height() > 2 * rects[2].height()
    assert rects[0].top() > 0
    assert link_at(doc, rects[0].center()) is None


def test_a_reply_without_code_has_no_code_blocks() -> None:
    assert code_blocks(reply("Just `inline` code and text.")) == []


def test_plain_text_of_a_reply_drops_the_markup() -> None:
    markdown = "# Title\n\n**bold** [link](https://a.example) ![alt](file:///etc/passwd) <i>x</i>"

    assert plain_text_of(markdown) == "Title\nbold link alt <i>x</i>"
