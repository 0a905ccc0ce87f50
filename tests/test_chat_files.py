"""The chat library as a person uses it: the sidebar, switching, drafts, delete and undo,
opening files from elsewhere, exports, and the one-time import of the old autosave."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox

from core.conversation import Conversation
from core.engines.base import GenerationCancelled
from core.engines.transformers_engine import TransformersEngine
from core.settings import GenerationSettings
from core.transcript import AUTOSAVE_FILE_NAME, Transcript, load, save
from tests.conftest import WindowFactory
from tests.test_cli import last_json_line, run_main
from tests.worker_signals import worker_signal

DATA = Path(__file__).parent / "data"
GREEDY = GenerationSettings(num_beams=1, do_sample=False)


class Dialogs:
    """Answers the file and message dialogs the way a person would, and remembers them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.save_path = ""
        self.open_path = ""
        self.text_answer = ("", False)
        self.question_answer = QMessageBox.StandardButton.Yes
        self.questions: list[str] = []
        self.warnings: list[str] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (self.save_path, ""))
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (self.open_path, ""))
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: self.text_answer)
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


def shortcut(qtbot: Any, window: Any, key: Qt.Key, modifiers: Any = None) -> None:
    """Press a window shortcut as a person would: in the window that is active."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, key, modifiers or Qt.KeyboardModifier.NoModifier)


def sidebar(window: Any) -> list[str]:
    """The sidebar's rows as shown: group headers, and each chat's title (first line)."""
    QApplication.processEvents()  # the sidebar rebuilds on the next turn of the event loop
    model = window.chat_list_model
    return [str(model.index(row).data()).split("\n")[0] for row in range(model.rowCount())]


def test_every_chat_is_in_the_sidebar_newest_first_and_survives_a_restart(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    window = make_window(tiny_model)
    chat(qtbot, window, "First chat")
    shortcut(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert messages(window) == []
    chat(qtbot, window, "Second chat")
    assert sidebar(window) == ["Today", "Second chat", "First chat"]
    window.close()

    again = make_window(tiny_model, load=False)
    assert sidebar(again)[1:] == ["Second chat", "First chat"]
    assert messages(again) == []  # a fresh chat is shown, kept only once typed in


def test_arrow_keys_switch_chats_and_each_keeps_its_draft(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    chat(qtbot, window, "Older chat")
    window.files.new_chat()
    chat(qtbot, window, "Newer chat")
    qtbot.keyClicks(window.input_box, "half-typed thought")
    window.chat_list.setFocus()
    qtbot.keyClick(window.chat_list, Qt.Key.Key_Down)
    assert messages(window)[0] == ("user", "Older chat")
    assert window.input_box.text() == ""
    qtbot.keyClick(window.chat_list, Qt.Key.Key_Up)
    assert messages(window)[0] == ("user", "Newer chat")
    assert window.input_box.text() == "half-typed thought"


def test_delete_asks_then_moves_to_the_trash_and_ctrl_z_brings_it_back(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model, headless=False)
    chat(qtbot, window, "Do not lose me")
    path = window.session.current.path
    original = path.read_bytes()
    dialogs.question_answer = QMessageBox.StandardButton.Cancel
    window.chat_list.setFocus()
    qtbot.keyClick(window.chat_list, Qt.Key.Key_Delete)
    assert path.is_file() and len(dialogs.questions) == 1  # asked, and Cancel kept it
    dialogs.question_answer = QMessageBox.StandardButton.Yes
    qtbot.keyClick(window.chat_list, Qt.Key.Key_Delete)
    assert not path.exists()
    assert "Do not lose me" not in sidebar(window)
    assert [entry.title for entry in window.library.trash()] == ["Do not lose me"]
    assert window.files.undo_action.text() == "&Undo Delete of “Do not lose me”"
    window.chat_list.setFocus()
    qtbot.keyClick(window.chat_list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert path.read_bytes() == original
    assert messages(window)[0] == ("user", "Do not lose me")
    assert "Do not lose me" in sidebar(window)


def test_rename_with_f2_and_pin_to_the_top(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model)
    chat(qtbot, window, "About dogs")
    pinned = window.session.current
    window.files.new_chat()
    chat(qtbot, window, "About cats")
    window.show_chat(pinned)
    dialogs.text_answer = ("Dogs, mostly", True)
    shortcut(qtbot, window, Qt.Key.Key_F2)
    window.files.pin_action.trigger()
    assert sidebar(window) == ["Pinned", "Dogs, mostly", "Today", "About cats"]
    assert load(pinned.path).transcript.pinned
    assert window.windowTitle().startswith("Dogs, mostly")


def test_a_reply_in_flight_lands_in_its_own_chat_and_stop_still_reaches_it(
    qtbot: Any, make_window: WindowFactory, slow_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def held_until_stop(self: TransformersEngine, stop: threading.Event) -> None:
        """The reply stays in flight until Stop (it raced the first streamed token before)."""
        if stop.wait(timeout=60):
            raise GenerationCancelled()

    monkeypatch.setattr(TransformersEngine, "_before_reply", held_until_stop)
    window = make_window(slow_model)
    window.session.set_settings(GREEDY.with_changes(min_length=120, max_length=120))
    window.input_box.setPlainText("Tell me a long story")
    qtbot.keyClick(window.input_box, Qt.Key.Key_Return)
    busy = window.session.current
    qtbot.waitUntil(lambda: window.session.pending_for(busy) is not None)
    window.sidebar.new_button.click()
    assert not window.session.pending_for(busy).request.stop.is_set()  # a new chat stops nothing
    assert "Tell me a long story" in sidebar(window)
    row = window.chat_list_model.row_of(busy)
    assert busy.busy and "replying" in str(window.chat_list_model.index(row).data())
    assert not window.stop_button.isEnabled()  # the shown chat has no reply running
    with worker_signal(qtbot, window.host.worker.reply_cancelled, timeout=60_000):
        window.session.stop(busy)
    qtbot.waitUntil(lambda: not busy.busy, timeout=10_000)
    assert messages(window) == []
    assert [m.content for m in window.library.transcript(busy).conversation.messages] == [
        "Tell me a long story"
    ]


def test_open_lists_a_file_under_opened_files_and_saves_it_in_place(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path, dialogs: Dialogs
) -> None:
    outside = tmp_path / "elsewhere" / "plans.confab.json"
    outside.parent.mkdir()
    shutil.copy(DATA / "handwritten.confab.json", outside)
    window = make_window(tiny_model)
    dialogs.open_path = str(outside)
    shortcut(qtbot, window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert sidebar(window) == ["Opened files", "Weekend plans"]
    assert window.files.move_action.isEnabled()
    chat(qtbot, window, "Where shall we go?")
    assert load(outside).transcript.conversation.messages[-2].content == "Where shall we go?"
    assert list(window.library.chats_dir.glob("*.json")) == []


def test_a_bad_file_is_named_and_the_shown_chat_is_untouched(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model, headless=False)
    chat(qtbot, window, "Keep this")
    bad = tmp_path / "bad.confab.json"
    bad.write_bytes(b"\x00\x01 not json")
    assert not window.files.open_path(bad)
    assert "binary file" in dialogs.warnings[-1] and str(bad) in dialogs.warnings[-1]
    assert messages(window)[0] == ("user", "Keep this")


def test_save_as_moves_the_chat_and_exports_leave_it_alone(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model)
    window.session.set_persona("I love dogs.")
    chat(qtbot, window, "Hello <b>there</b>")
    current = window.session.current
    library_file = current.path
    assert window.files.export_to("json", tmp_path / "chat")
    exported = json.loads((tmp_path / "chat.json").read_text("utf-8"))
    assert exported[0] == {"role": "system", "content": "I love dogs."}
    assert exported[1] == {"role": "user", "content": "Hello <b>there</b>"}
    assert window.files.export_to("md", tmp_path / "chat")
    assert "Hello \\<b\\>there\\</b\\>" in (tmp_path / "chat.md").read_text("utf-8")
    assert current.path == library_file
    dialogs.save_path = str(tmp_path / "mine")
    assert window.files.save_as()
    assert current.path == (tmp_path / "mine.confab.json").resolve() and current.external
    assert not library_file.exists()  # the library's copy went to the trash, not away
    assert len(window.library.trash()) == 1
    chat(qtbot, window, "Still here")
    assert load(current.path).transcript.conversation.messages[-2].content == "Still here"


def test_the_old_autosave_and_recent_files_are_offered_once(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conversation = Conversation()
    conversation.add("user", "From the autosave")
    save(data / AUTOSAVE_FILE_NAME, Transcript(conversation))
    recent = tmp_path / "recent.confab.json"
    shutil.copy(DATA / "handwritten.confab.json", recent)
    before = recent.read_bytes()
    from gui.app_settings import AppSettings

    AppSettings(data).recent_files = [str(recent)]
    window = make_window(tiny_model, load=False, data_dir=data)
    window.library_start.offer_import()
    box = window.library_start.import_box
    assert box.isVisible() and "Add the chat that was not saved" in box.text()
    assert sidebar(window) == []  # nothing moves before the answer
    box.button(QMessageBox.StandardButton.Yes).click()
    assert sidebar(window) == ["Today", "From the autosave", "Opened files", "Weekend plans"]
    assert not (data / AUTOSAVE_FILE_NAME).exists() and recent.read_bytes() == before
    window.library_start.import_box = None
    window.library_start.offer_import()
    assert window.library_start.import_box is None  # asked once only


def test_a_2000_message_chat_is_shown_quickly(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    conversation = Conversation()
    for i in range(1000):
        conversation.add("user", f"Message {i}: tell me something about dogs and the sea. " * 2)
        conversation.add("assistant", f"Reply {i}: dogs love the sea, and so do I!")
    (data / "chats").mkdir(parents=True)
    save(data / "chats" / "long.confab.json", Transcript(conversation))
    window = make_window(tiny_model, load=False, data_dir=data)
    (long_chat,) = [c for c in window.library.chats.values() if c.path is not None]
    started = time.perf_counter()
    window.show_chat(long_chat)
    window.message_view.doItemsLayout()  # lay out every row now, not in idle batches
    QApplication.processEvents()
    shown_s = time.perf_counter() - started
    print(f"2,000-message chat switched to and laid out in {shown_s:.3f} s")
    assert window.message_model.rowCount() == 2000
    assert shown_s < 1.0  # generous for a noisy CI machine; the benchmark reports the time


def test_the_models_keep_qts_rules_while_chatting_switching_and_deleting(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model)
    mode = QAbstractItemModelTester.FailureReportingMode.Fatal
    testers = [
        QAbstractItemModelTester(window.message_model, mode),
        QAbstractItemModelTester(window.chat_list_model, mode),
    ]
    chat(qtbot, window, "One")
    window.files.new_chat()
    chat(qtbot, window, "Two")
    window.show_chat(next(c for c in window.library.chats.values() if c.title == "One"))
    window.files.delete_chat()
    window.files.undo_delete()
    QApplication.processEvents()
    assert len(testers) == 2 and sorted(sidebar(window)) == ["One", "Today", "Two"]


def test_the_sidebar_can_be_hidden_and_its_width_is_remembered(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    window = make_window(tiny_model, load=False)
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    shortcut(qtbot, window, Qt.Key.Key_L, ctrl_shift)
    assert not window.chat_list.isVisible()
    window.sidebar_action.setChecked(True)
    window.splitter.setSizes([333, 700])
    window.close()
    again = make_window(tiny_model, load=False)
    assert again.chat_list.isVisible()
    assert again.splitter.sizes()[0] == 333


def test_main_opens_a_transcript_given_on_the_command_line_and_a_self_test_keeps_nothing(
    tiny_model: Path, tmp_path: Path
) -> None:
    conversation = Conversation()
    conversation.add("user", "Hi")
    conversation.add("assistant", "Hello!")
    path = tmp_path / "start.confab.json"
    save(path, Transcript(conversation))
    before = path.read_bytes()
    data = tmp_path / "data"
    done = run_main(
        str(path),
        "--self-test",
        "--offline",
        "--model",
        str(tiny_model),
        "--data-dir",
        str(data),
        "--engine",
        "transformers",
        "--threads",
        "1",
    )
    result = last_json_line(done.stdout)
    assert result["ok"] is True
    assert result["context_turns"] == 3  # two from the file, one from the self-test
    assert path.read_bytes() == before
    left = sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_file())
    assert [p for p in left if not p.startswith("logs/")] == ["self-test.json"]


def test_the_sidebars_trash_restores_a_deleted_chat_and_emptying_it_asks_first(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, dialogs: Dialogs
) -> None:
    window = make_window(tiny_model)
    chat(qtbot, window, "Gone for a while")
    deleted = window.session.current
    window.files.delete_chat()
    assert window.chat_list.context_actions[-1] is window.files.delete_action
    trash = window.sidebar.trash_button.menu()
    trash.aboutToShow.emit()
    restore = [a for a in trash.actions() if a.text().startswith("Restore “Gone for a while”")]
    assert len(restore) == 1
    restore[0].trigger()
    assert window.session.current is deleted and deleted.path.is_file()
    window.files.delete_chat()
    window.files.empty_trash()  # the warning is answered with OK, not Yes: nothing happens
    assert "cannot be undone" in dialogs.warnings[-1]
    assert len(window.library.trash()) == 1
