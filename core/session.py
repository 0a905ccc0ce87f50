"""The chat session: which chat is shown, and the loop from a sent message to a saved reply.

The window sends the session commands (send, stop, select, new chat) and observes it; the
session asks for replies through a plain callback that receives a :class:`GenerateRequest`,
and the worker's answers come back through ``reply_*`` calls. Each request remembers the chat
it belongs to, so a reply that is still being written when the user switches chats lands in
its own chat, and Stop still reaches it. Every change is written to the chat's file at once
(through the library), so nothing is ever unsaved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.context import Turn
from core.conversation import Message, Role
from core.library import Chat, ChatLibrary, LibraryError
from core.requests import GenerateRequest
from core.settings import GenerationSettings
from core.transcript import Transcript

log = logging.getLogger(__name__)


@dataclass
class PendingReply:
    """A reply being written: the request, the text streamed so far, and the reply it will
    become a new version of (Regenerate), if any."""

    request: GenerateRequest
    chat: Chat
    text: str = ""
    replaces: Message | None = None


class SessionObserver:
    """Receives the session's changes; the GUI turns them into view updates. No-op defaults."""

    def current_chat_changed(self, chat: Chat) -> None: ...

    def message_appended(self, chat: Chat, message: Message) -> None: ...

    def reply_started(self, chat: Chat) -> None: ...

    def reply_text(self, chat: Chat, text: str) -> None: ...

    def reply_ended(self, chat: Chat) -> None: ...

    def message_changed(self, chat: Chat, message: Message) -> None: ...

    def problem(self, message: str) -> None: ...


class ChatSession:
    """The one owner of chat state behind the window."""

    def __init__(
        self,
        library: ChatLibrary,
        request_reply: Callable[[GenerateRequest], None],
        default_settings: GenerationSettings,
    ) -> None:
        self.library = library
        self.request_reply = request_reply
        self.default_settings = default_settings
        self.observers: list[SessionObserver] = []
        self.current: Chat | None = None
        self.pending: dict[int, PendingReply] = {}  # request id -> reply being written
        self.last_request_id = 0
        self.waiting: list[Chat] = []  # chats to answer once the model is ready
        self.model_ready = False
        self.model_id = ""

    # -- the chat shown ------------------------------------------------------------------------
    @property
    def transcript(self) -> Transcript:
        """The shown chat's transcript (a chat is always shown once ``start`` has run)."""
        assert self.current is not None
        return self.library.transcript(self.current)

    def start(self) -> Chat:
        """Show the newest chat's successor: a fresh empty chat, as chat apps open."""
        return self.new_chat()

    def new_chat(self) -> Chat:
        """Start a new chat (kept only once something is typed in it)."""
        if self.current is not None and self.current.path is None and self._is_empty(self.current):
            self._notify_current()  # already an empty new chat: show it again
            return self.current
        chat = self.library.new_chat(Transcript(settings=self.default_settings))
        self.select(chat)
        return chat

    def select(self, chat: Chat) -> bool:
        """Show ``chat``. False (and a problem report) if its file cannot be read."""
        if chat is self.current:
            return True
        try:
            self.library.transcript(chat)
        except LibraryError as error:
            self._problem(str(error))
            return False
        previous = self.current
        self.current = chat
        if previous is not None and previous is not chat:
            self.library.forget_if_empty(previous)
        self._notify_current()
        return True

    def _is_empty(self, chat: Chat) -> bool:
        return chat.transcript is not None and not chat.transcript.conversation.messages

    def _notify_current(self) -> None:
        assert self.current is not None
        for observer in self.observers:
            observer.current_chat_changed(self.current)

    def pending_for(self, chat: Chat) -> PendingReply | None:
        return next((p for p in self.pending.values() if p.chat is chat), None)

    # -- sending -----------------------------------------------------------------------------
    def send(self, text: str) -> str:
        """Add the user's turn to the shown chat and ask for a reply.

        Returns "" when sent, else why not (a blank text, or a reply still being written).
        """
        text = text.strip("\n")
        if not text.strip():
            return "empty"
        chat = self.current
        assert chat is not None
        if chat.damaged:
            return "damaged"
        if self.pending_for(chat) is not None:
            return "busy"
        self._append(chat, "user", text)
        self.answer(chat)
        return ""

    def answer(self, chat: Chat) -> None:
        """Ask for a reply to the chat's last turn now, or once the model is ready."""
        if not self.awaiting_reply(chat):
            return
        if self.model_ready:
            self._request(chat)
        elif chat not in self.waiting:
            self.waiting.append(chat)

    def _append(
        self, chat: Chat, role: Role, content: str, meta: dict[str, Any] | None = None
    ) -> Message:
        message = Message(role=role, content=content, meta=dict(meta or {}))
        try:
            self.library.append(chat, message)
        except LibraryError as error:
            log.warning("saving the chat failed: %s", error)
            self._problem(str(error))
        for observer in self.observers:
            observer.message_appended(chat, message)
        return message

    def _request(self, chat: Chat, replaces: Message | None = None) -> None:
        transcript = self.library.transcript(chat)
        self.last_request_id += 1
        turns = self.turns(transcript)
        settings = transcript.settings
        avoid: tuple[str, ...] = ()
        if replaces is not None:  # without the reply it replaces, and not the same again
            turns = turns[:-1]
            avoid = tuple(v.content for v in replaces.versions) or (replaces.content,)
        request = GenerateRequest(
            self.last_request_id, turns, settings, transcript.conversation.persona, avoid
        )
        log.info("asking for reply %d in chat %s", request.request_id, chat.chat_id)
        self.pending[request.request_id] = PendingReply(request, chat, replaces=replaces)
        chat.busy = True
        self.library.notify_changed(chat)
        for observer in self.observers:
            observer.reply_started(chat)
        self.request_reply(request)

    @staticmethod
    def turns(transcript: Transcript) -> tuple[Turn, ...]:
        return tuple(Turn(m.role, m.content) for m in transcript.conversation.dialogue())

    def awaiting_reply(self, chat: Chat) -> bool:
        """The chat's last turn is the user's and no reply to it is being written."""
        if chat.transcript is None or self.pending_for(chat) is not None:
            return False
        dialogue = chat.transcript.conversation.dialogue()
        return bool(dialogue) and dialogue[-1].role == "user"

    def model_loaded(self, model_id: str) -> None:
        """The model is ready: answer the chats that wait for a reply."""
        self.model_ready = True
        self.model_id = model_id
        waiting, self.waiting = self.waiting, []
        for chat in waiting:
            if chat.chat_id in self.library.chats:
                self.answer(chat)

    def model_unloaded(self) -> None:
        self.model_ready = False

    # -- stopping ------------------------------------------------------------------------------
    def stop(self, chat: Chat | None = None) -> bool:
        """Stop the reply being written for ``chat`` (default: the shown one)."""
        target = chat or self.current
        pending = self.pending_for(target) if target is not None else None
        if pending is None:
            return False
        pending.request.stop.set()  # the request's own event, which the worker checks
        return True

    def stop_all(self) -> None:
        """Stop every reply and keep what each had written (the app is closing)."""
        for request_id, pending in list(self.pending.items()):
            pending.request.stop.set()
            self.reply_cancelled(request_id)

    # -- the worker's answers -------------------------------------------------------------------
    def reply_delta(self, request_id: int, delta: str) -> None:
        pending = self.pending.get(request_id)
        if pending is None:
            return
        pending.text += delta
        for observer in self.observers:
            observer.reply_text(pending.chat, pending.text)

    def reply_finished(self, request_id: int, text: str, meta: dict[str, Any]) -> None:
        pending = self._end(request_id)
        if pending is not None:
            self._record(pending, text, {**meta, "model": self.model_id})

    def _record(self, pending: PendingReply, text: str, meta: dict[str, Any]) -> None:
        """A new reply, or a new version of the reply that was regenerated."""
        if pending.replaces is None:
            self._append(pending.chat, "assistant", text, meta)
            return
        pending.replaces.add_version(text, meta)
        self._write(pending.chat)
        for observer in self.observers:
            observer.message_changed(pending.chat, pending.replaces)

    # -- regenerate and versions -------------------------------------------------------------
    def last_reply(self, chat: Chat) -> Message | None:
        """The chat's last bot reply, if it is the last turn."""
        if chat.transcript is None:
            return None
        dialogue = chat.transcript.conversation.dialogue()
        return dialogue[-1] if dialogue and dialogue[-1].role == "assistant" else None

    def regenerate(self) -> str:
        """Ask again for the shown chat's last reply; the old one is kept as a version.

        Returns "" when asked, else why not."""
        chat = self.current
        assert chat is not None
        reply = self.last_reply(chat)
        if reply is None:
            return "no reply"
        if self.pending_for(chat) is not None:
            return "busy"
        if not self.model_ready:
            return "no model"
        self._request(chat, replaces=reply)
        return ""

    def show_version(self, message: Message, step: int) -> bool:
        """Show the previous (-1) or next (+1) version of a regenerated reply."""
        chat = self.current
        assert chat is not None
        if self.pending_for(chat) is not None or not message.show_version(message.chosen + step):
            return False
        self._write(chat)
        for observer in self.observers:
            observer.message_changed(chat, message)
        return True

    def reply_failed(self, request_id: int, message: str) -> None:
        pending = self._end(request_id)
        if pending is not None:
            self._append(pending.chat, "system", message)

    def reply_cancelled(self, request_id: int) -> None:
        """A stopped reply keeps the text it had written, marked "stopped", and is part of the
        chat; a reply with nothing written yet (beam search) marks the user's turn instead."""
        pending = self._end(request_id)
        if pending is None:
            return
        if pending.text.strip():
            meta = {"stopped": True, "model": self.model_id}
            self._record(pending, pending.text.strip(), meta)
            return
        if pending.replaces is not None:
            return  # the reply it was to replace stays as it was
        transcript = self.library.transcript(pending.chat)
        dialogue = transcript.conversation.dialogue()
        if dialogue and dialogue[-1].role == "user":
            dialogue[-1].meta["no_reply"] = "stopped"
            self._write(pending.chat)
            for observer in self.observers:
                observer.message_changed(pending.chat, dialogue[-1])

    def _end(self, request_id: int) -> PendingReply | None:
        pending = self.pending.pop(request_id, None)
        if pending is None:
            return None
        pending.chat.busy = False
        self.library.notify_changed(pending.chat)
        for observer in self.observers:
            observer.reply_ended(pending.chat)
        return pending

    # -- chat settings --------------------------------------------------------------------------
    def set_persona(self, persona: str) -> None:
        chat = self.current
        assert chat is not None
        transcript = self.library.transcript(chat)
        if transcript.conversation.persona == persona:
            return
        transcript.conversation.persona = persona
        self._write(chat)

    def set_settings(self, settings: GenerationSettings) -> None:
        chat = self.current
        assert chat is not None
        transcript = self.library.transcript(chat)
        self.default_settings = settings
        if transcript.settings == settings:
            return
        transcript.settings = settings
        self._write(chat)

    def set_draft(self, chat: Chat, draft: str) -> None:
        """Keep the unsent text of a chat's input box (written with the chat)."""
        if chat.transcript is None or chat.transcript.draft == draft or chat.damaged:
            return
        chat.transcript.draft = draft
        if chat.path is not None:
            self._write(chat)

    def _write(self, chat: Chat) -> None:
        try:
            self.library.write(chat)
        except LibraryError as error:
            self._problem(str(error))

    def _problem(self, message: str) -> None:
        for observer in self.observers:
            observer.problem(message)
