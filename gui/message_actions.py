"""What a user does to single messages: edit, delete, continue, copy, and ask how a reply
was made. Each action is in the Chat menu with a shortcut, in the message's context menu,
and works from the keyboard on the selected message (the list takes arrows).

Editing happens in the input box, as chat apps do: Ctrl+E on a selected message, or Up in an
empty input box for the last one of yours, puts its text there with a bar saying so; Enter
saves it (a user turn then gets a new reply, and the old branch is kept as an alternative),
Esc cancels.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.conversation import Message
from core.transcript import export_markdown
from gui.bubble_delegate import BubbleDelegate
from gui.i18n import QT_TRANSLATE_NOOP
from gui.message_list import how_made

if TYPE_CHECKING:
    from gui.main_window import MainWindow

WHY_NOT = {  # shown translated: QCoreApplication.translate("MessageActions", ...)
    "busy": QT_TRANSLATE_NOOP("MessageActions", "Wait for the reply, or press Stop."),
    "damaged": QT_TRANSLATE_NOOP(
        "MessageActions", "This chat's file is damaged and cannot change."
    ),
    "empty": QT_TRANSLATE_NOOP("MessageActions", "A message cannot be empty."),
    "no reply": QT_TRANSLATE_NOOP("MessageActions", "There is no bot reply to continue yet."),
    "no model": QT_TRANSLATE_NOOP("MessageActions", "The model is not loaded yet."),
    "nothing": QT_TRANSLATE_NOOP("MessageActions", "Select a message first."),
    "whole": QT_TRANSLATE_NOOP("MessageActions", "This message is shown whole already."),
}


class EditBar(QFrame):
    """The line above the input box while a message is being edited."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self.tr("Editing a message: Enter saves, Esc cancels."))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop editing and keep the message as it was (Esc)"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.cancel_button)
        self.setAccessibleName(self.tr("Editing a message"))
        self.hide()


class InfoPopup(QFrame):
    """A small window by a message with how it was made; closes on a click outside or Esc."""

    def __init__(self, text: str, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.Box)
        self.label = QLabel(text)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        self.setAccessibleName(self.tr("Message info"))
        self.setAccessibleDescription(text)


class MessageActions:
    """Edit, delete, continue, copy as Markdown and message info, for one main window."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.window = window
        self.editing: Message | None = None
        self.popup: InfoPopup | None = None
        view = window.message_view

        def action(
            text: str, keys: str, slot: Callable[[], None], tip: str, list_only: bool = False
        ) -> QAction:
            item = QAction(text, window)
            item.setShortcut(QKeySequence(keys))
            item.setToolTip(tip)
            item.triggered.connect(slot)
            if list_only:  # Del and Shift+Del belong to the list, not to the input box
                item.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
                view.addAction(item)
            else:
                window.addAction(item)
            menu.addAction(item)
            return item

        self.continue_action = action(
            QCoreApplication.translate("MessageActions", "C&ontinue Reply"),
            "Ctrl+Shift+Return",
            self.continue_reply,
            QCoreApplication.translate(
                "MessageActions", "The bot carries on its last reply from where it ended"
            ),
        )
        self.edit_action = action(
            QCoreApplication.translate("MessageActions", "&Edit Message"),
            "Ctrl+E",
            self.edit_selected,
            QCoreApplication.translate(
                "MessageActions",
                "Edit the selected message (Up in an empty input box edits your last one)",
            ),
        )
        self.delete_action = action(
            QCoreApplication.translate("MessageActions", "Delete &Message"),
            "Del",
            self.delete_selected,
            QCoreApplication.translate("MessageActions", "Delete the selected messages"),
            True,
        )
        self.delete_turn_action = action(
            QCoreApplication.translate("MessageActions", "De&lete Turn"),
            "Shift+Del",
            self.delete_turn,
            QCoreApplication.translate(
                "MessageActions",
                "Delete the selected message with the rest of its turn "
                "(your message and its reply)",
            ),
            True,
        )
        self.info_action = action(
            QCoreApplication.translate("MessageActions", "Message &Info"),
            "Ctrl+I",
            self.show_info,
            QCoreApplication.translate("MessageActions", "How the selected reply was made"),
        )
        self.copy_markdown_action = action(
            QCoreApplication.translate("MessageActions", "Copy Chat as Mar&kdown"),
            "Ctrl+Shift+C",
            self.copy_chat_as_markdown,
            QCoreApplication.translate(
                "MessageActions", "Copy the whole chat to the clipboard as Markdown"
            ),
        )
        self.fold_action = action(
            QCoreApplication.translate("MessageActions", "Show &Whole Message"),
            "Space",
            self.toggle_fold,
            QCoreApplication.translate(
                "MessageActions", "Show all of a long message, or fold it again (Space in the list)"
            ),
            True,
        )
        delegate = view.itemDelegate()
        if isinstance(delegate, BubbleDelegate):
            delegate.fold_toggled.connect(window.message_model.toggle_fold)
            delegate.code_copied.connect(
                lambda _code: window.statusBar().showMessage(
                    QCoreApplication.translate("MessageActions", "Copied the code."), 3000
                )
            )
        self.edit_bar = EditBar()
        self.edit_bar.cancel_button.clicked.connect(self.cancel_edit)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self.show_context_menu)

    # -- which message -----------------------------------------------------------------------
    def selected(self) -> list[Message]:
        """The selected messages, in chat order (the reply being written is not one)."""
        window = self.window
        messages = window.conversation.messages
        rows = sorted(i.row() for i in window.message_view.selectionModel().selectedIndexes())
        return [messages[row] for row in rows if 0 <= row < len(messages)]

    def current(self) -> Message | None:
        """The message with the keyboard focus in the list, if it is a message."""
        window = self.window
        row = window.message_view.currentIndex().row()
        messages = window.conversation.messages
        return messages[row] if 0 <= row < len(messages) else None

    def target(self) -> Message | None:
        """The message an action on one message applies to: the one with the keyboard
        focus, else the first selected."""
        return self.current() or next(iter(self.selected()), None)

    def _say(self, why_not: str) -> None:
        if why_not:
            text = QCoreApplication.translate("MessageActions", WHY_NOT.get(why_not, why_not))
            self.window.statusBar().showMessage(text, 4000)

    # -- editing --------------------------------------------------------------------------------
    def edit_selected(self) -> None:
        message = self.target()
        if message is None:
            self._say("nothing")
            return
        self.start_edit(message)

    def edit_last(self) -> bool:
        """Up in an empty input box: edit the user's last message. False if there is none."""
        if self.editing is not None:
            return False
        mine = [m for m in self.window.conversation.messages if m.role == "user"]
        if not mine:
            return False
        self.start_edit(mine[-1])
        return True

    def start_edit(self, message: Message) -> None:
        window = self.window
        chat = window.session.current
        assert chat is not None
        why_not = window.session.why_unchangeable(chat)
        if why_not:
            self._say(why_not)
            return
        if self.editing is None:
            window.keep_draft()
        self.editing = message
        if message.role == "user":
            text = QCoreApplication.translate(
                "MessageActions",
                "Editing your message: Enter saves, Esc cancels. "
                "A new reply follows; the old one is kept.",
            )
        else:
            text = QCoreApplication.translate(
                "MessageActions", "Editing the bot's reply: Enter saves, Esc cancels."
            )
        self.edit_bar.label.setText(text)
        self.edit_bar.show()
        window.input_box.setPlainText(message.content)
        window.input_box.moveCursor(window.input_box.textCursor().MoveOperation.End)
        window.input_box.setFocus()
        window.send_button.setText(QCoreApplication.translate("MessageActions", "Save"))

    def finish_edit(self) -> None:
        """Enter while editing: save the edited text."""
        message = self.editing
        if message is None:
            return
        why_not = self.window.session.edit(message, self.window.input_box.text())
        if why_not and why_not != "unchanged":
            self._say(why_not)
            return
        self.cancel_edit()

    def cancel_edit(self) -> None:
        """Leave editing; the input box gets back the draft it had."""
        if self.editing is None:
            return
        window = self.window
        self.editing = None
        self.edit_bar.hide()
        window.send_button.setText(QCoreApplication.translate("MessageActions", "Send"))
        chat = window.session.current
        draft = chat.transcript.draft if chat is not None and chat.transcript else ""
        window.input_box.setPlainText(draft)
        window.input_box.setFocus()

    def chat_changed(self) -> None:
        """Another chat is shown, or this one was reloaded: an edit in progress ends if its
        message is gone."""
        if self.editing is not None and not any(
            m is self.editing for m in self.window.conversation.messages
        ):
            self.editing = None
            self.edit_bar.hide()
            self.window.send_button.setText(QCoreApplication.translate("MessageActions", "Send"))

    # -- deleting and continuing -----------------------------------------------------------
    def delete_selected(self) -> None:
        self._say(self.window.session.delete(self.selected()))

    def delete_turn(self) -> None:
        message = self.target()
        if message is None:
            self._say("nothing")
            return
        turn = self.window.conversation.turn_of(message)
        self._say(self.window.session.delete(turn))

    def continue_reply(self) -> None:
        self._say(self.window.session.continue_reply())

    # -- long messages and links ----------------------------------------------------------------
    def toggle_fold(self) -> None:
        """Space on a long message: show it whole, or fold it again."""
        row = self.window.message_view.currentIndex().row()
        if not self.window.message_model.is_foldable(row):
            self._say("whole")
            return
        self.window.message_model.toggle_fold(row)

    # -- copying and info ---------------------------------------------------------------------
    def copy_chat_as_markdown(self) -> None:
        transcript = self.window.session.transcript
        zone = datetime.now().astimezone().tzinfo
        assert zone is not None
        QGuiApplication.clipboard().setText(export_markdown(transcript, zone))
        self.window.statusBar().showMessage(
            QCoreApplication.translate("MessageActions", "Copied the chat as Markdown."), 3000
        )

    def show_info(self) -> None:
        message = self.target()
        if message is None:
            chat = self.window.session.current
            message = None if chat is None else self.window.session.last_reply(chat)
        if message is None:
            self._say("nothing")
            return
        view = self.window.message_view
        row = self.window.conversation.index_of(message)
        rect = view.visualRect(self.window.message_model.index(row))
        popup = InfoPopup(how_made(message), view)
        popup.move(view.viewport().mapToGlobal(QPoint(rect.left() + 24, rect.bottom() - 8)))
        popup.show()
        self.popup = popup

    # -- the context menu ---------------------------------------------------------------------
    def show_context_menu(self, position: QPoint) -> None:
        window = self.window
        view = window.message_view
        index = view.indexAt(position)
        if index.isValid() and not view.selectionModel().isSelected(index):
            view.setCurrentIndex(index)
        elif index.isValid():
            view.selectionModel().setCurrentIndex(
                index, view.selectionModel().SelectionFlag.NoUpdate
            )
        menu = self.context_menu()
        menu.popup(view.viewport().mapToGlobal(position))

    def context_menu(self) -> QMenu:
        """The actions that apply to the selected message."""
        window = self.window
        menu = QMenu(window.message_view)
        message = self.current()
        chat = window.session.current
        last = None if chat is None else window.session.last_reply(chat)
        replies = window.reply_actions
        menu.addAction(window.copy_action)
        if message is not None:
            menu.addAction(self.edit_action)
            if message.role == "assistant":
                menu.addAction(self.info_action)
            if len(message.versions) > 1:
                menu.addAction(replies.previous_action)
                menu.addAction(replies.next_action)
            if message is last:
                menu.addAction(replies.regenerate_action)
                menu.addAction(self.continue_action)
            if message.meta.get("no_reply"):
                menu.addAction(replies.regenerate_action)
            if window.message_model.is_foldable(window.message_view.currentIndex().row()):
                menu.addAction(self.fold_action)
            menu.addSeparator()
            menu.addAction(self.delete_action)
            menu.addAction(self.delete_turn_action)
        menu.addSeparator()
        menu.addAction(self.copy_markdown_action)
        return menu

    def update_actions(self, generating: bool) -> None:
        has_messages = bool(self.window.conversation.messages)
        for item in (self.edit_action, self.delete_action, self.delete_turn_action):
            item.setEnabled(has_messages and not generating)
        self.continue_action.setEnabled(not generating and self._last_reply() is not None)
        self.copy_markdown_action.setEnabled(has_messages)

    def _last_reply(self) -> Message | None:
        chat = self.window.session.current
        return None if chat is None else self.window.session.last_reply(chat)
