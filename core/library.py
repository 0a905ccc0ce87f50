"""The chat library: every chat the user has, each kept as a transcript file.

Chats live in ``<data-dir>/chats/`` as ``.confab.json`` files, plus files the user opened from
elsewhere, which stay where they are and are saved back in place. The files are the only source
of truth: the search index only caches what they say. Every change is written atomically at
once, so nothing is ever unsaved; a chat nobody typed in is not written at all.

Deleting moves a file to ``<data-dir>/trash/``; it comes back with ``undo_delete`` or
``restore``, and only ``empty_trash`` (a second deliberate step) deletes anything. A file that
cannot be read is listed as damaged with the reason and is never overwritten.

The library reports every change to its observers through plain method calls
(:class:`LibraryObserver`); it never imports Qt.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from core.conversation import Conversation, Message, default_title, utc_now
from core.transcript import (
    EXTENSION,
    SaveError,
    Transcript,
    TranscriptError,
    load,
    save,
    write_text_atomic,
)

log = logging.getLogger(__name__)

CHATS_FOLDER = "chats"
TRASH_FOLDER = "trash"
OPENED_FILES = "opened-files.json"


class LibraryError(Exception):
    """A library action failed; the message says what and why, and nothing was lost."""


@dataclass
class Chat:
    """One chat of the library: what the sidebar shows, and its transcript once read."""

    chat_id: str
    path: Path | None  # None until the chat has a message worth keeping
    title: str = ""
    created_at: datetime = field(default_factory=utc_now)
    last_message_at: datetime | None = None
    pinned: bool = False
    external: bool = False  # opened from outside the library; saved back where it is
    error: str = ""  # the file cannot be read: why (it is never written then)
    transcript: Transcript | None = None  # None until read
    busy: bool = False  # a reply to it is being written
    touched: int = 0  # orders chats changed within the same second (times are whole seconds)

    @property
    def damaged(self) -> bool:
        return bool(self.error)

    @property
    def sort_time(self) -> datetime:
        """Newest first in the sidebar: the last message, else when the chat began."""
        return self.last_message_at or self.created_at


@dataclass(frozen=True)
class TrashEntry:
    """A deleted chat waiting in the trash."""

    path: Path
    title: str
    deleted_at: datetime


class LibraryObserver:
    """Receives the library's changes; the GUI turns them into model updates. No-op defaults."""

    def chat_added(self, chat: Chat) -> None: ...

    def chat_changed(self, chat: Chat) -> None: ...

    def chat_removed(self, chat: Chat) -> None: ...

    def trash_changed(self) -> None: ...


def new_chat_id() -> str:
    return uuid.uuid4().hex


def summary_of(transcript: Transcript) -> tuple[str, datetime | None]:
    """The title and the time of the last message, as the sidebar shows them."""
    messages = transcript.conversation.messages
    last = next((m.created_at for m in reversed(messages) if m.created_at is not None), None)
    return transcript.conversation.title, last


def chat_of(transcript: Transcript, path: Path | None, external: bool) -> Chat:
    """A chat for a transcript that has been read (or made); it gets an id if it has none."""
    transcript.chat_id = transcript.chat_id or new_chat_id()
    title, last = summary_of(transcript)
    return Chat(
        chat_id=transcript.chat_id,
        path=path,
        title=title,
        created_at=transcript.conversation.created_at,
        last_message_at=last,
        pinned=transcript.pinned,
        external=external,
        transcript=transcript,
    )


class ChatLibrary:
    """The chats in ``<data-dir>``: listing, reading, writing, trash and undo."""

    def __init__(self, data_dir: Path, read_only: bool = False, persist: bool = True) -> None:
        """``read_only``: another process owns the folder; changes are refused with a message.
        ``persist=False``: nothing is written at all (a self-test leaves no chat behind)."""
        self.data_dir = data_dir.resolve()  # so the paths of chats need no resolving one by one
        self.chats_dir = self.data_dir / CHATS_FOLDER
        self.trash_dir = data_dir / TRASH_FOLDER
        self.read_only = read_only
        self.persist = persist
        self.chats: dict[str, Chat] = {}
        self.observers: list[LibraryObserver] = []
        self.undo_stack: list[tuple[Chat, Path]] = []  # deleted chats and where they went
        self._by_path: dict[Path, Chat] = {}  # the listed chats that have a file
        self.touches = 0
        if persist and not read_only:
            self.chats_dir.mkdir(parents=True, exist_ok=True)

    def remove_stale_temporaries(self) -> int:
        """Delete temporaries left by saves that were killed midway; returns how many.

        Call at start-up only, holding the data folder's lock: then no save can be running.
        """
        removed = 0
        patterns = [
            (self.chats_dir, f".*{EXTENSION}.*.tmp"),
            (self.data_dir, f".*{EXTENSION}.*.tmp"),  # the autosave of earlier versions
            (self.data_dir, f".{OPENED_FILES}.*.tmp"),
        ]
        for folder, pattern in patterns:
            for temp in folder.glob(pattern):
                try:
                    temp.unlink()
                    removed += 1
                except OSError:
                    continue
        return removed

    # -- listing -------------------------------------------------------------------------------
    def chat_files(self) -> list[Path]:
        """The library's chat files (saves in progress, whose names start with ".", excluded)."""
        try:
            names = [
                entry.name
                for entry in os.scandir(self.chats_dir)
                if entry.name.endswith(EXTENSION) and not entry.name.startswith(".")
            ]
        except OSError:
            return []
        # Sorted as text (comparing thousands of Path objects took a tenth of a second).
        return [self.chats_dir / name for name in sorted(names)]

    def opened_files(self) -> list[Path]:
        """Files from outside the library that the user opened, as remembered."""
        try:
            value = json.loads((self.data_dir / OPENED_FILES).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(value, list):
            return []
        return [Path(item) for item in value if isinstance(item, str)]

    def _remember_opened_files(self) -> None:
        if self.read_only or not self.persist:
            return
        paths = [str(chat.path) for chat in self.chats.values() if chat.external and chat.path]
        try:
            write_text_atomic(self.data_dir / OPENED_FILES, json.dumps(paths, indent=1) + "\n")
        except SaveError as error:
            log.warning("could not remember the opened files: %s", error)

    def all_paths(self) -> list[Path]:
        """Every file the library lists, resolved: its own chats and the opened files."""
        return self.chat_files() + [p.resolve() for p in self.opened_files() if p.is_file()]

    def scan(self) -> list[Chat]:
        """Read every chat file (the slow path, without an index); returns the chats."""
        library_files = self.chat_files()
        for path in library_files + [p for p in self.opened_files() if p.is_file()]:
            chat = self._chat_from_file(path, external=path not in library_files)
            self._add(chat)
        return self.sorted_chats()

    def add_listed(
        self,
        path: Path,
        title: str,
        created_at: datetime,
        last_message_at: datetime | None,
        pinned: bool,
        chat_id: str = "",
        error: str = "",
    ) -> Chat:
        """List a chat from what the index knows of it, without reading the file.

        ``path`` is resolved (as :meth:`all_paths` gives it)."""
        existing = self.listed(path)
        if existing is not None and existing.transcript is None:
            known = (existing.title, existing.created_at, existing.last_message_at)
            if known == (title, created_at, last_message_at) and (
                existing.pinned,
                existing.error,
            ) == (pinned, error):
                return existing  # nothing new: no observer needs to hear of it
        chat = existing or Chat(chat_id=chat_id or new_chat_id(), path=path)
        chat.title = title or path.name.removesuffix(EXTENSION)
        chat.created_at, chat.last_message_at = created_at, last_message_at
        chat.pinned, chat.error = pinned, error
        chat.external = path.parent != self.chats_dir
        if existing is None:
            self._add(chat)
        else:
            self.notify_changed(chat)
        return chat

    def sorted_chats(self) -> list[Chat]:
        """Pinned chats first, then newest first."""
        return sorted(
            self.chats.values(),
            key=lambda c: (not c.pinned, -c.sort_time.timestamp(), -c.touched),
        )

    def find_path(self, path: Path) -> Chat | None:
        return self.listed(path.resolve())

    def listed(self, resolved: Path) -> Chat | None:
        """The chat listed for a file, by its resolved path (no file system call)."""
        return self._by_path.get(resolved)

    def _chat_from_file(self, path: Path, external: bool) -> Chat:
        path = path.resolve()
        try:
            loaded = load(path)
        except TranscriptError as error:
            log.warning("chat file %s cannot be read: %s", path, error)
            return Chat(
                chat_id=new_chat_id(),
                path=path,
                title=path.name.removesuffix(EXTENSION),
                external=external,
                error=str(error),
            )
        return chat_of(loaded.transcript, path, external)

    def _add(self, chat: Chat) -> None:
        while chat.chat_id in self.chats:  # a copied file keeps its id; give the copy its own
            chat.chat_id = new_chat_id()
            if chat.transcript is not None:
                chat.transcript.chat_id = chat.chat_id
        self.chats[chat.chat_id] = chat
        if chat.path is not None:
            self._by_path[chat.path] = chat
        self._touch(chat)
        for observer in self.observers:
            observer.chat_added(chat)

    def _set_path(self, chat: Chat, path: Path | None) -> None:
        """Move the chat to ``path`` (resolved), keeping the lookup by path in step."""
        if chat.path is not None and self._by_path.get(chat.path) is chat:
            del self._by_path[chat.path]
        chat.path = None if path is None else path.resolve()
        if chat.path is not None and chat.chat_id in self.chats:
            self._by_path[chat.path] = chat

    def _touch(self, chat: Chat) -> None:
        self.touches += 1
        chat.touched = self.touches

    def notify_changed(self, chat: Chat) -> None:
        for observer in self.observers:
            observer.chat_changed(chat)

    # -- reading -------------------------------------------------------------------------------
    def transcript(self, chat: Chat) -> Transcript:
        """The chat's transcript, read from its file the first time; raises LibraryError."""
        if chat.transcript is not None:
            return chat.transcript
        if chat.path is None:
            chat.transcript = Transcript(Conversation(), chat_id=chat.chat_id)
            return chat.transcript
        fresh = self._chat_from_file(chat.path, chat.external)
        if fresh.error:
            chat.error = fresh.error
            self.notify_changed(chat)
            raise LibraryError(fresh.error)
        assert fresh.transcript is not None
        fresh.transcript.chat_id = chat.chat_id
        chat.transcript, chat.error = fresh.transcript, ""
        chat.title, chat.last_message_at = summary_of(fresh.transcript)
        return chat.transcript

    # -- creating and writing ------------------------------------------------------------------
    def new_chat(self, transcript: Transcript | None = None) -> Chat:
        """A chat that is listed at once but written only once it has a message."""
        transcript = transcript or Transcript()
        chat = chat_of(transcript, None, external=False)
        self._add(chat)
        if transcript.conversation.messages:
            self.write(chat)
        return chat

    def _new_path(self, chat: Chat) -> Path:
        # Named by when the file is made, to the microsecond: listing the folder by name
        # gives the order in which chats were kept, which whole-second times cannot.
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        return self.chats_dir / f"{stamp}-{chat.chat_id[:8]}{EXTENSION}"

    def write(self, chat: Chat) -> None:
        """Write the chat's file atomically (creating it the first time). Raises LibraryError.

        A chat without messages and without a file is not written: it is not worth keeping.
        A damaged chat is never written, so what is left of it stays as it was.
        """
        transcript = chat.transcript
        if transcript is None or chat.error:
            return
        if chat.path is None and not transcript.conversation.messages:
            return
        if not self.persist:
            chat.title, chat.last_message_at = summary_of(transcript)
            self.notify_changed(chat)
            return
        if self.read_only:
            raise LibraryError(
                "This window is read-only (another Confab uses this data folder): "
                "the change is shown but not saved."
            )
        path = chat.path or self._new_path(chat)
        transcript.chat_id = chat.chat_id
        try:
            save(path, transcript)
        except SaveError as error:
            raise LibraryError(str(error)) from error
        self._set_path(chat, path)
        chat.title, chat.last_message_at = summary_of(transcript)
        chat.pinned = transcript.pinned
        self._touch(chat)
        self.notify_changed(chat)

    def forget_if_empty(self, chat: Chat) -> bool:
        """Drop a chat that was never written (nobody typed in it). True if it was dropped."""
        if chat.path is not None or chat.busy:
            return False
        if chat.transcript is not None and chat.transcript.conversation.messages:
            return False
        self._remove(chat)
        return True

    def _remove(self, chat: Chat) -> None:
        self.chats.pop(chat.chat_id, None)
        if chat.path is not None and self._by_path.get(chat.path) is chat:
            del self._by_path[chat.path]
        for observer in self.observers:
            observer.chat_removed(chat)

    # -- rename, pin, duplicate ----------------------------------------------------------------
    def rename(self, chat: Chat, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            raise LibraryError("A chat needs a title.")
        transcript = self.transcript(chat)
        transcript.conversation.title = title
        chat.title = title
        if chat.path is None:
            self.notify_changed(chat)
        else:
            self.write(chat)

    def set_pinned(self, chat: Chat, pinned: bool) -> None:
        self.transcript(chat).pinned = pinned
        chat.pinned = pinned
        if chat.path is None:
            self.notify_changed(chat)
        else:
            self.write(chat)

    def duplicate(self, chat: Chat) -> Chat:
        source = self.transcript(chat)
        conversation = source.conversation
        copy = Transcript(
            Conversation(
                messages=[replace(m, meta=dict(m.meta)) for m in conversation.messages],
                persona=conversation.persona,
                title=f"{conversation.title or 'Chat'} (copy)",
            ),
            source.model_id,
            source.settings,
        )
        return self.new_chat(copy)

    # -- trash -----------------------------------------------------------------------------------
    def delete(self, chat: Chat) -> None:
        """Move the chat's file to the trash (an opened file is only taken off the list)."""
        if chat.busy:
            raise LibraryError("Stop the reply before deleting the chat.")
        if chat.path is None:
            self._remove(chat)
            return
        if chat.external:
            self._remove(chat)
            self._remember_opened_files()
            return
        if self.read_only:
            raise LibraryError("This window is read-only: nothing can be deleted.")
        target = self._to_trash(chat.path, "The chat was not deleted.")
        self.undo_stack.append((chat, target))
        self._remove(chat)
        for observer in self.observers:
            observer.trash_changed()

    def _to_trash(self, path: Path, if_not: str) -> Path:
        """Move ``path`` into the trash under a free name; returns where it went."""
        target = self._free_name(self.trash_dir, path.name)
        try:
            self.trash_dir.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
        except OSError as error:
            raise LibraryError(
                f'Could not move "{path.name}" to the trash: {error.strerror or error}. {if_not}'
            ) from error
        return target

    def undo_delete(self) -> Chat | None:
        """Bring back the chat deleted last; None if there is none."""
        if not self.undo_stack:
            return None
        chat, trashed = self.undo_stack.pop()
        return self.restore(trashed, chat)

    def restore(self, trashed: Path, chat: Chat | None = None) -> Chat:
        """Move a trashed file back into the library and list it again."""
        target = self._free_name(self.chats_dir, trashed.name)
        try:
            os.replace(trashed, target)
        except OSError as error:
            raise LibraryError(
                f'Could not restore "{trashed.name}": {error.strerror or error}.'
            ) from error
        if chat is None:  # the same chat the sidebar listed, if it was deleted in this run
            chat = next((c for c, p in self.undo_stack if p == trashed), None)
        self.undo_stack = [(c, p) for c, p in self.undo_stack if p != trashed]
        if chat is None:
            chat = self._chat_from_file(target, external=False)
        else:
            chat.path = target.resolve()  # listed again just below, by _add
        self._add(chat)
        for observer in self.observers:
            observer.trash_changed()
        return chat

    def trash(self) -> list[TrashEntry]:
        """What is in the trash, deleted last first."""
        entries = []
        try:
            files = [p for p in self.trash_dir.iterdir() if p.name.endswith(EXTENSION)]
        except OSError:
            return []
        for path in files:
            try:
                title = load(path).transcript.conversation.title
            except TranscriptError:
                title = path.name
            deleted = datetime.fromtimestamp(path.stat().st_ctime).astimezone()
            entries.append(TrashEntry(path, title or path.name, deleted))
        return sorted(entries, key=lambda e: e.deleted_at, reverse=True)

    def empty_trash(self) -> int:
        """Delete the trashed files for good; returns how many. The GUI asks first."""
        removed = 0
        for entry in self.trash():
            try:
                entry.path.unlink()
                removed += 1
            except OSError as error:
                log.warning("could not delete %s: %s", entry.path, error)
        self.undo_stack.clear()
        for observer in self.observers:
            observer.trash_changed()
        return removed

    @staticmethod
    def _free_name(folder: Path, name: str) -> Path:
        target = folder / name
        stem = name.removesuffix(EXTENSION)
        number = 2
        while target.exists():
            target = folder / f"{stem} ({number}){EXTENSION}"
            number += 1
        return target

    # -- files from elsewhere ------------------------------------------------------------------
    def open_file(self, path: Path) -> Chat:
        """List a transcript from anywhere. A Confab transcript is saved back where it is; an
        imported message list becomes a new library chat (its file is not rewritten)."""
        path = path.resolve()
        existing = self.find_path(path)
        if existing is not None:
            return existing
        try:
            loaded = load(path)
        except TranscriptError as error:
            raise LibraryError(str(error)) from error
        if loaded.imported:
            return self.new_chat(loaded.transcript)
        inside = path.parent == self.chats_dir
        chat = self._chat_from_file(path, external=not inside)
        self._add(chat)
        if chat.external:
            self._remember_opened_files()
        return chat

    def move_to_library(self, chat: Chat) -> None:
        """Take an opened file's chat into the library folder (the original file stays)."""
        if not chat.external:
            return
        transcript = self.transcript(chat)
        self._set_path(chat, None)
        chat.external = False
        chat.transcript = transcript
        self.write(chat)
        self._remember_opened_files()

    def save_as(self, chat: Chat, path: Path) -> None:
        """Write the chat to ``path``; the chat lives there from now on."""
        transcript = self.transcript(chat)
        try:
            save(path, transcript)
        except SaveError as error:
            raise LibraryError(str(error)) from error
        old = chat.path
        self._set_path(chat, path)
        assert chat.path is not None
        chat.external = chat.path.parent != self.chats_dir
        self._remember_opened_files()
        self.notify_changed(chat)
        if old is not None and old.parent == self.chats_dir and old != chat.path:
            # The chat moved out of the library: its old file goes to the trash, not away.
            self._to_trash(old, "The chat is saved in its new place; the old file stays.")

    # -- messages --------------------------------------------------------------------------------
    def append(self, chat: Chat, message: Message) -> None:
        """Add a message to the chat and write it. Raises LibraryError if the write failed
        (the message stays in the chat and is written with the next change)."""
        transcript = self.transcript(chat)
        conversation = transcript.conversation
        conversation.messages.append(message)
        conversation.updated_at = utc_now()
        if not conversation.title and message.role == "user":
            conversation.title = default_title(message.content)
        self.write(chat)

    def known_paths(self) -> Iterable[Path]:
        return (chat.path for chat in self.chats.values() if chat.path is not None)
