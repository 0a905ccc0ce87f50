"""Zoom from the keyboard (issue 12): Ctrl+= and Ctrl++ make the messages and the input box
larger, Ctrl+- smaller, Ctrl+0 normal; the menus stay as they are; the zoom is clamped and
remembered for the next start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from gui.app_settings import MAX_ZOOM, MIN_ZOOM, AppSettings
from gui.zoom import ZOOM_STEPS, next_step, previous_step
from tests.conftest import WindowFactory
from tests.test_window_layout import settle, window_with_chat, write_chat

CTRL = Qt.KeyboardModifier.ControlModifier


def activate(qtbot: Any, window: Any) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.input_box.setFocus()


def size(widget: Any) -> float:
    return float(widget.font().pointSizeF())


def test_steps_are_clamped_to_the_zoom_range() -> None:
    assert ZOOM_STEPS[0] == MIN_ZOOM and ZOOM_STEPS[-1] == MAX_ZOOM and 100 in ZOOM_STEPS
    assert next_step(100) == 110 and previous_step(100) == 90
    assert next_step(MAX_ZOOM) == MAX_ZOOM and previous_step(MIN_ZOOM) == MIN_ZOOM
    assert next_step(103) == 110 and previous_step(103) == 100  # an odd value joins the steps


def test_ctrl_plus_minus_and_zero_zoom_the_messages_and_the_input_box(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    write_chat(tmp_path / "data", pairs=3, words=10)
    window = window_with_chat(qtbot, make_window, tiny_model, tmp_path / "data")
    activate(qtbot, window)
    view, box = window.message_view, window.input_box
    normal, menu_font = size(view), window.menuBar().font().pointSizeF()
    settle(qtbot, window)
    first = window.message_model.index(0)
    normal_height = view.visualRect(first).height()
    normal_box = box.minimumHeight()

    qtbot.keyClick(box, Qt.Key.Key_Equal, CTRL)
    assert size(view) == size(box) == normal * 1.1
    qtbot.keyClick(box, Qt.Key.Key_Plus, CTRL)
    assert size(view) == normal * 1.25
    settle(qtbot, window)
    assert view.visualRect(first).height() > normal_height  # the rows were laid out again
    assert window.menuBar().font().pointSizeF() == menu_font  # only the text people read
    assert window.statusBar().font().pointSizeF() == menu_font
    assert box.minimumHeight() > normal_box  # the input box still shows two lines or more

    qtbot.keyClick(view, Qt.Key.Key_Minus, CTRL)
    assert size(view) == size(box) == normal * 1.1
    qtbot.keyClick(box, Qt.Key.Key_0, CTRL)
    assert size(view) == size(box) == normal
    settle(qtbot, window)
    assert view.visualRect(first).height() == normal_height
    assert not window.zoom.actual_size_action.isEnabled()


def test_zoom_is_clamped_and_remembered_for_the_next_start(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    window = make_window(tiny_model, load=False, data_dir=data)
    activate(qtbot, window)
    normal = size(window.message_view)
    for _ in range(len(ZOOM_STEPS) + 2):
        qtbot.keyClick(window.input_box, Qt.Key.Key_Equal, CTRL)
    assert window.zoom.percent == MAX_ZOOM
    assert size(window.message_view) == normal * MAX_ZOOM / 100
    assert not window.zoom.zoom_in_action.isEnabled()
    for _ in range(len(ZOOM_STEPS) + 2):
        qtbot.keyClick(window.input_box, Qt.Key.Key_Minus, CTRL)
    assert window.zoom.percent == MIN_ZOOM
    assert not window.zoom.zoom_out_action.isEnabled()
    qtbot.keyClick(window.input_box, Qt.Key.Key_Equal, CTRL)
    window.close()
    assert AppSettings(data).zoom == 70

    again = make_window(tiny_model, load=False, data_dir=data)
    assert again.zoom.percent == 70
    assert size(again.message_view) == size(again.input_box) == normal * 0.7


def test_a_damaged_zoom_setting_reads_as_normal(tmp_path: Path) -> None:
    settings = AppSettings(tmp_path)
    for stored in ("huge", "1000", "-5"):
        settings._store.setValue("window/zoom", stored)
        assert settings.zoom == 100
    settings.zoom = 150
    assert settings.zoom == 150
