"""The Chat menu's actions on replies: Regenerate (Ctrl+R), and browsing the versions of a
regenerated reply or an edited turn (Alt+Left / Alt+Right) on the selected message, or the
last reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu

from core.conversation import Message
from gui.i18n import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from gui.main_window import MainWindow

WHY_NOT = {  # shown translated: QCoreApplication.translate("ReplyActions", ...)
    "no reply": QT_TRANSLATE_NOOP("ReplyActions", "There is no bot reply to regenerate yet."),
    "busy": QT_TRANSLATE_NOOP("ReplyActions", "Wait for the reply, or press Stop."),
    "no model": QT_TRANSLATE_NOOP("ReplyActions", "The model is not loaded yet."),
}


class ReplyActions:
    """Regenerate and Previous/Next Version, in the Chat menu and on the message list."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.window = window
        self.regenerate_action = menu.addAction(
            QCoreApplication.translate("ReplyActions", "Re&generate Reply")
        )
        self.regenerate_action.setShortcut(QKeySequence("Ctrl+R"))
        self.regenerate_action.setToolTip(
            QCoreApplication.translate(
                "ReplyActions",
                "Ask again; the reply shown now is kept as a version (sampled, so it differs)",
            )
        )
        self.regenerate_action.triggered.connect(self.regenerate)
        self.previous_action = menu.addAction(
            QCoreApplication.translate("ReplyActions", "Pre&vious Version of Reply")
        )
        self.previous_action.setShortcut(QKeySequence("Alt+Left"))
        self.previous_action.triggered.connect(lambda: self.browse(-1))
        self.next_action = menu.addAction(
            QCoreApplication.translate("ReplyActions", "Ne&xt Version of Reply")
        )
        self.next_action.setShortcut(QKeySequence("Alt+Right"))
        self.next_action.triggered.connect(lambda: self.browse(1))
        for action in (self.regenerate_action, self.previous_action, self.next_action):
            window.message_view.addAction(action)

    def regenerate(self) -> None:
        why_not = self.window.session.regenerate()
        if why_not:
            self.window.statusBar().showMessage(
                QCoreApplication.translate("ReplyActions", WHY_NOT[why_not]), 4000
            )

    def target(self) -> Message | None:
        """The selected message with versions (a regenerated reply or an edited turn), else
        the chat's last reply."""
        window = self.window
        row = window.message_view.currentIndex().row()
        messages = window.conversation.messages
        if 0 <= row < len(messages) and (
            messages[row].role == "assistant" or messages[row].versions
        ):
            return messages[row]
        chat = window.session.current
        return None if chat is None else window.session.last_reply(chat)

    def browse(self, step: int) -> None:
        message = self.target()
        if message is None or not self.window.session.show_version(message, step):
            return
        row = self.window.conversation.index_of(message)
        self.window.message_view.setCurrentIndex(self.window.message_model.index(row))
        self.window.statusBar().showMessage(
            QCoreApplication.translate("ReplyActions", "Version {number} of {count}").format(
                number=message.chosen + 1, count=len(message.versions)
            ),
            3000,
        )
