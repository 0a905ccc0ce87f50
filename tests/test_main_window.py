"""The window as a person uses it: type, press Enter, read the reply; stop; close."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QElapsedTimer, QPointF, QRect, Qt, QTimer
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPainter,
    QPalette,
    QTextDocument,
    QTextLayout,
)
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

from core.conversation import Message
from core.transcript import load
from gui.message_list import PendingRole, RoleRole
from tests.conftest import NetworkGuard, WindowFactory

MARKUP = "<b>hi</b><img src=file:///etc/passwd>"
RICH_TEXT = "<b>bold</b> <i>x</i> &amp;"  # as HTML: "bold x &", in bold and italic


def type_and_press_enter(qtbot: Any, window: Any, text: str) -> None:
    window.input_box.setFocus()
    qtbot.keyClicks(window.input_box, text)
    qtbot.keyClick(window.input_box, Qt.Key.Key_Return)


def rows(window: Any) -> list[tuple[str, str]]:
    model = window.message_model
    return [(model.index(r).data(RoleRole), model.index(r).data()) for r in range(model.rowCount())]


def test_type_enter_and_the_reply_appears(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    assert "Confab" in window.windowTitle()
    assert window.input_box.hasFocus()
    with qtbot.waitSignal(window.reply_shown, timeout=60_000) as shown:
        type_and_press_enter(qtbot, window, "Hello there")
    assert rows(window)[0] == ("user", "Hello there")
    assert rows(window)[1] == ("assistant", shown.args[0].text)
    assert window.input_box.text() == ""
    assert window.input_box.hasFocus()
    assert not window.stop_button.isEnabled()
    qtbot.waitUntil(lambda: window.context_label.text().startswith("context "), timeout=10_000)
    assert "/128 tokens" in window.context_label.text()
    # Kept at once, without a Save: the chat's file in the library holds both turns.
    chat = window.session.current
    assert chat.path is not None and chat.path.parent == window.library.chats_dir
    saved = load(chat.path).transcript.conversation.messages
    assert [(m.role, m.content) for m in saved] == rows(window)


def test_shift_enter_adds_a_line_and_blank_input_is_not_sent(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    qtbot.keyClicks(window.input_box, "first line")
    qtbot.keyClick(window.input_box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(window.input_box, "second line")
    assert window.input_box.text() == "first line\nsecond line"
    assert rows(window) == []
    window.input_box.clear()
    type_and_press_enter(qtbot, window, "   ")
    qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
    assert rows(window) == []


def test_a_message_typed_while_loading_is_answered_once_ready(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    type_and_press_enter(qtbot, window, "Are you there?")
    assert rows(window) == [("user", "Are you there?")]
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.start_loading()
    assert [role for role, _ in rows(window)] == ["user", "assistant"]


def test_stop_during_a_reply(qtbot: Any, make_window: WindowFactory, slow_model: Path) -> None:
    window = make_window(slow_model)
    type_and_press_enter(qtbot, window, "Tell me about dogs")
    assert window.stop_button.isEnabled()
    assert window.message_model.index(1).data(PendingRole)  # typing indicator shown
    qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(window) == [("user", "Tell me about dogs")], timeout=30_000)
    assert not window.stop_button.isEnabled()
    assert window.send_button.isEnabled()


def test_markup_is_shown_literally_and_can_be_copied(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    # The tiny model's long replies push the first message out of its 128 tokens, and a
    # message the bot cannot see is drawn dimmed: here every row is drawn at full strength.
    window.host.worker.context_measured.disconnect(window.on_context_measured)
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        type_and_press_enter(qtbot, window, MARKUP)
    assert rows(window)[0] == ("user", MARKUP)
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        type_and_press_enter(qtbot, window, RICH_TEXT)
    assert rows(window)[2] == ("user", RICH_TEXT)
    # What the bubble delegate draws is the text's own characters, as plain text would be
    # drawn, and not what a rich-text (HTML) renderer makes of them.
    for row, text in ((0, MARKUP), (2, RICH_TEXT)):
        image, font = painted_row(window.message_view, row)
        as_plain, as_html = (
            best_overlap(image, render, text, font) for render in (text_as_plain, text_as_html)
        )
        assert as_plain > 0.8 and as_html < 0.5, (text, as_plain, as_html)
    window.message_view.setCurrentIndex(window.message_model.index(0))
    window.copy_selected_messages()
    assert QGuiApplication.clipboard().text() == MARKUP
    pixmap = window.message_view.grab()  # paints through the delegate
    assert not pixmap.isNull()


def painted_row(view: Any, row: int) -> tuple[QImage, QFont]:
    """A row as the view's delegate paints it, on a transparent image, and the text's font."""
    index = view.model().index(row)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = QRect(0, 0, view.viewport().width(), view.sizeHintForIndex(index).height())
    font = QFont(option.font)  # a copy: painting the time changes the option's font
    image = QImage(option.rect.size(), QImage.Format.Format_RGBA8888_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    view.itemDelegate().paint(painter, option, index)
    painter.end()
    # Above the line with the time: it is drawn as readable as the text, so it would count
    # as text.
    foot = view.itemDelegate().bubble(option, index).time_rect
    return image.copy(0, 0, image.width(), int(foot.top())), font


def pixels(image: QImage) -> np.ndarray:
    """The image's pixels as a height x width x RGBA array."""
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
    return data[:, : 4 * width].reshape(height, width, 4).astype(float)


def bubble_colors(image: QImage) -> tuple[QColor, QColor]:
    """The bubble's fill (its most common opaque colour) and its ink (the farthest from it)."""
    rgba = pixels(image)
    opaque = rgba[rgba[..., 3] == 255][:, :3]
    values, counts = np.unique(opaque, axis=0, return_counts=True)
    fill = values[counts.argmax()]
    ink = opaque[np.linalg.norm(opaque - fill, axis=1).argmax()]
    return QColor(*map(int, fill)), QColor(*map(int, ink))


def ink_mask(image: QImage) -> np.ndarray:
    """Where text is inked, cropped to it: opaque pixels at least 70% of the way from the fill
    to the ink."""
    rgba = pixels(image)
    opaque = rgba[..., 3] == 255
    values, counts = np.unique(rgba[opaque][:, :3], axis=0, return_counts=True)
    distance = np.linalg.norm(rgba[..., :3] - values[counts.argmax()], axis=2) * opaque
    mask = distance >= 0.7 * distance.max()
    ys, xs = np.nonzero(mask)
    assert len(ys), "no text was drawn"
    return np.asarray(mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], dtype=bool)


def text_on_fill(font: QFont, fill: QColor, draw: Any) -> QImage:
    image = QImage(1600, 200, QImage.Format.Format_RGBA8888_Premultiplied)
    image.fill(fill)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(font)
    draw(painter)
    painter.end()
    return image


def text_as_plain(text: str, font: QFont, fill: QColor, ink: QColor, dx: float) -> QImage:
    """``text`` drawn as plain text on one line, ``dx`` pixels right of a whole pixel."""
    layout = QTextLayout(text, font)
    layout.beginLayout()
    layout.createLine().setLineWidth(1500)
    layout.endLayout()

    def draw(painter: QPainter) -> None:
        painter.setPen(ink)
        layout.draw(painter, QPointF(20 + dx, 20))

    return text_on_fill(font, fill, draw)


def text_as_html(text: str, font: QFont, fill: QColor, ink: QColor, dx: float) -> QImage:
    """``text`` rendered as rich text (``QTextDocument.setHtml``)."""
    document = QTextDocument()
    document.setDefaultFont(font)
    document.setHtml(text)
    document.setTextWidth(1500)
    context = QAbstractTextDocumentLayout.PaintContext()
    context.palette.setColor(QPalette.ColorRole.Text, ink)

    def draw(painter: QPainter) -> None:
        painter.translate(20 + dx, 20)
        document.documentLayout().draw(painter, context)

    return text_on_fill(font, fill, draw)


def best_overlap(image: QImage, render: Any, text: str, font: QFont) -> float:
    """How well the text's ink in ``image`` matches ``render(text, ...)`` in the same font and
    colours, at the best of 16 sub-pixel offsets and one-pixel shifts: intersection over
    union of the inked pixels, 0 when the inked areas differ in size."""
    drawn = ink_mask(image)
    fill, ink = bubble_colors(image)
    best = 0.0
    for step in range(16):
        other = ink_mask(render(text, font, fill, ink, step / 16))
        if abs(other.shape[0] - drawn.shape[0]) > 1 or abs(other.shape[1] - drawn.shape[1]) > 1:
            continue
        height = max(drawn.shape[0], other.shape[0]) + 2
        width = max(drawn.shape[1], other.shape[1]) + 2
        fixed = np.zeros((height + 2, width + 2), bool)
        fixed[1 : 1 + drawn.shape[0], 1 : 1 + drawn.shape[1]] = drawn
        for dy in (0, 1, 2):
            for dx in (0, 1, 2):
                moved = np.zeros_like(fixed)
                moved[dy : dy + other.shape[0], dx : dx + other.shape[1]] = other
                best = max(best, (fixed & moved).sum() / (fixed | moved).sum())
    return best


@pytest.mark.parametrize("engine", ["fast", "transformers"])
def test_the_event_loop_never_stalls_while_loading_and_replying(
    qtbot: Any, make_window: WindowFactory, slow_model: Path, engine: str
) -> None:
    # "fast" includes the one-time conversion (in a child process). The first import of
    # torch and transformers' model code in a process holds the GIL in C for up to ~0.25 s
    # at a time (module initialisation; measured in the issue notes); that happens once per
    # run and is done here first, so what is measured is loading and replying.
    from transformers import BlenderbotForConditionalGeneration  # noqa: F401

    # Engines of earlier tests' windows may still wait for the garbage collector; freeing
    # their models is not this window's work.
    gc.collect()
    window = make_window(slow_model, engine=engine, load=False, threads=2)
    gaps: list[int] = []
    clock = QElapsedTimer()
    clock.start()

    def beat() -> None:
        gaps.append(clock.restart())

    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(beat)
    heartbeat.start()
    type_and_press_enter(qtbot, window, "Hello, how are you?")
    with qtbot.waitSignal(window.reply_shown, timeout=120_000):
        window.start_loading()
    heartbeat.stop()
    assert len(gaps) > 20
    assert max(gaps[1:]) < 100, f"the event loop stalled for {max(gaps[1:])} ms"


def test_closing_during_load_exits_within_two_seconds(
    qtbot: Any, make_window: WindowFactory, slow_model: Path
) -> None:
    window = make_window(slow_model, load=False)
    window.start_loading()
    qtbot.waitUntil(lambda: window.model_setup.progress_bar.value() > 0, timeout=30_000)
    started = time.perf_counter()
    window.close()
    assert not window.host.worker_thread.isRunning()
    assert time.perf_counter() - started < 2.0


def test_closing_during_a_reply_exits_within_two_seconds(
    qtbot: Any, make_window: WindowFactory, slow_model: Path
) -> None:
    window = make_window(slow_model)
    type_and_press_enter(qtbot, window, "Tell me a long story")
    QApplication.processEvents()
    started = time.perf_counter()
    window.close()
    assert not window.host.worker_thread.isRunning()
    assert time.perf_counter() - started < 2.0


def test_a_bad_model_folder_leaves_the_app_usable(
    qtbot: Any, make_window: WindowFactory, tmp_path: Path
) -> None:
    (tmp_path / "not-a-model").mkdir()
    window = make_window(tmp_path / "not-a-model", load=False)
    with qtbot.waitSignal(window.model_failed, timeout=30_000) as failed:
        window.start_loading()
    assert str(tmp_path / "not-a-model") in failed.args[0]
    assert window.model_label.text() == "Model error"
    type_and_press_enter(qtbot, window, "Still here?")
    assert rows(window) == [("user", "Still here?")]


def test_offline_mode_touches_no_network(
    qtbot: Any,
    make_window: WindowFactory,
    tiny_model: Path,
    offline: None,
    no_network: NetworkGuard,
) -> None:
    window = make_window(tiny_model)
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        type_and_press_enter(qtbot, window, "Hello offline")
    assert no_network.attempts == []


def test_a_message_on_several_lines_is_drawn_on_several_lines(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    for text in ("one", "one\ntwo\nthree"):
        window.message_model.append_message(Message("user", text))
    view = window.message_view
    single, multi = (view.sizeHintForIndex(window.message_model.index(r)).height() for r in (0, 1))
    assert multi - single >= 2 * view.fontMetrics().lineSpacing() * 0.9  # two more lines


def test_a_bad_folder_chosen_later_keeps_the_working_model(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    window = make_window(tiny_model)
    assert window.settings.model == str(tiny_model)  # remembered once it loaded
    (tmp_path / "broken").mkdir()
    with qtbot.waitSignal(window.model_ready, timeout=30_000) as ready:
        window.start_loading(str(tmp_path / "broken"))
    assert ready.args[0].reference == str(tiny_model)
    assert window.settings.model == str(tiny_model)
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        type_and_press_enter(qtbot, window, "Still working?")


def test_reload_model_tries_again_after_a_failure(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "model-arriving-later"
    window = make_window(folder, load=False)
    with qtbot.waitSignal(window.model_failed, timeout=30_000):
        window.start_loading()
    shutil.copytree(tiny_model, folder)
    assert window.reload_model_action.isEnabled()
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.reload_model_action.trigger()
