"""The chat actions of the File and Chat menus: new, open, save as, export, rename, pin,
duplicate, delete to the trash and undo.

There is no Save and no "save your changes?" prompt: the library writes every change at once.
All file work goes through ``core.library`` and ``core.transcript`` (atomic saves, strict
loads); this module only asks the user and shows what happened.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from core import APP_NAME
from core.library import Chat, LibraryError
from core.transcript import (
    EXTENSION,
    TranscriptError,
    ensure_extension,
    export_markdown,
    export_openai_json,
    export_text,
    write_text_atomic,
)

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger(__name__)

OPEN_FILTER = f"Confab transcripts (*{EXTENSION} *.json);;All files (*)"
SAVE_FILTER = f"Confab transcripts (*{EXTENSION})"
EXPORTS = {
    "md": (".md", "Markdown (*.md)"),
    "txt": (".txt", "Text (*.txt)"),
    "json": (".json", "OpenAI-style messages (*.json)"),
}


def safe_file_stem(title: str) -> str:
    """A file name stem from a chat title: no path separators or odd characters."""
    stem = re.sub(r"[^\w\- ]+", "", title, flags=re.UNICODE).strip()[:50]
    return stem or "Chat"


class ChatFiles:
    """The chat file actions of one main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.library = window.library
        self.session = window.session
        # Edit > Undo (Ctrl+Z) also brings a deleted chat back when that was the last change.
        self.undo_action = QAction("&Undo Delete", window)
        self.undo_action.triggered.connect(self.undo_delete)

    # -- menus ---------------------------------------------------------------------------------
    def _action(
        self, menu: QMenu, text: str, slot: Callable[[], object], key: QKeySequence | None = None
    ) -> QAction:
        item = QAction(text, self.window)
        if key is not None:
            item.setShortcut(key)
        item.triggered.connect(slot)
        menu.addAction(item)
        return item

    def build_menu(self, menu: QMenu) -> None:
        """Add the chat file actions to the top of the File menu."""
        std = QKeySequence.StandardKey
        self.new_action = self._action(menu, "&New Chat", self.new_chat, QKeySequence(std.New))
        self.open_action = self._action(menu, "&Open…", self.open_dialog, QKeySequence(std.Open))
        self.recent_menu = menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        menu.addSeparator()
        self.save_as_action = self._action(
            menu, "Save &As…", self.save_as, QKeySequence(std.SaveAs)
        )
        self.move_action = self._action(menu, "&Move to Library", self.move_to_library)
        menu.addSeparator()
        self._action(menu, "Export as &Markdown…", lambda: self.export("md"))
        self._action(menu, "Export as Plain &Text…", lambda: self.export("txt"))
        self._action(menu, "Export as &JSON Messages…", lambda: self.export("json"))
        menu.addSeparator()

    def build_chat_menu(self, menu: QMenu) -> None:
        """Rename, pin, duplicate and delete the shown chat."""
        self.rename_action = self._action(menu, "&Rename…", self.rename_chat, QKeySequence("F2"))
        self.pin_action = self._action(menu, "&Pin to Top", self.toggle_pin)
        self.pin_action.setCheckable(True)
        self.duplicate_action = self._action(menu, "&Duplicate", self.duplicate_chat)
        self.delete_action = self._action(menu, "&Delete Chat…", self.delete_chat)
        menu.addAction(self.undo_action)
        self.trash_menu = menu.addMenu("&Trash")
        self.trash_menu.aboutToShow.connect(self.fill_trash_menu)

    def update_actions(self) -> None:
        chat = self.session.current
        kept = chat is not None and chat.path is not None
        busy = chat is not None and chat.busy
        self.move_action.setEnabled(chat is not None and chat.external)
        self.rename_action.setEnabled(chat is not None and not chat.damaged)
        self.pin_action.setEnabled(kept and not chat.external if chat else False)
        self.pin_action.setChecked(bool(chat and chat.pinned))
        self.duplicate_action.setEnabled(kept and not busy)
        self.delete_action.setEnabled(kept and not busy)
        self.delete_action.setText(
            "Remove from List" if chat is not None and chat.external else "&Delete Chat…"
        )
        undo = self.library.undo_stack[-1][0].title if self.library.undo_stack else ""
        self.undo_action.setEnabled(bool(self.library.undo_stack))
        self.undo_action.setText(f"&Undo Delete of “{undo}”" if undo else "&Undo Delete")

    def fill_recent_menu(self) -> None:
        """Recent files, newest first; files that no longer exist are shown greyed out."""
        self.recent_menu.clear()
        recent = self.window.settings.recent_files
        for path in recent:
            item = self.recent_menu.addAction(path)
            if Path(path).is_file():
                item.triggered.connect(lambda _=False, p=path: self.open_path(Path(p)))
            else:
                item.setEnabled(False)
                item.setToolTip("This file no longer exists.")
        if not recent:
            self.recent_menu.addAction("No recent chats").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear Recent")
            clear.triggered.connect(self.clear_recent)

    def remember_recent(self, path: Path) -> None:
        if self.window.options.persist:  # a self-test leaves Open Recent as it was
            self.window.settings.add_recent_file(str(path))

    def clear_recent(self) -> None:
        self.window.settings.recent_files = []

    def fill_trash_menu(self) -> None:
        """The trash: each chat can be restored; emptying it is a second, confirmed step."""
        self.trash_menu.clear()
        entries = self.library.trash()
        for entry in entries:
            when = entry.deleted_at.strftime("%Y-%m-%d %H:%M")
            item = self.trash_menu.addAction(f"Restore “{entry.title}” (deleted {when})")
            item.triggered.connect(lambda _=False, p=entry.path: self.restore(p))
        if not entries:
            self.trash_menu.addAction("The trash is empty").setEnabled(False)
        else:
            self.trash_menu.addSeparator()
            self.trash_menu.addAction("Empty Trash…").triggered.connect(self.empty_trash)

    # -- new and open --------------------------------------------------------------------------
    def new_chat(self) -> None:
        """File > New Chat."""
        self.window.keep_draft()
        self.session.new_chat()
        self.window.input_box.setFocus()

    def open_dialog(self) -> None:
        """File > Open…"""
        current = self.session.current
        start = str(current.path.parent) if current and current.external and current.path else ""
        name, _ = QFileDialog.getOpenFileName(self.window, "Open chat", start, OPEN_FILTER)
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path) -> bool:
        """Open ``path`` and show it; a bad file is named with the reason and nothing changes."""
        try:
            chat = self.library.open_file(path)
        except LibraryError as error:
            log.warning("opening %s failed: %s", path, error)
            self.window.show_problem(str(error))
            return False
        if chat.external and chat.path is not None:
            self.remember_recent(chat.path)
        self.window.show_chat(chat)
        if self.session.current is not chat:
            return False
        self.session.answer(chat)  # a chat whose last turn is the user's gets its reply
        return True

    # -- save as and export -----------------------------------------------------------------------
    def save_as(self) -> bool:
        """File > Save As…: write the chat to a file of the user's choice; it lives there now."""
        chat = self.session.current
        if chat is None:
            return False
        suggested = safe_file_stem(chat.title) + EXTENSION
        folder = chat.path.parent if chat.path and chat.external else Path.home()
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Save chat as", str(folder / suggested), SAVE_FILTER
        )
        if not name:
            return False
        return self.save_to(chat, ensure_extension(name))

    def save_to(self, chat: Chat, path: Path) -> bool:
        try:
            self.library.save_as(chat, path)
        except LibraryError as error:
            self.window.show_problem(str(error))
            return False
        self.remember_recent(path.resolve())
        self.window.statusBar().showMessage(f"Saved {path.name}", 4000)
        self.window.update_title()
        return True

    def move_to_library(self) -> None:
        chat = self.session.current
        if chat is None:
            return
        try:
            self.library.move_to_library(chat)
        except LibraryError as error:
            self.window.show_problem(str(error))

    def export(self, kind: str) -> bool:
        """Export as Markdown, plain text, or JSON messages; the chat itself does not change."""
        chat = self.session.current
        if chat is None:
            return False
        suffix, label = EXPORTS[kind]
        folder = Path.home()
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Export chat", str(folder / (safe_file_stem(chat.title) + suffix)), label
        )
        if not name:
            return False
        return self.export_to(kind, Path(name))

    def export_to(self, kind: str, path: Path) -> bool:
        suffix, _ = EXPORTS[kind]
        if not path.name.lower().endswith(suffix):
            path = path.with_name(path.name + suffix)
        transcript = self.session.transcript
        local = datetime.now().astimezone().tzinfo or UTC
        if kind == "md":
            text = export_markdown(transcript, local)
        elif kind == "txt":
            text = export_text(transcript, local)
        else:
            text = export_openai_json(transcript)
        try:
            write_text_atomic(path, text)
        except TranscriptError as error:
            self.window.show_problem(f"The chat was not exported. {error}")
            return False
        self.window.statusBar().showMessage(f"Exported {path.name}", 4000)
        return True

    # -- rename, pin, duplicate, delete ---------------------------------------------------------
    def rename_chat(self) -> None:
        chat = self.session.current
        if chat is None:
            return
        title, ok = QInputDialog.getText(self.window, "Rename chat", "Title:", text=chat.title)
        if ok:
            try:
                self.library.rename(chat, title)
            except LibraryError as error:
                self.window.show_problem(str(error))
            self.window.update_title()

    def toggle_pin(self) -> None:
        chat = self.session.current
        if chat is not None:
            try:
                self.library.set_pinned(chat, not chat.pinned)
            except LibraryError as error:
                self.window.show_problem(str(error))
            self.update_actions()

    def duplicate_chat(self) -> None:
        chat = self.session.current
        if chat is None:
            return
        try:
            copy = self.library.duplicate(chat)
        except LibraryError as error:
            self.window.show_problem(str(error))
            return
        self.window.show_chat(copy)

    def delete_chat(self) -> None:
        """Delete (Del): after a confirmation, the chat's file goes to the trash."""
        chat = self.session.current
        if chat is None or chat.path is None:
            return
        if chat.busy:
            self.window.statusBar().showMessage("Stop the reply before deleting the chat.", 4000)
            return
        if not chat.external and not self.window.options_headless():
            answer = QMessageBox.question(
                self.window,
                APP_NAME,
                f"Move “{chat.title or 'this chat'}” to the trash? "
                "Edit > Undo (Ctrl+Z) or Chat > Trash brings it back.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Yes,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        neighbours = self.window.chat_list_model.chats_shown()
        try:
            self.library.delete(chat)
        except LibraryError as error:
            self.window.show_problem(str(error))
            return
        self.window.chat_undo.chat_deleted()
        rest = [c for c in neighbours if c is not chat]
        if rest:
            index = min(neighbours.index(chat), len(rest) - 1)
            self.session.select(rest[index])
        else:
            self.session.new_chat()
        self.window.statusBar().showMessage(
            f"Moved “{chat.title}” to the trash. Ctrl+Z brings it back.", 8000
        )
        self.update_actions()

    def undo_delete(self) -> None:
        try:
            chat = self.library.undo_delete()
        except LibraryError as error:
            self.window.show_problem(str(error))
            return
        if chat is not None:
            self.window.show_chat(chat)
        self.update_actions()

    def restore(self, path: Path) -> None:
        try:
            chat = self.library.restore(path)
        except LibraryError as error:
            self.window.show_problem(str(error))
            return
        self.window.show_chat(chat)
        self.update_actions()

    def empty_trash(self) -> None:
        count = len(self.library.trash())
        answer = QMessageBox.warning(
            self.window,
            APP_NAME,
            f"Delete the {count} chat(s) in the trash for good? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.library.empty_trash()
            self.update_actions()
