"""The chat session: which chat is shown, the loop from a sent message to a saved reply, and
the changes a user makes to a chat (edit, delete, regenerate, continue, persona, settings).

The window sends the session commands (send, stop, select, new chat) and observes it; the
session asks for replies through a plain callback that receives a :class:`GenerateRequest`,
and the worker's answers come back through ``reply_*`` calls. Each request remembers the chat
it belongs to, so a reply that is still being written when the user switches chats lands in
its own chat, and Stop still reaches it. Every change is written to the chat's file at once
(through the library), so nothing is ever unsaved.

Every change to a chat is reported to observers with the chat's file text before and after
it (``chat_edited``); ``restore`` puts either back, which is how the window's undo and redo
work: undoing restores the chat exactly, byte for byte, whatever the change was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from core.context import Turn
from core.conversation import Message, Role
from core.library import Chat, ChatLibrary, LibraryError
from core.requests import GenerateRequest
from core.settings import GenerationSettings
from core.transcript import Transcript, TranscriptError, dumps, loads

log = logging.getLogger(__name__)


@dataclass
class PendingReply:
    """A reply being written: the request, the text streamed so far, and the reply it will
    become a new version of (Regenerate), if any."""

    request: GenerateRequest
    chat: Chat
    text: str = ""
    replaces: Message | None = None
    continues: Message | None = None  # Continue: the reply the new text is added to


# The names of changes, as the Edit menu shows them ("Undo Send Message").
SEND = "Send Message"
REPLY = "Bot Reply"  # a reply arriving; the window's undo joins it to what asked for it
REGENERATE = "Regenerate Reply"
CONTINUE = "Continue Reply"
SHOW_VERSION = "Show Version"
EDIT = "Edit Message"
EDIT_REPLY = "Edit Reply"
DELETE = "Delete Message"
PERSONA = "Change Persona"
SETTINGS = "Change Reply Style"


class SessionObserver:
    """Receives the session's changes; the GUI turns them into view updates. No-op defaults."""

    def current_chat_changed(self, chat: Chat) -> None: ...

    def message_appended(self, chat: Chat, message: Message) -> None: ...

    def reply_started(self, chat: Chat) -> None: ...

    def reply_text(self, chat: Chat, text: str) -> None: ...

    def reply_ended(self, chat: Chat) -> None: ...

    def message_changed(self, chat: Chat, message: Message) -> None: ...

    def chat_reloaded(self, chat: Chat) -> None:
        """The chat's messages changed as a whole (delete, edit, undo): show them again."""

    def chat_edited(self, chat: Chat, label: str, before: str, after: str) -> None:
        """An undoable change: the chat's file text before and after it, and its name."""

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
        before = self.snapshot(chat)
        self._append(chat, "user", text)
        self._edited(chat, SEND, before)
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

    def _request(
        self, chat: Chat, replaces: Message | None = None, continues: Message | None = None
    ) -> None:
        transcript = self.library.transcript(chat)
        self.last_request_id += 1
        turns = self.turns(transcript)
        settings = transcript.settings
        avoid: tuple[str, ...] = ()
        prefix = ""
        if replaces is not None:  # without the reply it replaces, and not the same again
            turns = turns[:-1]
            avoid = tuple(v.content for v in replaces.versions) or (replaces.content,)
        if continues is not None:  # the reply so far is where the model carries on
            turns = turns[:-1]
            prefix = continues.content
        request = GenerateRequest(
            self.last_request_id,
            turns,
            settings,
            transcript.conversation.persona,
            avoid,
            prefix=prefix,
        )
        log.info("asking for reply %d in chat %s", request.request_id, chat.chat_id)
        self.pending[request.request_id] = PendingReply(
            request, chat, replaces=replaces, continues=continues
        )
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
            self._record(pending, text, {**meta, **self._how_made(pending)})

    def _how_made(self, pending: PendingReply) -> dict[str, Any]:
        """What a reply's meta records besides the engine's numbers: the model and the
        settings it was written with (only the ones changed from the model's defaults)."""
        return {"model": self.model_id, "settings": pending.request.settings.overrides()}

    def _record(self, pending: PendingReply, text: str, meta: dict[str, Any]) -> None:
        """A new reply, a new version of the reply that was regenerated, or more text added
        to the reply that was continued."""
        chat = pending.chat
        before = self.snapshot(chat)
        if pending.continues is not None:
            label = CONTINUE
            self._extend(pending.continues, text, meta)
        elif pending.replaces is not None:
            label = REGENERATE
            pending.replaces.add_version(text, meta)
        else:
            dialogue = self.library.transcript(chat).conversation.dialogue()
            if dialogue and dialogue[-1].role == "user":
                dialogue[-1].meta.pop("no_reply", None)  # answered after all
            self._append(chat, "assistant", text, meta)
            self._edited(chat, REPLY, before)
            return
        self._write(chat)
        changed = pending.continues or pending.replaces
        assert changed is not None
        for observer in self.observers:
            observer.message_changed(chat, changed)
        self._edited(chat, label, before)

    @staticmethod
    def _extend(reply: Message, text: str, meta: dict[str, Any]) -> None:
        """Add continued text to a reply. The engine gives only the new text, spaced as it
        follows the reply's last token (a word's end continues without a space); the counts
        add up, and a "stopped" mark is the new part's."""
        added = text.rstrip()
        if not added.strip():
            return
        content = reply.content + added
        combined = dict(reply.meta)
        for key in ("tokens", "reply_s"):
            earlier, now = combined.get(key), meta.get(key)
            if isinstance(earlier, int | float) and isinstance(now, int | float):
                meta = {**meta, key: round(earlier + now, 3)}
        combined.update(meta)
        for mark in ("stopped", "cut", "interrupted"):  # the new part's end is what counts
            if not meta.get(mark):
                combined.pop(mark, None)
        combined["continued"] = int(combined.get("continued", 0)) + 1
        reply.content, reply.meta = content, combined
        if reply.versions:
            shown = reply.versions[reply.chosen]
            shown.content, shown.meta = content, dict(combined)

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
        if self.pending_for(chat) is not None:
            return "busy"
        if reply is None and not self.awaiting_reply(chat):
            return "no reply"
        if not self.model_ready:
            return "no model"
        if reply is None:  # a turn left unanswered (a stopped beam search): answer it now
            self._request(chat)
        else:
            self._request(chat, replaces=reply)
        return ""

    def show_version(self, message: Message, step: int) -> bool:
        """Show the previous (-1) or next (+1) version of a regenerated reply, or of an edited
        turn (with the branch of messages that followed that version)."""
        chat = self.current
        assert chat is not None
        if self.pending_for(chat) is not None:
            return False
        before = self.snapshot(chat)
        conversation = self.library.transcript(chat).conversation
        if not conversation.show_version(message, message.chosen + step):
            return False
        self._write(chat)
        for observer in self.observers:
            if message.is_branch_point:
                observer.chat_reloaded(chat)
            else:
                observer.message_changed(chat, message)
        self._edited(chat, SHOW_VERSION, before)
        return True

    def continue_reply(self) -> str:
        """Ask the bot to carry on its last reply (after a stop, or one that ended short).

        Returns "" when asked, else why not."""
        chat = self.current
        assert chat is not None
        reply = self.last_reply(chat)
        if self.pending_for(chat) is not None:
            return "busy"
        if reply is None:
            return "no reply"
        if not self.model_ready:
            return "no model"
        self._request(chat, continues=reply)
        return ""

    def reply_failed(self, request_id: int, message: str) -> None:
        """A failed reply leaves a note saying why; text it had already written (a server
        that went away mid-reply) is kept as the reply, marked ``interrupted`` with it."""
        pending = self._end(request_id)
        if pending is not None:
            if pending.text.strip():
                meta = {"interrupted": message, **self._how_made(pending)}
                text = pending.text if pending.continues else pending.text.strip()
                self._record(pending, text, meta)
            before = self.snapshot(pending.chat)
            self._append(pending.chat, "system", message)
            self._edited(pending.chat, REPLY, before)

    def reply_cancelled(self, request_id: int) -> None:
        """A stopped reply keeps the text it had written, marked "stopped", and is part of the
        chat; a reply with nothing written yet (beam search) marks the user's turn instead."""
        pending = self._end(request_id)
        if pending is None:
            return
        if pending.text.strip():
            meta = {"stopped": True, **self._how_made(pending)}
            # Continued text keeps its leading space: it is joined to the reply as it is.
            text = pending.text if pending.continues else pending.text.strip()
            self._record(pending, text, meta)
            return
        if pending.replaces is not None or pending.continues is not None:
            return  # the reply it was to replace or extend stays as it was
        transcript = self.library.transcript(pending.chat)
        dialogue = transcript.conversation.dialogue()
        if dialogue and dialogue[-1].role == "user":
            before = self.snapshot(pending.chat)
            dialogue[-1].meta["no_reply"] = "stopped"
            self._write(pending.chat)
            for observer in self.observers:
                observer.message_changed(pending.chat, dialogue[-1])
            self._edited(pending.chat, REPLY, before)

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
        before = self.snapshot(chat)
        transcript.conversation.persona = persona
        self._write(chat)
        self._edited(chat, PERSONA, before)

    def set_settings(self, settings: GenerationSettings) -> None:
        chat = self.current
        assert chat is not None
        transcript = self.library.transcript(chat)
        self.default_settings = settings
        if transcript.settings == settings:
            return
        before = self.snapshot(chat)
        transcript.settings = settings
        self._write(chat)
        self._edited(chat, SETTINGS, before)

    # -- editing, deleting, undo -------------------------------------------------------------
    def why_unchangeable(self, chat: Chat) -> str:
        """Why the chat cannot be changed now ("" if it can): a reply is being written for it,
        or its file is damaged."""
        if self.pending_for(chat) is not None:
            return "busy"
        if chat.damaged:
            return "damaged"
        return ""

    def delete(self, messages: list[Message]) -> str:
        """Delete messages of the shown chat. Returns "" when done, else why not."""
        chat = self.current
        assert chat is not None
        why_not = self.why_unchangeable(chat)
        if why_not or not messages:
            return why_not or "nothing"
        conversation = self.library.transcript(chat).conversation
        doomed = {id(m) for m in messages}
        before = self.snapshot(chat)
        conversation.messages = [m for m in conversation.messages if id(m) not in doomed]
        self._write(chat)
        for observer in self.observers:
            observer.chat_reloaded(chat)
        label = DELETE if len(messages) == 1 else f"Delete {len(messages)} Messages"
        self._edited(chat, label, before)
        return ""

    def edit(self, message: Message, text: str) -> str:
        """Change a message's text. An edited user turn starts a new branch (the old text and
        what followed it are kept as an alternative) and gets a new reply; an edited reply or
        note changes in place. Returns "" when done, else why not."""
        chat = self.current
        assert chat is not None
        text = text.strip("\n")
        why_not = self.why_unchangeable(chat)
        if why_not:
            return why_not
        if not text.strip():
            return "empty"
        if text == message.content:
            return "unchanged"
        conversation = self.library.transcript(chat).conversation
        before = self.snapshot(chat)
        if message.role == "user":
            conversation.edit(message, text)
            label = EDIT
        else:
            message.content = text
            message.meta["edited"] = True
            if message.versions:
                shown = message.versions[message.chosen]
                shown.content, shown.meta = text, dict(message.meta)
            label = EDIT_REPLY
        self._write(chat)
        for observer in self.observers:
            observer.chat_reloaded(chat)
        self._edited(chat, label, before)
        if message.role == "user":
            self.answer(chat)
        return ""

    def snapshot(self, chat: Chat) -> str:
        """The chat's file text without its draft (typing is not a change to undo)."""
        return dumps(replace(self.library.transcript(chat), draft=""))

    def _edited(self, chat: Chat, label: str, before: str) -> None:
        after = self.snapshot(chat)
        if after != before:
            for observer in self.observers:
                observer.chat_edited(chat, label, before, after)

    def restore(self, chat: Chat, text: str) -> str:
        """Put a chat back as a snapshot has it (undo and redo). Its draft and pin stay as
        they are now. Returns "" when done, else why not."""
        why_not = self.why_unchangeable(chat)
        if why_not:
            return why_not
        if chat.chat_id not in self.library.chats:
            return "gone"
        try:
            restored = loads(text).transcript
        except TranscriptError as error:  # only a snapshot this session made comes here
            log.error("a snapshot did not load: %s", error)
            return "damaged"
        current = self.library.transcript(chat)
        restored.draft, restored.pinned = current.draft, current.pinned
        chat.transcript = restored
        self._write(chat)
        for observer in self.observers:
            observer.chat_reloaded(chat)
        return ""

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
