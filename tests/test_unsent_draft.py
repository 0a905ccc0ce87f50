"""Quitting with text typed but not sent: the next start shows it again (issue 12, problem 11)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from tests.conftest import WindowFactory


def test_a_draft_in_a_new_chat_is_back_after_quitting(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    window = make_window(tiny_model, load=False, data_dir=data_dir)
    window.input_box.setFocus()
    qtbot.keyClicks(window.input_box, "half a thought")
    window.close()  # the real path: closeEvent, as the window's close button and Quit take

    again = make_window(tiny_model, load=False, data_dir=data_dir)
    assert again.input_box.text() == "half a thought"
    assert again.input_box.textCursor().atEnd()
    again.close()

    third = make_window(tiny_model, load=False, data_dir=data_dir)
    assert third.input_box.text() == "half a thought"  # kept until it is sent or cleared


def test_a_draft_in_a_kept_chat_is_back_in_that_chat_after_quitting(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    window = make_window(tiny_model, data_dir=data_dir)
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText("Hello there")
        window.send_message()
    QApplication.processEvents()
    chat_file = window.session.current.path
    window.input_box.setFocus()
    qtbot.keyClicks(window.input_box, "and another thing")
    window.close()

    again = make_window(tiny_model, load=False, data_dir=data_dir)
    assert again.session.current.path == chat_file
    assert again.input_box.text() == "and another thing"
    assert again.conversation.messages[0].content == "Hello there"


def test_an_emptied_input_box_brings_nothing_back(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    window = make_window(tiny_model, load=False, data_dir=data_dir)
    qtbot.keyClicks(window.input_box, "never mind")
    window.close()
    again = make_window(tiny_model, load=False, data_dir=data_dir)
    again.input_box.clear()
    again.close()
    third = make_window(tiny_model, load=False, data_dir=data_dir)
    assert third.input_box.text() == ""
