"""The window's layout as people meet it (issue 12): it fits the screen at start, even under a
scale factor; the message list stays at the bottom through a resize; Tab onto the list lands
on a message; a narrow window keeps the input box wide; the context meter shows one limit in
an empty chat and a long one, and a short form with the whole note in its tooltip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QMargins, QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QWidget

from core.context import Turn
from core.conversation import Conversation
from core.transcript import Transcript, save
from gui.context_meter import SHORT_LENGTH, elided_at_word
from gui.window_geometry import fitted
from tests.conftest import WindowFactory
from tests.test_continue import build_causal

ROOT = Path(__file__).resolve().parent.parent


def write_chat(data: Path, pairs: int, words: int = 30) -> None:
    """A saved chat of ``pairs`` questions and answers, long enough to wrap."""
    conversation = Conversation()
    for n in range(pairs):
        conversation.add("user", f"Question {n}: " + "tell me about the sea " * (words // 5))
        conversation.add("assistant", f"Answer {n}: " + "the sea is wide and deep " * (words // 5))
    (data / "chats").mkdir(parents=True, exist_ok=True)
    save(data / "chats" / "long.confab.json", Transcript(conversation))


def window_with_chat(
    qtbot: Any, make_window: WindowFactory, model: Path, data: Path, load: bool = False
) -> Any:
    window = make_window(model, data_dir=data, load=load)
    (chat,) = [c for c in window.library.chats.values() if c.path is not None]
    window.show_chat(chat)
    assert window.message_model.rowCount() > 0
    return window


def settle(qtbot: Any, window: Any) -> None:
    """Wait until the list's rows are laid out: its scroll range stops changing."""
    bar = window.message_view.verticalScrollBar()
    last = (-1, -1)
    for _ in range(50):
        qtbot.wait(40)
        now = (bar.maximum(), bar.value())
        if now == last:
            return
        last = now


def at_bottom(window: Any) -> bool:
    bar = window.message_view.verticalScrollBar()
    return bool(bar.value() == bar.maximum())


# -- problem 6: the window fits its screen ---------------------------------------------------


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        (QRect(100, 100, 400, 300), QRect(100, 100, 400, 300)),  # fits: left alone
        (QRect(0, 0, 1100, 720), QRect(2, 22, 636, 426)),  # too big: shrunk into the screen
        (QRect(500, 400, 300, 200), QRect(338, 248, 300, 200)),  # off the edge: moved back
        (QRect(-900, -50, 300, 200), QRect(2, 22, 300, 200)),
    ],
)
def test_a_window_is_shrunk_and_moved_into_the_available_screen(
    geometry: QRect, expected: QRect
) -> None:
    available = QRect(0, 0, 640, 450)
    assert fitted(geometry, available, QMargins(2, 22, 2, 2)) == expected


def test_the_default_size_fits_a_small_screen(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    available = window.screen().availableGeometry()
    assert available.width() < 1100  # the offscreen screen is narrower than the default size
    assert available.contains(window.frameGeometry())
    for widget in (window.input_box, window.statusBar()):
        corner = widget.mapToGlobal(widget.rect().bottomRight())
        assert available.contains(corner), widget


CHILD = textwrap.dedent(
    """
    import json, sys, tempfile
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from gui.app_settings import AppSettings
    from gui.main_window import LaunchOptions, MainWindow
    data = Path(tempfile.mkdtemp())
    options = LaunchOptions(data, sys.argv[1], "transformers", 1, True)
    window = MainWindow(options, AppSettings(data))
    window.setProperty("headless", True)
    window.show()
    app.processEvents()
    corners = [w.mapToGlobal(w.rect().bottomRight())
               for w in (window.input_box, window.statusBar())]
    screen = window.screen()
    print(json.dumps({
        "ratio": screen.devicePixelRatio(),
        "available": screen.availableGeometry().getRect(),
        "frame": window.frameGeometry().getRect(),
        "corners": [(c.x(), c.y()) for c in corners],
    }))
    window.host.shutdown(5000)
    """
)


def test_scale_factor_2_on_a_1280x900_screen_keeps_input_and_status_bar_on_screen(
    tmp_path: Path, tiny_model: Path
) -> None:
    screens = tmp_path / "screens.json"
    screens.write_text(
        json.dumps({"screens": [{"name": "S", "x": 0, "y": 0, "width": 1280, "height": 900}]})
    )
    env = dict(
        os.environ,
        QT_SCALE_FACTOR="2",
        QT_QPA_PLATFORM=f"offscreen:configfile={screens}",
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(tiny_model)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["ratio"] == 2.0
    available = QRect(*shown["available"])
    assert available.size().toTuple() == (640, 450)
    assert available.contains(QRect(*shown["frame"]))
    for x, y in shown["corners"]:
        assert available.contains(QPoint(x, y))


# -- problem 9: resizing keeps the newest messages in sight ------------------------------------


def test_a_list_at_the_bottom_stays_there_when_the_window_is_resized(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    write_chat(tmp_path / "data", pairs=30)
    window = window_with_chat(qtbot, make_window, tiny_model, tmp_path / "data")
    window.resize(700, 500)
    settle(qtbot, window)
    window.message_view.scrollToBottom()
    settle(qtbot, window)
    bar = window.message_view.verticalScrollBar()
    assert bar.maximum() > 0 and at_bottom(window)
    wide_maximum = bar.maximum()
    window.resize(480, 500)  # narrower: the bubbles wrap into more lines
    settle(qtbot, window)
    assert bar.maximum() > wide_maximum
    assert at_bottom(window)
    window.resize(760, 460)
    settle(qtbot, window)
    assert bar.maximum() < wide_maximum + 200
    assert at_bottom(window)


def test_a_list_scrolled_up_keeps_its_place_when_the_window_is_resized(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    write_chat(tmp_path / "data", pairs=30)
    window = window_with_chat(qtbot, make_window, tiny_model, tmp_path / "data")
    window.resize(700, 500)
    settle(qtbot, window)
    bar = window.message_view.verticalScrollBar()
    bar.setValue(bar.maximum() // 3)
    window.resize(480, 500)
    settle(qtbot, window)
    assert not at_bottom(window)


# -- problem 2, remainder: Tab onto the list shows a message ----------------------------------


def test_tab_onto_the_list_makes_the_last_message_current_and_keeps_the_selection(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    write_chat(tmp_path / "data", pairs=3, words=5)
    window = window_with_chat(qtbot, make_window, tiny_model, tmp_path / "data")
    view, model = window.message_view, window.message_model
    settle(qtbot, window)
    view.selectionModel().select(model.index(1), QItemSelectionModel.SelectionFlag.Select)
    assert not view.currentIndex().isValid()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(view.hasFocus, timeout=5_000)
    assert view.currentIndex().row() == model.rowCount() - 1
    assert [i.row() for i in view.selectionModel().selectedIndexes()] == [1]


def test_tab_onto_a_list_scrolled_up_picks_a_message_on_screen(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    write_chat(tmp_path / "data", pairs=30)
    window = window_with_chat(qtbot, make_window, tiny_model, tmp_path / "data")
    view = window.message_view
    settle(qtbot, window)
    view.scrollToTop()
    settle(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(view.hasFocus, timeout=5_000)
    current = view.currentIndex()
    assert 0 < current.row() < window.message_model.rowCount() - 1
    assert view.viewport().rect().intersects(view.visualRect(current))


# -- problem 9: a narrow window keeps the input box wide --------------------------------------


def right_of(widget: QWidget, other: QWidget) -> bool:
    return bool(widget.mapToGlobal(QPoint(0, 0)).x() >= other.mapToGlobal(QPoint(0, 0)).x()
                + other.width())


def below(widget: QWidget, other: QWidget) -> bool:
    return bool(widget.mapToGlobal(QPoint(0, 0)).y() >= other.mapToGlobal(QPoint(0, 0)).y()
                + other.height())


def test_a_narrow_window_puts_send_and_stop_below_the_input_box(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    window.set_sidebar_visible(False)
    window.resize(760, 500)
    qtbot.wait(50)
    box, send, stop = window.input_box, window.send_button, window.stop_button
    assert right_of(send, box) and right_of(stop, box)
    window.resize(360, 500)
    qtbot.waitUntil(lambda: below(send, box), timeout=5_000)
    assert below(stop, box)
    chat_width = box.parentWidget().width()
    assert box.width() > 0.85 * chat_width
    assert right_of(send, stop)  # Send at the right edge, where a wide window has it
    window.resize(760, 500)
    qtbot.waitUntil(lambda: right_of(send, box), timeout=5_000)


# -- problem 7: the context meter --------------------------------------------------------------


def test_elided_notes_end_at_a_word_with_an_ellipsis() -> None:
    note = "context 87/128 tokens; 12 earlier turns not seen by the bot"
    short = elided_at_word(note)
    assert len(short) <= SHORT_LENGTH and short.endswith("…")
    head = short[:-1]
    assert note.startswith(head) and note[len(head)] in " ;"
    assert elided_at_word("context 3/128 tokens") == "context 3/128 tokens"
    assert elided_at_word("x" * 60) == "x" * (SHORT_LENGTH - 1) + "…"


def test_a_long_context_note_is_short_in_the_status_bar_and_whole_in_its_tooltip(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    write_chat(tmp_path / "data", pairs=8, words=10)
    data = tmp_path / "data"
    window = make_window(tiny_model, data_dir=data)
    (chat,) = [c for c in window.library.chats.values() if c.path is not None]
    window.show_chat(chat)
    meter = window.context_label
    qtbot.waitUntil(lambda: "earlier turns" in meter.toolTip(), timeout=30_000)
    fitted = window.host.worker.engine.fit(window.session.turns(window.session.transcript))
    assert fitted.turns_dropped > 1
    full = f"{fitted.turns_dropped} earlier turns not seen by the bot"
    assert len(meter.text()) <= SHORT_LENGTH and meter.text().endswith("…")
    assert full not in meter.text()
    assert full in meter.toolTip()
    assert full in meter.accessibleDescription()
    assert "/128 tokens" in meter.text()


def test_the_meter_shows_the_input_budget_in_an_empty_chat_as_in_a_long_one(
    qtbot: Any, make_window: WindowFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    causal = build_causal(tmp_path_factory.mktemp("models") / "causal")
    window = make_window(causal)
    meter = window.context_label
    assert window.message_model.rowCount() == 0
    qtbot.waitUntil(lambda: meter.text().startswith("context "), timeout=10_000)
    budget = window.host.worker.engine.fit([Turn("user", "Hello there")]).limit
    assert budget < window.model_info.context_limit  # room is kept for the reply
    assert meter.text() == f"context 0/{budget} tokens"
    assert f"at most {budget} tokens" in meter.toolTip()
    assert str(window.model_info.context_limit) in meter.toolTip()
    QApplication.processEvents()
