"""The window's view of the chat session: each change the session reports (a message added,
a reply started, streamed or ended, a chat reloaded or edited, a problem) applied to the
window's widgets. The session calls it on the GUI thread only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.conversation import Message
from core.library import Chat
from core.session import SessionObserver

if TYPE_CHECKING:
    from gui.main_window import MainWindow


class SessionView(SessionObserver):
    """Applies the session's changes to the window's widgets (GUI thread only)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def current_chat_changed(self, chat: Chat) -> None:
        self.window.current_chat_changed(chat)

    def message_appended(self, chat: Chat, message: Message) -> None:
        window = self.window
        if chat is window.session.current:
            window.message_model.append_message(message)
            window.message_view.scrollToBottom()
            window.update_title()
            window.update_actions()

    def reply_started(self, chat: Chat) -> None:
        window = self.window
        if chat is window.session.current:
            window.message_model.start_pending()
            window.message_view.scrollToBottom()
        window.update_actions()

    def reply_text(self, chat: Chat, text: str) -> None:
        window = self.window
        if chat is window.session.current:
            at_bottom = window.scrolled_to_bottom()
            window.message_model.set_pending_text(text)
            if at_bottom:
                window.message_view.scrollToBottom()

    def reply_ended(self, chat: Chat) -> None:
        window = self.window
        if chat is window.session.current:
            window.message_model.end_pending()
        window.update_actions()

    def message_changed(self, chat: Chat, message: Message) -> None:
        if chat is self.window.session.current:
            self.window.message_model.replace_message(message)

    def chat_reloaded(self, chat: Chat) -> None:
        if chat is self.window.session.current:
            self.window.reload_chat(chat)

    def chat_edited(self, chat: Chat, label: str, before: str, after: str) -> None:
        self.window.chat_undo.record(chat, label, before, after)

    def problem(self, message: str) -> None:
        self.window.show_problem(message)
