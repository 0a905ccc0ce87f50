"""Message actions from the keyboard and the mouse, on a tiny real model: edit makes a branch,
delete and undo restore the chat byte for byte, undo/redo cover every change, continue adds
to a reply, copy as Markdown, and each reply says how it was made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from core.settings import GenerationSettings
from core.transcript import load
from gui.message_list import how_made
from tests.conftest import WindowFactory
from tests.worker_signals import worker_signal

GREEDY = GenerationSettings(num_beams=1, do_sample=False, min_length=1, max_length=12)


def activate(qtbot: Any, window: Any) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)


def send(qtbot: Any, window: Any, text: str) -> None:
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText(text)
        window.send_message()
    QApplication.processEvents()


def texts(window: Any) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in window.conversation.messages]


def focus_row(qtbot: Any, window: Any, row: int) -> None:
    """Put the keyboard on the message list and walk to ``row`` with the arrow keys."""
    view = window.message_view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=5_000)
    qtbot.keyClick(view, Qt.Key.Key_Home)
    for _ in range(row):
        qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == row


def test_up_in_the_empty_input_edits_the_last_message_and_keeps_the_old_branch(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    activate(qtbot, window)
    window.session.set_settings(GREEDY)
    send(qtbot, window, "Do you like dogs?")
    send(qtbot, window, "What about cats?")
    old_reply = window.conversation.messages[3].content
    window.input_box.setFocus()
    qtbot.keyClick(window.input_box, Qt.Key.Key_Up)
    assert window.input_box.text() == "What about cats?"
    assert window.message_actions.edit_bar.isVisible()
    assert window.send_button.text() == "Save"
    window.input_box.moveCursor(window.input_box.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.input_box, " And birds?")
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        qtbot.keyClick(window.input_box, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert not window.message_actions.edit_bar.isVisible()
    edited = window.conversation.messages[2]
    assert edited.content == "What about cats? And birds?"
    assert len(window.conversation.messages) == 4  # the edited turn and its new reply
    assert [v.content for v in edited.versions] == ["What about cats?", edited.content]

    # The old branch comes back with Alt+Left on the edited turn, its reply with it.
    focus_row(qtbot, window, 2)
    qtbot.keyClick(window.message_view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert texts(window)[2:] == [("user", "What about cats?"), ("assistant", old_reply)]
    path = window.session.current.path
    saved = load(path).transcript.conversation
    assert [m.content for m in saved.messages][2:] == ["What about cats?", old_reply]
    qtbot.keyClick(window.message_view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.conversation.messages[2].content == "What about cats? And birds?"
    window.close()

    again = make_window(tiny_model, load=False)
    (chat,) = [c for c in again.library.chats.values() if c.path == path]
    again.show_chat(chat)
    turn = again.conversation.messages[2]
    assert [v.content for v in turn.versions] == ["What about cats?", turn.content]
    assert again.session.show_version(turn, -1)
    assert [m.content for m in again.conversation.messages][2:] == ["What about cats?", old_reply]


def test_esc_cancels_an_edit_and_the_draft_comes_back(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    window.session.set_settings(GREEDY)
    send(qtbot, window, "Hello")
    before = window.session.current.path.read_bytes()
    focus_row(qtbot, window, 0)
    qtbot.keyClick(window.message_view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert window.input_box.text() == "Hello"
    qtbot.keyClicks(window.input_box, " changed")
    qtbot.keyClick(window.input_box, Qt.Key.Key_Escape)
    assert window.message_actions.editing is None and window.input_box.text() == ""
    assert window.session.current.path.read_bytes() == before


def test_delete_then_undo_restores_the_chat_byte_for_byte_and_redo_deletes_again(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    activate(qtbot, window)
    window.session.set_settings(GREEDY)
    send(qtbot, window, "First question")
    send(qtbot, window, "Second question")
    path = window.session.current.path
    original = path.read_bytes()
    focus_row(qtbot, window, 1)
    qtbot.keyClick(window.message_view, Qt.Key.Key_Delete)
    assert [m.content for m in window.conversation.messages][:2] == [
        "First question",
        "Second question",
    ]
    assert len(window.conversation.messages) == 3
    assert window.chat_undo.undo_action.text() == "&Undo Delete Message"
    deleted = path.read_bytes()
    qtbot.keyClick(window.message_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert path.read_bytes() == original
    assert window.message_model.rowCount() == 4
    qtbot.keyClick(
        window.message_view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert path.read_bytes() == deleted

    # Shift+Del takes a whole turn: the question and its reply.
    qtbot.keyClick(window.message_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    focus_row(qtbot, window, 2)
    qtbot.keyClick(window.message_view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    assert next(m.content for m in window.conversation.messages) == "First question"
    assert len(window.conversation.messages) == 2
    qtbot.keyClick(window.message_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert path.read_bytes() == original


def test_undo_takes_back_a_send_with_its_reply_and_every_other_change(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    activate(qtbot, window)
    window.session.set_settings(GREEDY)
    send(qtbot, window, "One")
    path = window.session.current.path
    after_one = path.read_bytes()
    send(qtbot, window, "Two")
    assert window.chat_undo.undo_action.text() == "&Undo Send Message"
    window.chat_undo.undo()
    assert path.read_bytes() == after_one  # the message and its reply, in one step
    window.chat_undo.redo()
    assert [m.content for m in window.conversation.messages][2] == "Two"
    assert len(window.conversation.messages) == 4

    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.reply_actions.regenerate()
    assert window.chat_undo.undo_action.text() == "&Undo Regenerate Reply"
    window.chat_undo.undo()
    assert window.conversation.messages[-1].versions == []
    window.session.set_persona("I love dogs.")
    assert window.chat_undo.undo_action.text() == "&Undo Change Persona"
    window.chat_undo.undo()
    assert window.conversation.persona == ""
    window.session.set_settings(GenerationSettings(num_beams=2))
    window.chat_undo.undo()
    assert window.session.transcript.settings == GREEDY

    # Ctrl+Z in the input box undoes typing first, and only then the chat.
    window.input_box.setFocus()
    qtbot.keyClicks(window.input_box, "abc")
    qtbot.keyClick(window.input_box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.input_box.text() == ""
    rows = window.message_model.rowCount()
    qtbot.keyClick(window.input_box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.message_model.rowCount() == rows - 2  # "Two" and its reply are gone


def test_undo_is_refused_while_a_reply_is_written(
    qtbot: Any, make_window: WindowFactory, slow_model: Path
) -> None:
    window = make_window(slow_model)
    window.session.set_settings(GenerationSettings(num_beams=1, do_sample=False, max_length=100))
    window.input_box.setPlainText("Tell me a story")
    window.send_message()
    assert window.session.pending
    window.chat_undo.undo()
    assert window.statusBar().currentMessage().startswith("Wait for the reply")
    assert window.conversation.messages[0].content == "Tell me a story"
    with worker_signal(qtbot, window.host.worker.reply_cancelled, timeout=60_000):
        window.stop_reply()


def test_each_reply_says_how_it_was_made_and_the_status_bar_shows_its_speed(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    window.session.set_settings(GREEDY)
    send(qtbot, window, "Hi")
    reply = window.conversation.messages[1]
    assert reply.meta["engine"] == "transformers"
    assert reply.meta["settings"] == GREEDY.overrides()
    assert reply.meta["model"] and reply.meta["tokens"] > 0
    tip = str(window.message_model.index(1).data(Qt.ItemDataRole.ToolTipRole))
    assert "Engine: transformers" in tip and "tokens/s" in tip and "num beams 1" in tip
    assert window.speed_label.text().endswith("tokens/s")
    speed = reply.meta["tokens"] / reply.meta["reply_s"]
    assert f"{speed:.1f} tokens/s" in how_made(reply)
    focus_row(qtbot, window, 1)
    qtbot.keyClick(window.message_view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    popup = window.message_actions.popup
    assert popup is not None and popup.isVisible() and "Engine: transformers" in popup.label.text()
    popup.close()


def test_copy_chat_as_markdown_and_the_context_menu(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    window.session.set_settings(GREEDY)
    send(qtbot, window, "Markdown *please*")
    activate(qtbot, window)
    window.message_view.setFocus()
    qtbot.keyClick(
        window.message_view,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    copied = QApplication.clipboard().text()
    assert "Markdown \\*please\\*" in copied and window.conversation.messages[1].content in copied

    actions = window.message_actions
    focus_row(qtbot, window, 1)
    names = [a.text() for a in actions.context_menu().actions() if not a.isSeparator()]
    for expected in ("&Copy Messages", "&Edit Message", "Message &Info", "Re&generate Reply",
                     "C&ontinue Reply", "Delete &Message", "De&lete Turn",
                     "Copy Chat as Mar&kdown"):
        assert expected in names
    focus_row(qtbot, window, 0)
    names = [a.text() for a in actions.context_menu().actions()]
    assert "Re&generate Reply" not in names and "Message &Info" not in names
    # A right click selects the message under the pointer first.
    rect = window.message_view.visualRect(window.message_model.index(1))
    window.message_view.customContextMenuRequested.emit(QPoint(rect.center()))
    assert window.message_view.currentIndex().row() == 1
    for menu in window.message_view.findChildren(type(actions.context_menu())):
        menu.close()


def test_the_persona_panel_edits_the_chats_persona_which_undo_takes_back(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    window.session.set_settings(GREEDY)
    send(qtbot, window, "Hi")
    activate(qtbot, window)
    window.chat_settings.edit_persona()  # Chat > Bot Persona opens the panel, keyboard in it
    panel = window.persona_panel
    assert panel.isVisible() and panel.editor.hasFocus()
    qtbot.keyClicks(panel.editor, "I love dogs.")
    assert panel.windowTitle() == "Persona (not applied)"
    sent: list[Any] = []
    window.host.generate_requested.connect(sent.append)
    qtbot.keyClick(panel.apply_button, Qt.Key.Key_Space)
    assert window.conversation.persona == "I love dogs."
    assert "I love dogs." in window.session.current.path.read_text()
    send(qtbot, window, "What do you like?")
    assert sent[-1].persona == "I love dogs."
    window.chat_undo.undo()  # the question and its reply
    window.chat_undo.undo()  # the persona
    assert window.conversation.persona == "" and panel.editor.toPlainText() == ""

    # Enter makes a new line in the persona; Ctrl+Enter applies it, keyboard staying there.
    panel.editor.setFocus()
    qtbot.keyClicks(panel.editor, "I sail.")
    qtbot.keyClick(panel.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(panel.editor, "I sing.")
    qtbot.keyClick(panel.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.conversation.persona == "I sail.\nI sing."

    # Each chat has its own: a new chat starts without one.
    window.session.set_persona("I am a pirate.")
    window.files.new_chat()
    assert panel.editor.toPlainText() == ""
    window.show_chat(window.library.sorted_chats()[-1])
    assert panel.editor.toPlainText() == "I am a pirate."


def test_continue_from_the_keyboard_adds_to_the_last_reply(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    activate(qtbot, window)
    window.session.set_settings(GenerationSettings(num_beams=1, do_sample=False, max_length=6))
    send(qtbot, window, "Tell me a long story")
    reply = window.conversation.messages[1]
    head = reply.content
    sent: list[Any] = []
    window.host.generate_requested.connect(sent.append)
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        qtbot.keyClick(
            window.input_box,
            Qt.Key.Key_Return,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    QApplication.processEvents()
    assert sent[0].prefix == head and [t.text for t in sent[0].turns] == ["Tell me a long story"]
    assert len(window.conversation.messages) == 2  # the same reply, longer
    assert reply.content.startswith(head) and len(reply.content) > len(head)
    assert reply.meta["continued"] == 1
    assert head in window.session.current.path.read_text()
    window.chat_undo.undo()
    assert window.conversation.messages[1].content == head


def test_preferences_change_the_chats_settings_and_they_survive_a_restart(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    from PySide6.QtCore import QTimer

    window = make_window(tiny_model)
    activate(qtbot, window)

    def fill() -> None:
        dialog = window.model_choices.preferences
        assert dialog is not None
        beams = dialog.fields["num_beams"]
        beams.setFocus()
        qtbot.keyClicks(beams, "3")
        length = dialog.fields["max_length"]
        length.setFocus()
        qtbot.keyClicks(length, "500")  # past BlenderBot's 128 positions: refused
        assert not dialog.ok_button.isEnabled()
        length.clear()
        qtbot.keyClicks(length, "40")
        assert dialog.ok_button.isEnabled()
        qtbot.keyClick(dialog, Qt.Key.Key_Return)

    QTimer.singleShot(300, fill)
    qtbot.keyClick(window.input_box, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    settings = window.session.transcript.settings
    assert (settings.num_beams, settings.max_length) == (3, 40)
    send(qtbot, window, "Hi")
    path = window.session.current.path
    assert '"num_beams": 3' in path.read_text()
    assert window.conversation.messages[1].meta["settings"]["num_beams"] == 3
    window.close()

    again = make_window(tiny_model, load=False)
    (chat,) = [c for c in again.library.chats.values() if c.path == path]
    again.show_chat(chat)
    assert again.session.transcript.settings.num_beams == 3
    again.files.new_chat()  # a new chat starts with the style last chosen
    assert again.session.transcript.settings.num_beams == 3


def test_the_menu_key_opens_the_menu_of_the_message_with_the_focus(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QMenu

    window = make_window(tiny_model)
    window.session.set_settings(GREEDY)
    send(qtbot, window, "One")
    send(qtbot, window, "Two")
    focus_row(qtbot, window, 1)
    view = window.message_view
    far = view.visualRect(window.message_model.index(3)).center()  # the pointer is elsewhere
    event = QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, far)
    QApplication.sendEvent(view.viewport(), event)
    assert view.currentIndex().row() == 1
    menus = [m for m in view.findChildren(QMenu) if m.isVisible()]
    assert menus and "Message &Info" in [a.text() for a in menus[-1].actions()]
    for menu in menus:
        menu.close()


def test_after_stop_and_from_the_list_typing_goes_to_the_input_box(
    qtbot: Any, make_window: WindowFactory, slow_model: Path
) -> None:
    window = make_window(slow_model)
    activate(qtbot, window)
    window.session.set_settings(GenerationSettings(num_beams=1, do_sample=False, max_length=100))
    send_text = "Tell me a story"
    window.input_box.setPlainText(send_text)
    window.send_message()
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 2, timeout=10_000)
    window.stop_button.setFocus()  # as a click gives it
    with worker_signal(qtbot, window.host.worker.reply_cancelled, timeout=60_000):
        qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert window.input_box.hasFocus()  # not the message list

    focus_row(qtbot, window, 0)
    qtbot.keyClicks(window.message_view, "Tell")  # no type-ahead jump to "Tell me a story"
    assert window.input_box.hasFocus() and window.input_box.text() == "Tell"
    assert window.message_view.currentIndex().row() == 0


def test_switching_chats_while_editing_keeps_the_draft_not_the_edited_text(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    window.session.set_settings(GREEDY)
    send(qtbot, window, "Hello")
    first = window.session.current
    window.input_box.setPlainText("half-typed thought")
    focus_row(qtbot, window, 0)
    qtbot.keyClick(window.message_view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert window.input_box.text() == "Hello"
    window.files.new_chat()
    assert first.transcript.draft == "half-typed thought"
    window.show_chat(first)
    assert window.input_box.text() == "half-typed thought"
    assert window.message_actions.editing is None
