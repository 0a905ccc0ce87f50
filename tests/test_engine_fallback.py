"""A choice that cannot work is not remembered: an engine that fails to load a model falls
back to Automatic, with a message, and the menu and the settings file show what is in use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import WindowFactory
from tests.test_continue import build_causal


@pytest.fixture(scope="module")
def causal_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_causal(tmp_path_factory.mktemp("models") / "causal-llama")


def test_a_remembered_fast_engine_that_fails_at_start_falls_back_to_automatic(
    qtbot: Any, make_window: WindowFactory, causal_model: Path
) -> None:
    window = make_window(causal_model, engine="fast", load=False)
    window.settings.engine = "fast"  # as an older Confab stored it
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.start_loading()
    assert window.engine_choice == "auto"
    assert window.settings.engine == "auto"
    assert window.chat_settings.engine_actions["auto"].isChecked()
    assert not window.chat_settings.engine_actions["fast"].isChecked()
    assert "Fast (int8) engine cannot run this model" in window.model_choices.fallback_message
    assert "BlenderBot models only" in window.model_choices.fallback_message
    assert window.model_label.text().startswith("Ready")


def test_choosing_fast_for_a_causal_model_is_not_remembered(
    qtbot: Any, make_window: WindowFactory, causal_model: Path
) -> None:
    window = make_window(causal_model)
    assert window.chat_settings.engine_actions["transformers"].isChecked()
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.chat_settings.engine_actions["fast"].trigger()
    assert window.settings.engine == "auto" and window.engine_choice == "auto"
    assert window.chat_settings.engine_actions["auto"].isChecked()


def test_an_engine_that_works_is_remembered(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.chat_settings.engine_actions["fast"].trigger()
    assert window.settings.engine == "fast"
    assert window.model_info is not None and window.model_info.engine != "transformers"
    # The status bar says where the model runs and why (no GPU on these machines).
    assert window.device_label.text() == "CPU: no CUDA device"


def test_switching_models_in_the_picker_keeps_the_chat_and_records_each_replys_model(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, causal_model: Path
) -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from core.settings import GenerationSettings

    window = make_window(tiny_model)
    window.session.set_settings(GenerationSettings(num_beams=1, do_sample=False, max_length=8))
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText("Hello")
        window.send_message()
    assert window.settings.recent_models == [str(tiny_model)]

    def pick() -> None:
        picker = window.model_choices.picker
        picker.hub_edit.setFocus()
        qtbot.keyClicks(picker.hub_edit, str(causal_model))
        qtbot.keyClick(picker.hub_edit, Qt.Key.Key_Return)

    QTimer.singleShot(200, pick)
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.model_button.click()  # the status bar's Model… button opens the picker
    assert window.model_setup.reference == str(causal_model)
    # The persona panel speaks of a system prompt now, not of BlenderBot's persona lines.
    assert "system prompt" in window.persona_panel.hint.text()
    assert window.settings.recent_models == [str(causal_model), str(tiny_model)]
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText("And now?")
        window.send_message()
    QApplication.processEvents()
    messages = window.conversation.messages
    assert [m.content for m in messages][::2] == ["Hello", "And now?"]
    assert messages[1].meta["model"] != messages[3].meta["model"]
    assert messages[3].meta["model"] == window.model_info.model_id


def test_a_passing_status_message_never_hides_the_model(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    window.statusBar().showMessage("Replied in 1.6 s", 6000)
    assert window.model_label.isVisible() and window.model_label.text().startswith("Ready")
    assert window.model_button.isVisible() and window.device_label.isVisible()
