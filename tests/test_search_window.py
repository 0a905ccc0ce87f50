"""Search All Chats as a person uses it, and the index behind the sidebar: listed from the
index at start-up, refreshed in the background, rebuilt when damaged."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.conversation import Conversation
from core.search_index import INDEX_FILE_NAME
from core.transcript import Transcript, load, save
from gui.bubble_delegate import find_marks
from gui.message_list import FindRole
from tests.conftest import WindowFactory

DATA = Path(__file__).parent / "data"


def library_with(data: Path, chats: dict[str, list[str]]) -> None:
    (data / "chats").mkdir(parents=True, exist_ok=True)
    for name, turns in chats.items():
        conversation = Conversation()
        for i, text in enumerate(turns):
            conversation.add("user" if i % 2 == 0 else "assistant", text)
        save(data / "chats" / f"{name}.confab.json", Transcript(conversation))


CHATS = {
    "coffee": ["Where is the best Café in town?", "The one by the river serves good coffee."],
    "dogs": ["I love dogs", "Dogs love the sea, and so do I."],
    "sea": ["Tell me about the sea", "The sea is big and the river is small."],
}


def wait_for_index(qtbot: Any, window: Any) -> None:
    refresher = window.library_start.refresher
    assert refresher is not None
    qtbot.waitUntil(lambda: not refresher.worker_thread.is_alive(), timeout=30_000)
    QApplication.processEvents()


def test_search_finds_words_regardless_of_accents_and_opens_the_message(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    library_with(data, CHATS)
    window = make_window(tiny_model, load=False, data_dir=data)
    wait_for_index(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_F, modifiers)
    panel = window.search_panel
    assert panel is not None and panel.isVisible()
    qtbot.waitUntil(panel.query.hasFocus, timeout=5_000)
    qtbot.keyClicks(panel.query, "cafe")
    assert panel.results.count() == 1
    assert panel.status.text() == "1 message(s) found"
    qtbot.keyClick(panel.query, Qt.Key.Key_Return)
    assert window.conversation.messages[0].content == "Where is the best Café in town?"
    assert window.message_view.currentIndex().row() == 0

    panel.query.setText('"the river"')
    assert panel.results.count() == 2  # the phrase, in two chats
    panel.query.setText('"river the"')
    assert panel.results.count() == 0  # the same words, not as that phrase
    panel.query.setText("sea")
    hits = [panel.results.item(i).data(Qt.ItemDataRole.AccessibleTextRole) for i in range(3)]
    assert all("sea" in hit.lower() for hit in hits)
    panel.results.setCurrentRow(0)
    chosen = panel.results.currentItem().data(Qt.ItemDataRole.UserRole + 1)
    qtbot.keyClick(panel.query, Qt.Key.Key_Return)
    assert window.session.current.path == chosen.path
    assert window.message_view.currentIndex().row() == chosen.message_index


def test_a_new_reply_is_searchable_at_once(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    wait_for_index(qtbot, window)
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText("Zanzibar is an island")
        window.send_message()
    window.show_search()
    window.search_panel.query.setText("zanzibar")
    assert window.search_panel.results.count() == 1


def test_the_sidebar_comes_from_the_index_and_changed_files_are_read_again(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    library_with(data, CHATS)
    first = make_window(tiny_model, load=False, data_dir=data)
    wait_for_index(qtbot, first)
    first.close()

    # While Confab is closed, another program renames one chat and adds another.
    changed = data / "chats" / "dogs.confab.json"
    transcript = load(changed).transcript
    transcript.conversation.title = "All about dogs"
    save(changed, transcript)
    shutil.copy(DATA / "handwritten.confab.json", data / "chats" / "added.confab.json")

    again = make_window(tiny_model, load=False, data_dir=data)
    unread = [c for c in again.library.chats.values() if c.path and c.transcript is None]
    assert {c.title for c in unread} >= {"Tell me about the sea"}  # listed without a read
    wait_for_index(qtbot, again)
    titles = {c.title for c in again.library.chats.values() if c.path}
    assert titles == {
        "Where is the best Café in town?",
        "All about dogs",
        "Tell me about the sea",
        "Weekend plans",
    }


def test_a_damaged_index_is_rebuilt_and_no_chat_is_lost(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    library_with(data, CHATS)
    (data / INDEX_FILE_NAME).write_bytes(b"this is not a database" * 100)
    window = make_window(tiny_model, load=False, data_dir=data)
    assert window.library_start.index is not None
    assert str(window.library_start.index.reset_reason).startswith("damaged")
    wait_for_index(qtbot, window)
    assert len([c for c in window.library.chats.values() if c.path]) == 3
    window.show_search()
    window.search_panel.query.setText("dogs")
    assert window.search_panel.results.count() == 2


def test_find_in_chat_marks_every_match_and_steps_through_them(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    library_with(data, {"sea": ["The sea", "A boat", "More SEA please", "seaside town"]})
    window = make_window(tiny_model, load=False, data_dir=data)
    (chat,) = [c for c in window.library.chats.values() if c.path is not None]
    window.show_chat(chat)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = window.find_bar
    assert bar.isVisible() and bar.field.hasFocus()
    qtbot.keyClicks(bar.field, "sea")
    assert bar.count.text() == "3 of 3"  # the newest match first
    assert window.message_view.currentIndex().row() == 3
    marked = [window.message_model.index(r).data(FindRole) for r in range(4)]
    assert marked == ["sea", "", "sea", "sea"]
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.count.text() == "1 of 3" and window.message_view.currentIndex().row() == 0
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.count.text() == "3 of 3"
    ranges = find_marks("More SEA please, sea!", "sea", window.palette())
    assert [(r.start, r.length) for r in ranges] == [(5, 3), (17, 3)]
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible() and window.input_box.hasFocus()
    assert window.message_model.index(0).data(FindRole) == ""
