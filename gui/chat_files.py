"""The File menu's chat half: New, Open, Open Recent, Save, Save As, Export, and autosave.

``ChatFiles`` is a helper owned by the main window. It keeps the "which file is this chat and
is it saved" state, asks Save / Discard / Cancel before unsaved work would be dropped, and
writes ``<data-dir>/autosave.confab.json`` after every change so a crash loses at most the
reply in flight. All file I/O goes through ``core.transcript`` (atomic saves, strict loads).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from core import APP_NAME
from core.transcript import (
    EXTENSION,
    AutosaveStore,
    LoadedTranscript,
    SaveError,
    Transcript,
    TranscriptError,
    ensure_extension,
    export_markdown,
    export_text,
    load,
    save,
    write_text_atomic,
)

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger(__name__)

OPEN_FILTER = f"Confab transcripts (*{EXTENSION} *.json);;All files (*)"
SAVE_FILTER = f"Confab transcripts (*{EXTENSION})"


def safe_file_stem(title: str) -> str:
    """A file name stem from a chat title: no path separators or odd characters."""
    stem = re.sub(r"[^\w\- ]+", "", title, flags=re.UNICODE).strip()[:50]
    return stem or "Chat"


class ChatFiles:
    """Saving and opening chats for one main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.autosave = AutosaveStore(window.options.data_dir)
        self.autosave.remove_stale_temporaries()
        self.current_path: Path | None = None

    # -- menu ----------------------------------------------------------------------------------
    def build_menu(self, menu: QMenu) -> None:
        """Add the chat file actions to the top of the File menu."""
        window = self.window

        def action(
            text: str, slot: Callable[[], object], key: QKeySequence | None = None
        ) -> QAction:
            item = QAction(text, window)
            if key is not None:
                item.setShortcut(key)
            item.triggered.connect(slot)
            menu.addAction(item)
            return item

        std = QKeySequence.StandardKey
        self.new_action = action("&New Chat", self.new_chat, QKeySequence(std.New))
        self.open_action = action("&Open…", self.open_dialog, QKeySequence(std.Open))
        self.recent_menu = menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        menu.addSeparator()
        self.save_action = action("&Save", self.save, QKeySequence(std.Save))
        self.save_as_action = action("Save &As…", self.save_as, QKeySequence(std.SaveAs))
        menu.addSeparator()
        action("Export as &Markdown…", lambda: self.export("md"))
        action("Export as Plain &Text…", lambda: self.export("txt"))
        menu.addSeparator()

    def fill_recent_menu(self) -> None:
        """Recent files, newest first; files that no longer exist are shown greyed out."""
        self.recent_menu.clear()
        recent = self.window.settings.recent_files
        for path in recent:
            item = self.recent_menu.addAction(path)
            if Path(path).is_file():
                item.triggered.connect(lambda _=False, p=path: self.open_with_prompt(Path(p)))
            else:
                item.setEnabled(False)
                item.setToolTip("This file no longer exists.")
        if not recent:
            self.recent_menu.addAction("No recent chats").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear Recent")
            clear.triggered.connect(self.clear_recent)

    def clear_recent(self) -> None:
        self.window.settings.recent_files = []

    # -- the transcript of the window's chat --------------------------------------------------
    def transcript(self) -> Transcript:
        window = self.window
        model_id = window.model_info.model_id if window.model_info else window.model_reference
        return Transcript(window.conversation, model_id, window.generation)

    # -- unsaved changes -------------------------------------------------------------------------
    def confirm_discard(self) -> bool:
        """Before unsaved work would be dropped: Save / Discard / Cancel. True to go on."""
        window = self.window
        if not window.isWindowModified() or not window.conversation.messages:
            return True
        if window.options_headless():
            return True
        name = self.current_path.name if self.current_path else "this chat"
        answer = QMessageBox.question(
            window,
            APP_NAME,
            f"Save the changes to {name} before closing it?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # -- new and open ------------------------------------------------------------------------------
    def new_chat(self) -> None:
        """File > New Chat."""
        if not self.window.ready_to_replace_chat() or not self.confirm_discard():
            return
        self.window.show_transcript(Transcript(model_id="", settings=self.window.generation))
        self.current_path = None
        self.mark_saved()
        self.remove_autosave()

    def open_dialog(self) -> None:
        """File > Open…"""
        if not self.window.ready_to_replace_chat() or not self.confirm_discard():
            return
        start = str(self.current_path.parent) if self.current_path else ""
        name, _ = QFileDialog.getOpenFileName(self.window, "Open chat", start, OPEN_FILTER)
        if name:
            self.open_path(Path(name))

    def open_with_prompt(self, path: Path) -> None:
        """Open Recent: like Open…, without the file dialog."""
        if self.window.ready_to_replace_chat() and self.confirm_discard():
            self.open_path(path)

    def open_path(self, path: Path) -> bool:
        """Open ``path``; on a bad file say why and leave the current chat as it was."""
        try:
            loaded = load(path)
        except TranscriptError as error:
            log.warning("opening %s failed: %s", path, error)
            self.show_error("Cannot open the chat", str(error))
            return False
        self.adopt(loaded, path)
        return True

    def adopt(self, loaded: LoadedTranscript, path: Path | None) -> None:
        """Show a loaded transcript; an imported message list becomes a new unsaved chat."""
        self.window.show_transcript(loaded.transcript)
        if loaded.imported or path is None:
            self.current_path = None
            self.window.setWindowModified(True)
            self.window.update_title()
            self.write_autosave()
        else:
            self.current_path = path.resolve()
            self.mark_saved()
            self.remove_autosave()
            self.window.settings.add_recent_file(str(self.current_path))

    # -- save ----------------------------------------------------------------------------------
    def save(self) -> bool:
        """File > Save: to the chat's file, or ask for one. True when saved."""
        if self.current_path is None:
            return self.save_as()
        return self.save_to(self.current_path)

    def save_as(self) -> bool:
        """File > Save As…"""
        suggested = safe_file_stem(self.window.conversation.title) + EXTENSION
        folder = self.current_path.parent if self.current_path else Path.home()
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Save chat", str(folder / suggested), SAVE_FILTER
        )
        if not name:
            return False
        return self.save_to(ensure_extension(name))

    def save_to(self, path: Path) -> bool:
        """Save atomically to ``path``; a failure is shown and the chat stays unsaved."""
        try:
            save(path, self.transcript())
        except SaveError as error:
            log.warning("saving %s failed: %s", path, error)
            self.show_error("The chat was not saved", str(error))
            return False
        self.current_path = path.resolve()
        self.mark_saved()
        self.remove_autosave()
        self.window.settings.add_recent_file(str(self.current_path))
        self.window.statusBar().showMessage(f"Saved {self.current_path.name}", 4000)
        return True

    def export(self, kind: str) -> bool:
        """Export as Markdown or plain text; the chat's saved state does not change."""
        suffix, label = (".md", "Markdown (*.md)") if kind == "md" else (".txt", "Text (*.txt)")
        stem = safe_file_stem(self.window.conversation.title)
        folder = self.current_path.parent if self.current_path else Path.home()
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Export chat", str(folder / (stem + suffix)), label
        )
        if not name:
            return False
        path = Path(name) if name.lower().endswith(suffix) else Path(name + suffix)
        transcript = self.transcript()
        local = datetime.now().astimezone().tzinfo or UTC
        text = (
            export_markdown(transcript, local) if kind == "md" else export_text(transcript, local)
        )
        try:
            write_text_atomic(path, text)
        except TranscriptError as error:
            self.show_error("The chat was not exported", str(error))
            return False
        self.window.statusBar().showMessage(f"Exported {path.name}", 4000)
        return True

    def mark_saved(self) -> None:
        self.window.setWindowModified(False)
        self.window.update_title()

    # -- autosave --------------------------------------------------------------------------------
    def write_autosave(self) -> None:
        """Keep the chat in progress safe from a crash (called after every change)."""
        if not self.window.conversation.messages:
            return
        try:
            self.autosave.write(self.transcript())
        except SaveError as error:
            log.warning("autosave failed: %s", error)
            self.window.statusBar().showMessage(f"Autosave failed: {error}", 10000)

    def remove_autosave(self) -> None:
        try:
            self.autosave.remove()
        except SaveError as error:
            log.warning("%s", error)

    def offer_restore(self) -> bool:
        """At start-up, after a crash: offer the autosaved chat back. True if restored."""
        if not self.autosave.exists():
            return False
        try:
            loaded = self.autosave.load()
        except TranscriptError as error:
            log.warning("the autosave cannot be read: %s", error)
            self.show_error("The unsaved chat from last time cannot be restored", str(error))
            return False
        count = len(loaded.transcript.conversation.messages)
        answer = QMessageBox.question(
            self.window,
            APP_NAME,
            f"Confab did not close properly last time. Restore the unsaved chat "
            f"({count} messages)?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard,
            QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            self.remove_autosave()
            return False
        self.adopt(LoadedTranscript(loaded.transcript, imported=True), None)
        return True

    def show_error(self, title: str, message: str) -> None:
        if self.window.options_headless():
            self.window.statusBar().showMessage(message, 10000)
            return
        QMessageBox.warning(self.window, f"{APP_NAME}: {title}", message)
