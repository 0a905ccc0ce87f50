"""The chat bubbles: bot replies rendered as Markdown (user messages stay plain), links
opened only on click and only for http(s), code blocks with a Copy button, long messages
folded with "Show more", a readable maximum width, and a visible keyboard focus."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QPoint, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionViewItem

from core.conversation import Conversation, Message
from core.transcript import Transcript, save
from gui.bubble_delegate import Bubble
from gui.markdown_render import link_at
from gui.message_list import FOLD_CHARS
from tests.bubble_views import bubble, shown
from tests.conftest import WindowFactory

WHEN = datetime(2026, 3, 4, 14, 2, tzinfo=UTC)
REPLY = (
    "Here is **how**:\n\n- first\n- second\n\n```python\nprint('hi')\n```\n\n"
    "See [the docs](https://example.org/docs) or [this](file:///etc/passwd)."
)


class UrlCatcher(QObject):
    """Receives the URLs Qt would hand to the desktop (QDesktopServices.setUrlHandler)."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


@pytest.fixture
def catcher(qapp: QApplication) -> Iterator[UrlCatcher]:
    caught = UrlCatcher()
    for scheme in ("http", "https", "file", "javascript"):
        QDesktopServices.setUrlHandler(scheme, caught, "open")  # type: ignore[arg-type]
    yield caught
    for scheme in ("http", "https", "file", "javascript"):
        QDesktopServices.unsetUrlHandler(scheme)


def test_replies_are_markdown_and_user_messages_stay_plain(qtbot: Any) -> None:
    view, model = shown(
        qtbot, [Message("user", "**not bold** <b>x</b>", WHEN), Message("assistant", REPLY, WHEN)]
    )
    assert bubble(view, model, 0).document is None  # laid out as the text it is
    reply = bubble(view, model, 1).document
    assert reply is not None
    text = reply.toPlainText()
    assert "**" not in text and "how" in text and "```" not in text
    assert "print('hi')" in text


def test_a_code_block_s_copy_button_copies_the_code(qtbot: Any) -> None:
    view, model = shown(qtbot, [Message("assistant", REPLY, WHEN)])
    (button, code), = bubble(view, model, 0).copy_buttons
    assert code == "print('hi')"
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=button.center().toPoint())
    assert QGuiApplication.clipboard().text() == "print('hi')"


def link_point(shape: Bubble, wanted: str) -> QPoint:
    """A point (view coordinates) over the link whose href starts with ``wanted``."""
    assert shape.document is not None
    layout = shape.document.documentLayout()
    size = shape.document.size()
    for y in range(0, int(size.height()), 3):
        for x in range(0, int(size.width()), 3):
            if layout.anchorAt(QPointF(x, y)).startswith(wanted):
                return (shape.text_origin + QPointF(x, y)).toPoint()
    raise AssertionError(f"no link to {wanted}")


def test_links_open_on_click_and_only_for_http(qtbot: Any, catcher: UrlCatcher) -> None:
    view, model = shown(qtbot, [Message("assistant", REPLY, WHEN)])
    shape = bubble(view, model, 0)
    assert shape.document is not None
    with pytest.raises(AssertionError, match="no link"):
        link_point(shape, "file:")  # shown as text, not as a link
    # Hovering or pressing opens nothing: only the click does.
    web = link_point(shape, "https:")
    qtbot.mouseMove(view.viewport(), web)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=web)
    assert catcher.opened == []
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=web)
    assert catcher.opened == ["https://example.org/docs"]
    assert link_at(shape.document, QPointF(web) - shape.text_origin) == catcher.opened[0]


def test_an_image_in_a_reply_stays_inert(qtbot: Any, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not an image")
    text = f"![x](file://{secret}) and <img src=file://{secret}>"
    view, model = shown(qtbot, [Message("assistant", text, WHEN)])
    document = bubble(view, model, 0).document
    assert document is not None
    assert "<img" in document.toPlainText()  # raw HTML is text, never an element
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            assert not iterator.fragment().charFormat().isImageFormat()
            iterator += 1
        block = block.next()


def test_replies_as_plain_text_is_a_remembered_view_option(
    make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    conversation = Conversation()
    conversation.add("user", "Show me code")
    conversation.add("assistant", REPLY)
    (data / "chats").mkdir(parents=True)
    save(data / "chats" / "code.confab.json", Transcript(conversation))
    window = make_window(tiny_model, load=False, data_dir=data)
    (chat,) = [c for c in window.library.chats.values() if c.path is not None]
    window.show_chat(chat)
    view, model = window.message_view, window.message_model
    assert bubble(view, model, 1).document is not None
    window.view_options.plain_action.trigger()
    assert bubble(view, model, 1).document is None
    window.settings.sync()
    assert "plain_replies=true" in (data / "settings.ini").read_text()


def test_a_long_message_folds_and_unfolds(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    long_text = " ".join(f"word{i}" for i in range(3000))  # about 20,000 characters
    conversation = Conversation()
    conversation.add("user", long_text)
    (data / "chats").mkdir(parents=True)
    save(data / "chats" / "long.confab.json", Transcript(conversation))
    window = make_window(tiny_model, load=False, data_dir=data)
    (chat,) = [c for c in window.library.chats.values() if c.path is not None]
    window.show_chat(chat)
    view, model = window.message_view, window.message_model
    index = model.index(0)
    folded_height = view.visualRect(index).height()
    assert folded_height < 400  # not a bubble several screens tall
    shape = bubble(view, model, 0)
    assert shape.fold_rect is not None
    # A screen reader still gets the whole text.
    assert index.data(Qt.ItemDataRole.AccessibleDescriptionRole) == long_text
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=shape.fold_rect.center().toPoint()
    )
    qtbot.waitUntil(lambda: view.visualRect(model.index(0)).height() > 3 * folded_height)
    # Space on the message folds it again, from the keyboard.
    window.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    view.setCurrentIndex(model.index(0))
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.visualRect(model.index(0)).height() == folded_height)
    assert len(long_text) > FOLD_CHARS


def test_bubbles_keep_a_readable_width_in_a_wide_window(qtbot: Any) -> None:
    text = "lorem ipsum dolor sit amet " * 40
    view, model = shown(qtbot, [Message("assistant", text, WHEN)], width=1900)
    shape = bubble(view, model, 0)
    average = view.fontMetrics().averageCharWidth()
    assert shape.text_width <= 80 * average
    assert shape.text_width < 0.6 * 1900


def test_the_message_with_the_keyboard_focus_shows_it(qtbot: Any) -> None:
    view, model = shown(qtbot, [Message("user", "hello", WHEN), Message("assistant", "hi", WHEN)])
    delegate = view.itemDelegate()
    index = model.index(1)

    def painted(state: QStyle.StateFlag) -> QImage:
        option = QStyleOptionViewItem()
        option.initFrom(view)
        option.rect = view.visualRect(index)
        option.font = view.font()
        option.state = state
        image = QImage(view.viewport().size(), QImage.Format.Format_ARGB32)
        image.fill(0)
        painter = QPainter(image)
        delegate.paint(painter, option, index)
        painter.end()
        return image

    plain = painted(QStyle.StateFlag.State_Enabled)
    focused = painted(QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_HasFocus)
    row = view.visualRect(index)
    differing = [
        (x, y)
        for y in range(row.top(), row.bottom())
        for x in range(row.left(), row.right())
        if focused.pixel(x, y) != plain.pixel(x, y)
    ]
    assert len(differing) > 50, "no focus ring drawn round the current message"


def test_a_long_line_of_code_wraps_inside_its_bubble(qtbot: Any) -> None:
    code = "x = " + " + ".join(f"value_{i}" for i in range(60))
    url = "https://example.org/" + "a" * 300  # one word longer than the bubble
    view, model = shown(
        qtbot, [Message("assistant", f"```python\n{code}\n```\n\n{url}", WHEN)]
    )
    shape = bubble(view, model, 0)
    assert shape.document is not None
    assert shape.document.size().width() <= shape.document.textWidth() + 1
    ((_button, copied),) = shape.copy_buttons
    assert copied == code  # Copy gives the line whole, as it was written
