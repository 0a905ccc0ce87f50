"""Opening the library at start-up: list the chats from the search index (reading in the
background what it does not know), and, once, offer the old autosave and the Open Recent
files for import."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QMessageBox

from core import APP_NAME
from core.library import LibraryError
from core.library_index import IndexKeeper, apply_refresh, list_from_index
from core.search_index import INDEX_FILE_NAME, ChatSummary, IndexUnavailable, SearchIndex
from core.transcript import AUTOSAVE_FILE_NAME, TranscriptError, load
from gui.search import IndexRefresher

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger(__name__)


class LibraryStart(QObject):
    """The library's start: listing, the background index refresh, the import offer."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.library = window.library
        self.index: SearchIndex | None = None
        self.refresher: IndexRefresher | None = None
        self.import_box: QMessageBox | None = None

    def load_library(self) -> None:
        """List every chat at start-up: from the index where it is current, then a background
        refresh reads the rest. Without a usable index, every file is read now."""
        options = self.window.options
        if options.read_only or not options.persist:
            self.library.scan()
            return
        try:
            self.index = SearchIndex(options.data_dir / INDEX_FILE_NAME)
            paths = self.library.all_paths()
            stale = list_from_index(self.library, self.index, paths)
        except IndexUnavailable as error:
            log.warning("the search index cannot be used: %s", error)
            self.index = None
            self.library.scan()
            self.window.statusBar().showMessage(
                self.tr("Search is not available: {error}").format(error=error), 10000
            )
            return
        IndexKeeper(self.library, self.index)
        if self.index.reset_reason not in (None, "missing", "empty"):
            log.warning("the search index was rebuilt: %s", self.index.reset_reason)
        self.refresher = IndexRefresher(self.index.path, self.window)
        self.refresher.progress.connect(self.on_index_progress)
        self.refresher.finished.connect(self.on_index_refreshed)
        self.refresher.failed.connect(self.on_index_failed)
        self.refresher.start(paths)
        if stale:
            log.info("%d chat file(s) to read into the index", len(stale))

    @Slot(int, int)
    def on_index_progress(self, done: int, total: int) -> None:
        if total and done < total:
            self.window.statusBar().showMessage(
                self.tr("Indexing chats for search: {done}/{total}").format(done=done, total=total),
                2000,
            )

    @Slot(list)
    def on_index_refreshed(self, summaries: list[ChatSummary]) -> None:
        apply_refresh(self.library, summaries)
        self.window.statusBar().showMessage(
            self.tr("{count} chats ready to search").format(count=len(summaries)), 3000
        )

    @Slot(str)
    def on_index_failed(self, message: str) -> None:
        self.window.statusBar().showMessage(
            self.tr("Search index: {message}").format(message=message), 10000
        )

    def offer_import(self) -> None:
        """Once, on the first start with the library: offer the old autosave and the Open
        Recent files. Nothing is moved unless the user says so."""
        settings = self.window.settings
        if settings.library_import_offered or self.library.read_only:
            return
        autosave = self.window.options.data_dir / AUTOSAVE_FILE_NAME
        recent = [Path(p) for p in settings.recent_files if Path(p).is_file()]
        if not autosave.is_file() and not recent:
            settings.library_import_offered = True
            return
        unsaved = self.tr("the chat that was not saved when Confab last closed")
        opened = self.tr("{count} recently opened chat file(s), which stay where they are").format(
            count=len(recent)
        )
        if autosave.is_file() and recent:
            question = self.tr(
                "Confab now keeps every chat in its sidebar. Add {unsaved} and {opened} to it?"
            ).format(unsaved=unsaved, opened=opened)
        else:
            question = self.tr("Confab now keeps every chat in its sidebar. Add {what} to it?")
            question = question.format(what=unsaved if autosave.is_file() else opened)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            APP_NAME,
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda result: self._import(result, autosave, recent))
        self.import_box = box
        log.info("asking whether to import the old autosave and %d recent file(s)", len(recent))
        box.open()  # not exec(): the model keeps loading while the question is open

    def _import(self, result: int, autosave: Path, recent: list[Path]) -> None:
        accepted = result == QMessageBox.StandardButton.Yes
        log.info("the import question was answered: %s", "yes" if accepted else "no")
        self.window.settings.library_import_offered = True
        if not accepted:
            return
        if autosave.is_file():
            try:
                self.library.new_chat(load(autosave).transcript)
                autosave.unlink()
            except (TranscriptError, LibraryError, OSError) as error:
                self.window.show_problem(
                    self.tr("The unsaved chat could not be added: {error}").format(error=error)
                )
        for path in recent:
            try:
                self.library.open_file(path)
            except LibraryError as error:
                log.warning("importing %s failed: %s", path, error)
