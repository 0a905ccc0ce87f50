"""The window as a person uses it: type, press Enter, read the reply; stop; close."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from gui.message_list import PendingRole, RoleRole
from tests.conftest import NetworkGuard, WindowFactory

MARKUP = "<b>hi</b><img src=file:///etc/passwd>"


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
    assert window.isWindowModified()


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
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        type_and_press_enter(qtbot, window, MARKUP)
    assert rows(window)[0] == ("user", MARKUP)
    window.message_view.setCurrentIndex(window.message_model.index(0))
    window.copy_selected_messages()
    assert QGuiApplication.clipboard().text() == MARKUP
    pixmap = window.message_view.grab()  # paints through the delegate
    assert not pixmap.isNull()


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
    qtbot.waitUntil(lambda: window.progress_bar.value() > 0, timeout=30_000)
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
        window.conversation.add("user", text)
        window.message_model.message_appended()
    view = window.message_view
    single, multi = (view.sizeHintForIndex(window.message_model.index(r)).height() for r in (0, 1))
    assert multi > single * 1.5


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
