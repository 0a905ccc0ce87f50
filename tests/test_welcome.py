"""First run and empty states (issue 12, problem 1): an empty chat shows a welcome panel that
says what the bot is, what the model is doing and how to get one, and offers starter prompts;
a message written while no model is coming gets an honest note, and is answered later."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QPushButton

from gui.welcome_panel import describe_duration, seconds_left
from tests.conftest import WindowFactory
from tests.fake_hub import FakeHub
from tests.test_download import REPO_ID, DialogDriver, make_repo, serve
from tests.worker_signals import worker_signal

LOADING_NOTE = "The bot will answer once the model is loaded."
HONEST_NOTE = "No model is loading, so the bot cannot answer yet."


def activate(qtbot: Any, window: Any) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)


def shows_welcome(window: Any) -> bool:
    return bool(window.message_stack.currentWidget() is window.welcome_panel)


def type_and_send(qtbot: Any, window: Any, text: str) -> None:
    window.input_box.setFocus()
    qtbot.keyClicks(window.input_box, text)
    qtbot.keyClick(window.input_box, Qt.Key.Key_Return)


def close_modal_soon() -> QTimer:
    """Reject the next modal dialog (a file dialog's exec() blocks the test)."""
    timer = QTimer()
    timer.setInterval(20)

    def close() -> None:
        modal = QApplication.activeModalWidget()
        if modal is not None:
            modal.close()
            timer.stop()

    timer.timeout.connect(close)
    timer.start()
    return timer


@pytest.fixture
def hub_with_model(
    tiny_model: Path, tmp_path: Path, hub_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> Any:
    hub = serve(make_repo(tiny_model, tmp_path / "repo"), monkeypatch)
    yield hub
    hub.stop()


def test_the_panel_says_what_the_bot_is_and_a_starter_prompt_goes_to_the_input_box(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    activate(qtbot, window)
    panel = window.welcome_panel
    info = window.model_info
    assert shows_welcome(window) and panel.isVisible()
    assert panel.state == "ready"
    assert panel.heading.text() == f"Chat with {info.model_id}"
    about = panel.about.text()
    assert "small chit-chat model" in about and "makes things up" in about
    assert f"about {info.context_limit} tokens" in about
    assert not panel.model_buttons.isVisible()

    prompt = panel.prompt_buttons[1]
    qtbot.mouseClick(prompt, Qt.MouseButton.LeftButton)
    assert window.input_box.text() == prompt.text()
    assert window.input_box.hasFocus()
    assert window.conversation.messages == []  # put in the box, not sent
    assert shows_welcome(window)

    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        qtbot.keyClick(window.input_box, Qt.Key.Key_Return)
    assert not shows_welcome(window) and window.message_view.isVisible()


def test_the_panel_comes_and_goes_with_an_empty_chat(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    first = window.session.current
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        type_and_send(qtbot, window, "Hello")
    assert not shows_welcome(window)
    window.files.new_chat()
    assert window.session.current is not first and shows_welcome(window)
    window.show_chat(first)
    assert not shows_welcome(window)
    while window.conversation.messages:  # undo the reply, then the message
        window.chat_undo.undo_action.trigger()
    assert shows_welcome(window)
    window.chat_undo.redo_action.trigger()
    assert not shows_welcome(window)


def test_the_panel_is_reachable_and_named_for_the_keyboard(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    activate(qtbot, window)
    panel = window.welcome_panel
    buttons = [panel.choose_button, panel.folder_button, *panel.prompt_buttons]
    assert all(button.accessibleName() for button in buttons)
    assert panel.prompt_buttons[0].accessibleName() == (
        f"Starter prompt: {panel.prompt_buttons[0].text()}"
    )
    window.input_box.setFocus()
    back = Qt.KeyboardModifier.ShiftModifier
    for _ in range(3):  # back from the input box: the last prompt comes first
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab, back)
        if QApplication.focusWidget() in panel.prompt_buttons:
            break
    last: QPushButton = panel.prompt_buttons[-1]
    prompt = last.text()
    assert QApplication.focusWidget() is last
    qtbot.keyClick(last, Qt.Key.Key_Space)
    assert window.input_box.text() == prompt
    assert window.input_box.hasFocus()


def test_the_panel_takes_its_colours_from_the_palette(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    palette = window.palette()
    unusual = QColor(12, 200, 99)
    palette.setColor(QPalette.ColorRole.Base, unusual)
    window.setPalette(palette)
    image = window.welcome_panel.grab().toImage()
    assert image.pixelColor(3, 3) == unusual
    assert window.welcome_panel.about.foregroundRole() == QPalette.ColorRole.Text


def test_while_loading_the_panel_shows_progress_and_a_message_waits_for_the_model(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    panel = window.welcome_panel
    seen: list[int] = []
    panel.progress.valueChanged.connect(seen.append)
    window.start_loading()
    assert panel.state == "loading" and panel.progress.isVisible()
    assert re.match(r"Loading .*: \d+ %", panel.status.text())
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        type_and_send(qtbot, window, "Are you there?")
        assert window.statusBar().currentMessage() == LOADING_NOTE
    assert any(0 < value <= 100 for value in seen)
    assert panel.state == "ready"


def test_after_esc_in_the_model_needed_dialog_the_panel_guides_and_the_note_is_honest(
    qtbot: Any,
    make_window: WindowFactory,
    tiny_model: Path,
    hub_cache: Path,
    offline: None,
) -> None:
    window = make_window("confab-test/not-here", headless=False, load=False, offline=True)
    panel = window.welcome_panel

    pressed: list[bool] = []

    def press_esc() -> bool:
        dialog = window.missing_dialog
        if dialog is None or not dialog.isVisible():
            return False
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        pressed.append(True)
        return True

    driver = DialogDriver(press_esc)
    window.start_loading()
    qtbot.waitUntil(lambda: bool(pressed) and window.missing_dialog is None, timeout=30_000)
    driver.timer.stop()
    assert window.missing_dialog is None and window.model_info is None
    assert panel.state == "no model"
    assert panel.status.text().startswith("No model is loaded, and none is loading")
    assert panel.model_buttons.isVisible() and panel.choose_button.isEnabled()

    type_and_send(qtbot, window, "Is anybody there?")
    assert window.statusBar().currentMessage().startswith(HONEST_NOTE)
    assert [(m.role, m.content) for m in window.conversation.messages] == [
        ("user", "Is anybody there?")
    ]
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.start_loading(str(tiny_model))  # kept, and answered once a model is loaded
    assert [m.role for m in window.conversation.messages] == ["user", "assistant"]


def test_after_a_failed_load_the_panel_gives_the_reason_and_the_way_on(
    qtbot: Any, make_window: WindowFactory, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-model"
    window = make_window(missing, load=False)
    panel = window.welcome_panel
    with qtbot.waitSignal(window.model_failed, timeout=30_000):
        window.start_loading()
    qtbot.waitUntil(lambda: panel.state == "failed", timeout=30_000)  # after the fallback
    assert panel.status.text().startswith("The model could not be loaded:")
    assert str(missing) in panel.status.text()
    assert panel.model_buttons.isVisible()

    timer = close_modal_soon()
    with qtbot.waitSignal(window.open_model_action.triggered, timeout=5_000):
        qtbot.mouseClick(panel.folder_button, Qt.MouseButton.LeftButton)
    timer.stop()

    type_and_send(qtbot, window, "Hello?")
    assert window.statusBar().currentMessage().startswith(HONEST_NOTE)
    assert [m.content for m in window.conversation.messages] == ["Hello?"]


def test_while_downloading_the_panel_shows_the_size_and_a_cancel_leaves_guidance(
    qtbot: Any, make_window: WindowFactory, hub_with_model: FakeHub
) -> None:
    window = make_window(REPO_ID, headless=False, load=False, offline=False)
    panel = window.welcome_panel
    weights_gate = threading.Event()
    hub_with_model.hold_files["pytorch_model.bin"] = weights_gate
    seen: dict[str, Any] = {}

    def user() -> bool:
        dialog = window.missing_dialog
        if "clicked" not in seen:
            if dialog is not None and dialog.download_button.isEnabled():
                seen["clicked"] = True
                seen["total"] = dialog.plan.total_bytes
                qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
            return False
        progress_dialog = window.download_dialog
        if progress_dialog is None or progress_dialog.value() <= 0:
            return False
        seen["state"], seen["status"] = panel.state, panel.status.text()
        cancel = progress_dialog.findChild(QPushButton)
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        weights_gate.set()
        return True

    driver = DialogDriver(user)
    with worker_signal(qtbot, window.host.worker.download_cancelled, timeout=30_000):
        window.start_loading()
    driver.timer.stop()
    from gui.dialogs import human_size

    assert seen["state"] == "downloading"
    assert seen["status"].startswith(f"Downloading {REPO_ID}: ")
    assert f" of {human_size(seen['total'])} (" in seen["status"]
    qtbot.waitUntil(lambda: panel.state == "no model", timeout=5_000)
    assert panel.model_buttons.isVisible()


def test_the_time_left_comes_from_the_rate_so_far() -> None:
    assert seconds_left(500, 1000, 0, 0.5) is None  # too early to tell
    assert seconds_left(0, 1000, 0, 5.0) is None  # nothing fetched yet
    assert seconds_left(500, 1000, 100, 4.0) == pytest.approx(5.0)
    assert describe_duration(5.0) == "5 s"
    assert describe_duration(150.0) == "2 min"
    assert describe_duration(3 * 3600 + 5 * 60) == "3 h 5 min"
