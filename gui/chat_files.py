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

from PySide6.QtCore import QCoreApplication
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
from gui.i18n import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger(__name__)

EXPORTS = {  # suffix, the file type's name (translated where it is shown)
    "md": (".md", QT_TRANSLATE_NOOP("ChatFiles", "Markdown")),
    "txt": (".txt", QT_TRANSLATE_NOOP("ChatFiles", "Text")),
    "json": (".json", QT_TRANSLATE_NOOP("ChatFiles", "OpenAI-style messages")),
}


def open_filter() -> str:
    """The Open dialog's file types, their names in the user's language."""
    transcripts = QCoreApplication.translate("ChatFiles", "Confab transcripts")
    every = QCoreApplication.translate("ChatFiles", "All files")
    return f"{transcripts} (*{EXTENSION} *.json);;{every} (*)"


def save_filter() -> str:
    return QCoreApplication.translate("ChatFiles", "Confab transcripts") + f" (*{EXTENSION})"


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
        self.undo_action = QAction(QCoreApplication.translate("ChatFiles", "&Undo Delete"), window)
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
        self.new_action = self._action(
            menu,
            QCoreApplication.translate("ChatFiles", "&New Chat"),
            self.new_chat,
            QKeySequence(std.New),
        )
        self.open_action = self._action(
            menu,
            QCoreApplication.translate("ChatFiles", "&Open…"),
            self.open_dialog,
            QKeySequence(std.Open),
        )
        self.recent_menu = menu.addMenu(QCoreApplication.translate("ChatFiles", "Open &Recent"))
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        menu.addSeparator()
        self.save_as_action = self._action(
            menu,
            QCoreApplication.translate("ChatFiles", "Save &As…"),
            self.save_as,
            QKeySequence(std.SaveAs),
        )
        self.move_action = self._action(
            menu, QCoreApplication.translate("ChatFiles", "Mo&ve to Library"), self.move_to_library
        )
        menu.addSeparator()
        self._action(
            menu,
            QCoreApplication.translate("ChatFiles", "Export as &Markdown…"),
            lambda: self.export("md"),
        )
        self._action(
            menu,
            QCoreApplication.translate("ChatFiles", "Export as Plain &Text…"),
            lambda: self.export("txt"),
        )
        self._action(
            menu,
            QCoreApplication.translate("ChatFiles", "Export as &JSON Messages…"),
            lambda: self.export("json"),
        )
        menu.addSeparator()

    def build_chat_menu(self, menu: QMenu) -> None:
        """Rename, pin, duplicate and delete the shown chat."""
        self.rename_action = self._action(
            menu,
            QCoreApplication.translate("ChatFiles", "&Rename…"),
            self.rename_chat,
            QKeySequence("F2"),
        )
        self.pin_action = self._action(
            menu, QCoreApplication.translate("ChatFiles", "&Pin to Top"), self.toggle_pin
        )
        self.pin_action.setCheckable(True)
        self.duplicate_action = self._action(
            menu, QCoreApplication.translate("ChatFiles", "&Duplicate"), self.duplicate_chat
        )
        self.delete_action = self._action(
            menu, QCoreApplication.translate("ChatFiles", "Delete &Chat…"), self.delete_chat
        )
        menu.addAction(self.undo_action)
        self.trash_menu = menu.addMenu(QCoreApplication.translate("ChatFiles", "&Trash"))
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
            QCoreApplication.translate("ChatFiles", "Remove from List")
            if chat is not None and chat.external
            else QCoreApplication.translate("ChatFiles", "Delete &Chat…")
        )
        undo = self.library.undo_stack[-1][0].title if self.library.undo_stack else ""
        self.undo_action.setEnabled(bool(self.library.undo_stack))
        self.undo_action.setText(
            QCoreApplication.translate("ChatFiles", "&Undo Delete of “{title}”").format(title=undo)
            if undo
            else QCoreApplication.translate("ChatFiles", "&Undo Delete")
        )

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
                item.setToolTip(
                    QCoreApplication.translate("ChatFiles", "This file no longer exists.")
                )
        if not recent:
            self.recent_menu.addAction(
                QCoreApplication.translate("ChatFiles", "No recent chats")
            ).setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction(
                QCoreApplication.translate("ChatFiles", "Clear Recent")
            )
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
            item = self.trash_menu.addAction(
                QCoreApplication.translate(
                    "ChatFiles", "Restore “{title}” (deleted {when})"
                ).format(title=entry.title, when=when)
            )
            item.triggered.connect(lambda _=False, p=entry.path: self.restore(p))
        if not entries:
            self.trash_menu.addAction(
                QCoreApplication.translate("ChatFiles", "The trash is empty")
            ).setEnabled(False)
        else:
            self.trash_menu.addSeparator()
            self.trash_menu.addAction(
                QCoreApplication.translate("ChatFiles", "Empty Trash…")
            ).triggered.connect(self.empty_trash)

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
        name, _ = QFileDialog.getOpenFileName(
            self.window, QCoreApplication.translate("ChatFiles", "Open chat"), start, open_filter()
        )
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
            self.window,
            QCoreApplication.translate("ChatFiles", "Save chat as"),
            str(folder / suggested),
            save_filter(),
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
        self.window.statusBar().showMessage(
            QCoreApplication.translate("ChatFiles", "Saved {name}").format(name=path.name), 4000
        )
        self.window.update_title()
        self.update_actions()  # the chat is a file of its own now: Move to Library applies
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
        suffix, kind_name = EXPORTS[kind]
        label = QCoreApplication.translate("ChatFiles", kind_name) + f" (*{suffix})"
        folder = Path.home()
        name, _ = QFileDialog.getSaveFileName(
            self.window,
            QCoreApplication.translate("ChatFiles", "Export chat"),
            str(folder / (safe_file_stem(chat.title) + suffix)),
            label,
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
            self.window.show_problem(
                QCoreApplication.translate(
                    "ChatFiles", "The chat was not exported. {error}"
                ).format(error=error)
            )
            return False
        self.window.statusBar().showMessage(
            QCoreApplication.translate("ChatFiles", "Exported {name}").format(name=path.name), 4000
        )
        return True

    # -- rename, pin, duplicate, delete ---------------------------------------------------------
    def rename_chat(self) -> None:
        chat = self.session.current
        if chat is None:
            return
        title, ok = QInputDialog.getText(
            self.window,
            QCoreApplication.translate("ChatFiles", "Rename chat"),
            QCoreApplication.translate("ChatFiles", "Title:"),
            text=chat.title,
        )
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
            self.window.statusBar().showMessage(
                QCoreApplication.translate("ChatFiles", "Stop the reply before deleting the chat."),
                4000,
            )
            return
        if not chat.external and not self.window.options_headless():
            answer = QMessageBox.question(
                self.window,
                APP_NAME,
                QCoreApplication.translate(
                    "ChatFiles",
                    "Move “{title}” to the trash? "
                    "Edit > Undo (Ctrl+Z) or Chat > Trash brings it back.",
                ).format(title=chat.title or QCoreApplication.translate("ChatFiles", "this chat")),
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
            QCoreApplication.translate(
                "ChatFiles", "Moved “{title}” to the trash. Ctrl+Z brings it back."
            ).format(title=chat.title),
            8000,
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
            QCoreApplication.translate(
                "ChatFiles",
                "Delete the {count} chat(s) in the trash for good? This cannot be undone.",
            ).format(count=count),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.library.empty_trash()
            self.update_actions()
