"""The File menu as a person uses it: save, quit, open again; bad files; autosave and restore."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from core.conversation import Conversation
from core.settings import PRESETS
from core.transcript import AUTOSAVE_FILE_NAME, Transcript, load, save
from tests.conftest import WindowFactory
from tests.test_cli import last_json_line, run_main

FAST = "Fast (greedy, streams)"


class Dialogs:
    """Answers the file and message dialogs the way a person would, and remembers them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.save_path = ""
        self.open_path = ""
        self.question_answer = QMessageBox.StandardButton.Cancel
        self.questions: list[str] = []
        self.warnings: list[str] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (self.save_path, ""))
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (self.open_path, ""))
        monkeypatch.setattr(QMessageBox, "question", self._question)
        monkeypatch.setattr(QMessageBox, "warning", self._warning)

    def _question(self, parent: Any, title: str, text: str, *args: Any) -> Any:
        self.questions.append(text)
        return self.question_answer

    def _warning(self, parent: Any, title: str, text: str, *args: Any) -> Any:
        self.warnings.append(text)
        return QMessageBox.StandardButton.Ok


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


def chat(qtbot: Any, window: Any, text: str) -> None:
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText(text)
        qtbot.keyClick(window.input_box, Qt.Key.Key_Return)


def messages(window: Any) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in window.conversation.messages]


def test_save_quit_open_gives_the_same_chat_and_the_next_reply_continues_it(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model, headless=False)
    window.conversation.persona = "I love dogs."
    window.set_preset(FAST)
    chat(qtbot, window, "<b>Hello</b> there")
    dialogs.save_path = str(tmp_path / "my chat")
    window.files.save_as_action.trigger()
    saved = tmp_path / "my chat.confab.json"
    assert saved.is_file()
    assert "my chat.confab.json" in window.windowTitle() and not window.isWindowModified()
    before = messages(window)
    window.close()
    assert not (tmp_path / "data" / AUTOSAVE_FILE_NAME).exists()

    again = make_window(tiny_model, headless=False, data_dir=tmp_path / "data2")
    dialogs.open_path = str(saved)
    again.files.open_action.trigger()
    assert messages(again) == before
    assert again.conversation.persona == "I love dogs."
    assert again.generation == PRESETS[FAST] and again.preset_actions[FAST].isChecked()
    assert not again.isWindowModified()
    with qtbot.waitSignal(again.reply_shown, timeout=60_000) as shown:
        again.input_box.setPlainText("And then?")
        qtbot.keyClick(again.input_box, Qt.Key.Key_Return)
    assert shown.args[0].context.turns_total == 3  # the opened turns are the bot's context
    assert again.isWindowModified()


def test_a_bad_file_is_named_and_the_current_chat_is_untouched(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model, headless=False)
    chat(qtbot, window, "Keep me")
    before = messages(window)
    bad = tmp_path / "broken.confab.json"
    bad.write_text('{"format": "confab-transcript", "version": 1, "messages": [', encoding="utf-8")
    dialogs.question_answer = QMessageBox.StandardButton.Discard
    dialogs.open_path = str(bad)
    window.files.open_action.trigger()
    assert len(dialogs.warnings) == 1 and str(bad) in dialogs.warnings[0]
    assert messages(window) == before
    assert window.isWindowModified()


def test_new_chat_asks_before_dropping_unsaved_work(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model, headless=False)
    chat(qtbot, window, "Unsaved words")
    dialogs.question_answer = QMessageBox.StandardButton.Cancel
    window.files.new_action.trigger()
    assert len(dialogs.questions) == 1 and messages(window)
    dialogs.question_answer = QMessageBox.StandardButton.Discard
    window.files.new_action.trigger()
    assert messages(window) == [] and window.message_model.rowCount() == 0
    assert not window.isWindowModified()


def test_quit_with_unsaved_changes_can_be_cancelled(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model, headless=False)
    chat(qtbot, window, "Do not lose me")
    dialogs.question_answer = QMessageBox.StandardButton.Cancel
    window.quit_action.trigger()
    assert window.isVisible()
    assert (window.options.data_dir / AUTOSAVE_FILE_NAME).is_file()


def test_a_failed_save_keeps_the_chat_unsaved_and_says_why(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model, headless=False)
    chat(qtbot, window, "Hello")
    dialogs.save_path = str(tmp_path / "gone" / "chat.confab.json")
    window.files.save_as_action.trigger()
    assert len(dialogs.warnings) == 1 and "gone" in dialogs.warnings[0]
    assert window.isWindowModified()
    assert window.files.current_path is None


def test_export_writes_markdown_and_does_not_mark_the_chat_saved(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model, headless=False)
    chat(qtbot, window, "Export me")
    dialogs.save_path = str(tmp_path / "export")
    assert window.files.export("md")
    text = (tmp_path / "export.md").read_text(encoding="utf-8")
    assert "**You:**" in text and "**Bot:**" in text and "Export me" in text
    dialogs.save_path = str(tmp_path / "export.txt")
    assert window.files.export("txt")
    assert "Export me" in (tmp_path / "export.txt").read_text(encoding="utf-8")
    assert window.isWindowModified()


def test_every_reply_is_autosaved_and_restored_after_a_crash(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model, headless=False)
    chat(qtbot, window, "Remember this")
    autosave = window.options.data_dir / AUTOSAVE_FILE_NAME
    first = load(autosave).transcript.conversation.messages[0]
    assert first.content == "Remember this"
    before = messages(window)
    # A crash: the window is gone without closeEvent; a new one starts on the same data folder.
    window.setWindowModified(False)
    window.host.shutdown(10_000)
    dialogs.question_answer = QMessageBox.StandardButton.Yes
    again = make_window(tiny_model, headless=False, load=False, data_dir=window.options.data_dir)
    assert again.files.offer_restore()
    assert messages(again) == before
    assert again.isWindowModified() and again.files.current_path is None


def test_open_recent_lists_saved_chats_and_greys_out_missing_ones(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model, load=False, headless=False)
    conversation = Conversation()
    conversation.add("user", "Old chat")
    kept, missing = tmp_path / "kept.confab.json", tmp_path / "missing.confab.json"
    save(kept, Transcript(conversation))
    save(missing, Transcript(conversation))
    window.files.open_path(missing)
    window.files.open_path(kept)
    missing.unlink()
    window.files.fill_recent_menu()
    actions = {a.text(): a.isEnabled() for a in window.files.recent_menu.actions() if a.text()}
    assert actions[str(kept.resolve())] is True
    assert actions[str(missing.resolve())] is False


def test_an_openai_message_list_imports_as_a_new_unsaved_chat(
    make_window: WindowFactory, tiny_model: Path, tmp_path: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model, load=False, headless=False)
    path = tmp_path / "openai.json"
    path.write_text(
        json.dumps(
            [
                {"role": "system", "content": "Be nice."},
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello!"},
            ]
        ),
        encoding="utf-8",
    )
    window.files.open_path(path)
    assert messages(window) == [("system", "Be nice."), ("user", "Hi"), ("assistant", "Hello!")]
    assert window.files.current_path is None and window.isWindowModified()


def test_a_2000_message_chat_opens_in_under_a_second(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path, dialogs: Dialogs
) -> None:
    conversation = Conversation()
    for i in range(1000):
        conversation.add("user", f"Message {i}: tell me something about dogs and the sea. " * 2)
        conversation.add("assistant", f"Reply {i}: dogs love the sea, and so do I!")
    path = tmp_path / "long.confab.json"
    save(path, Transcript(conversation))
    window = make_window(tiny_model, load=False, headless=False)
    started = time.perf_counter()
    window.files.open_path(path)
    window.message_view.doItemsLayout()  # lay out every row now, not in idle batches
    QApplication.processEvents()
    opened_s = time.perf_counter() - started
    print(f"2,000-message chat opened and laid out in {opened_s:.3f} s")
    assert window.message_model.rowCount() == 2000
    assert opened_s < 1.0
    bar = window.message_view.verticalScrollBar()
    for value in range(0, bar.maximum(), max(1, bar.maximum() // 20)):
        bar.setValue(value)
        QApplication.processEvents()


def test_main_opens_a_transcript_given_on_the_command_line(
    tiny_model: Path, tmp_path: Path
) -> None:
    conversation = Conversation()
    conversation.add("user", "Hi")
    conversation.add("assistant", "Hello!")
    path = tmp_path / "start.confab.json"
    save(path, Transcript(conversation))
    done = run_main(
        str(path),
        "--self-test",
        "--offline",
        "--model",
        str(tiny_model),
        "--data-dir",
        str(tmp_path / "data"),
        "--engine",
        "transformers",
    )
    result = last_json_line(done.stdout)
    assert result["ok"] is True
    assert result["context_turns"] == 3  # two from the file, one from the self-test
