"""Undo and redo for every change to a chat, and for deleting a chat.

Each chat has its own ``QUndoStack``. The session reports each change with the chat's file
text before and after it, so a command is two snapshots: undo puts the first back, redo the
second, and the chat comes back byte for byte whatever the change was (a send, a reply, an
edit, a delete, a persona). A reply arriving after a send, an edit, a regenerate or another
reply joins the command that asked for it, so one Undo takes back a message and its answer.

Edit ▸ Undo (Ctrl+Z) takes back the newest change: in the chat shown, or the deletion of a
chat, whichever came last. Nothing is undone while a reply is being written for the chat.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack

from core.library import Chat
from core.session import (
    CONTINUE,
    DELETE,
    EDIT,
    EDIT_REPLY,
    PERSONA,
    REGENERATE,
    REPLY,
    SEND,
    SETTINGS,
    SHOW_VERSION,
)
from gui.i18n import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from gui.main_window import MainWindow

SNAPSHOT_COMMAND_ID = 1  # every command may join the one before it (see mergeWith)
UNDO_LIMIT = 200  # changes kept per chat: snapshots are whole files

WHY_NOT = {  # shown translated: QCoreApplication.translate("ChatUndo", ...)
    "busy": QT_TRANSLATE_NOOP("ChatUndo", "Wait for the reply, or press Stop, before undoing."),
    "damaged": QT_TRANSLATE_NOOP("ChatUndo", "This chat's file is damaged and cannot change."),
    "gone": QT_TRANSLATE_NOOP("ChatUndo", "That chat is no longer in the library."),
}
# The session's names of its changes (kept in English on the commands), as Undo shows them.
CHANGE_NAMES = {
    SEND: QT_TRANSLATE_NOOP("ChatUndo", "Send Message"),
    REPLY: QT_TRANSLATE_NOOP("ChatUndo", "Bot Reply"),
    REGENERATE: QT_TRANSLATE_NOOP("ChatUndo", "Regenerate Reply"),
    CONTINUE: QT_TRANSLATE_NOOP("ChatUndo", "Continue Reply"),
    SHOW_VERSION: QT_TRANSLATE_NOOP("ChatUndo", "Show Version"),
    EDIT: QT_TRANSLATE_NOOP("ChatUndo", "Edit Message"),
    EDIT_REPLY: QT_TRANSLATE_NOOP("ChatUndo", "Edit Reply"),
    DELETE: QT_TRANSLATE_NOOP("ChatUndo", "Delete Message"),
    PERSONA: QT_TRANSLATE_NOOP("ChatUndo", "Change Persona"),
    SETTINGS: QT_TRANSLATE_NOOP("ChatUndo", "Change Reply Style"),
}


def why_not_text(why_not: str) -> str:
    return QCoreApplication.translate("ChatUndo", WHY_NOT.get(why_not, why_not))


def change_name(label: str) -> str:
    """A change's name in the user's language."""
    return QCoreApplication.translate("ChatUndo", CHANGE_NAMES.get(label, label))


class SnapshotCommand(QUndoCommand):
    """One change to a chat, as its file text before and after."""

    def __init__(
        self, undo: ChatUndo, chat: Chat, label: str, before: str, after: str, order: int
    ) -> None:
        super().__init__(label)
        self.owner, self.chat, self.label = undo, chat, label
        self.before, self.after, self.order = before, after, order
        self.applied = True  # the change was made before the command was pushed

    def id(self) -> int:
        return SNAPSHOT_COMMAND_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        """A reply joins what asked for it; browsing versions is one step."""
        if not isinstance(other, SnapshotCommand) or other.before != self.after:
            return False
        joins = other.label == REPLY or (other.label == self.label == SHOW_VERSION)
        if not joins:
            return False
        self.after, self.order = other.after, other.order
        return True

    def undo(self) -> None:
        self.owner.apply(self.chat, self.before)

    def redo(self) -> None:
        if self.applied:
            self.applied = False  # QUndoStack.push calls redo; the change is already made
            return
        self.owner.apply(self.chat, self.after)


class ChatUndo(QObject):
    """The Undo and Redo actions, and a stack of changes for each chat."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.stacks: dict[str, QUndoStack] = {}
        self.counter = itertools.count(1)
        self.deletions: list[int] = []  # when each chat still in the library's undo was deleted
        self.problem = ""
        self.undo_action = QAction(self.tr("&Undo"), window)
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QAction(self.tr("&Redo"), window)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.triggered.connect(self.redo)
        self.update_actions()

    def stack_of(self, chat: Chat) -> QUndoStack:
        stack = self.stacks.get(chat.chat_id)
        if stack is None:
            stack = QUndoStack(self)
            stack.setUndoLimit(UNDO_LIMIT)
            self.stacks[chat.chat_id] = stack
        return stack

    # -- recording -----------------------------------------------------------------------------
    def record(self, chat: Chat, label: str, before: str, after: str) -> None:
        """A change the session made (pushed without being applied again)."""
        command = SnapshotCommand(self, chat, label, before, after, next(self.counter))
        self.stack_of(chat).push(command)
        self.update_actions()

    def chat_deleted(self) -> None:
        """A chat went to the trash; Undo may bring it back."""
        self.deletions.append(next(self.counter))
        self.update_actions()

    # -- undoing -------------------------------------------------------------------------------
    def _shown_stack(self) -> QUndoStack | None:
        chat = self.window.session.current
        return None if chat is None else self.stacks.get(chat.chat_id)

    def _next_undo(self) -> str:
        """What Undo would take back: "chat" (a change to the chat shown), "delete" or ""."""
        library = self.window.library
        del self.deletions[: max(0, len(self.deletions) - len(library.undo_stack))]
        stack = self._shown_stack()
        change = 0
        if stack is not None and stack.canUndo():
            command = stack.command(stack.index() - 1)
            change = command.order if isinstance(command, SnapshotCommand) else 0
        deletion = self.deletions[-1] if self.deletions and library.undo_stack else 0
        if not change and not deletion:
            return ""
        return "chat" if change > deletion else "delete"

    def undo(self) -> None:
        what = self._next_undo()
        if what == "delete":
            self.deletions.pop()
            self.window.files.undo_delete()
        elif what == "chat":
            self._step(undo=True)
        self.update_actions()

    def redo(self) -> None:
        stack = self._shown_stack()
        if stack is not None and stack.canRedo():
            self._step(undo=False)
        self.update_actions()

    def _step(self, undo: bool) -> None:
        chat = self.window.session.current
        assert chat is not None
        why_not = self.window.session.why_unchangeable(chat)
        if why_not:
            self.window.statusBar().showMessage(why_not_text(why_not), 4000)
            return
        stack = self.stack_of(chat)
        text = change_name(stack.undoText() if undo else stack.redoText())
        self.problem = ""
        if undo:
            stack.undo()
        else:
            stack.redo()
        done = self.tr("Undid: {change}") if undo else self.tr("Redid: {change}")
        message = self.problem or done.format(change=text)
        self.window.statusBar().showMessage(message, 4000)

    def apply(self, chat: Chat, text: str) -> None:
        """Put a snapshot back (called by a command inside QUndoStack.undo/redo)."""
        why_not = self.window.session.restore(chat, text)
        if why_not:
            self.problem = why_not_text(why_not)

    def update_actions(self) -> None:
        what = self._next_undo()
        stack = self._shown_stack()
        if what == "delete":
            title = self.window.library.undo_stack[-1][0].title or self.tr("New chat")
            self.undo_action.setText(self.tr("&Undo Delete Chat “{title}”").format(title=title))
        elif what == "chat" and stack is not None:
            change = change_name(stack.undoText())
            self.undo_action.setText(self.tr("&Undo {change}").format(change=change))
        else:
            self.undo_action.setText(self.tr("&Undo"))
        self.undo_action.setEnabled(bool(what))
        can_redo = stack is not None and stack.canRedo()
        self.redo_action.setEnabled(can_redo)
        self.redo_action.setText(
            self.tr("&Redo {change}").format(change=change_name(stack.redoText()))
            if stack and can_redo
            else self.tr("&Redo")
        )
