"""The Help menu: Keyboard Shortcuts, the README as a page, the logs and data folders, About.

Folders open through ``gui.desktop_links.open_folder`` (a test swaps its ``open_url``). The
README is read from the app's root (the source tree, or the bundle, where build.spec puts
it with the screenshots it shows) and rendered with only its own images.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenu, QVBoxLayout, QWidget

from core import APP_NAME
from core.app_logging import log_file
from core.model_card import ModelCard, read_model_card, server_card
from core.paths import app_root
from gui import desktop_links
from gui.desktop_links import LocalBrowser
from gui.dialogs import AboutDialog
from gui.shortcuts_dialog import ShortcutsDialog

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger(__name__)


def readme_path() -> Path:
    """Where the README is: beside the app's code, in the source tree and in a bundle."""
    return app_root() / "README.md"


class ReadmeDialog(QDialog):
    """The README rendered as a page; its images from its own folder, web links on click."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("README"))
        self.browser = LocalBrowser(path.parent)
        self.browser.setAccessibleName(self.tr("README"))
        try:
            self.browser.setMarkdown(path.read_text(encoding="utf-8"))
        except OSError as error:
            message = self.tr("The README cannot be read (%1): %2")
            self.browser.setPlainText(message.replace("%1", str(path)).replace("%2", str(error)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(860, 700)
        self.browser.setFocus()


class HelpMenu(QObject):
    """Builds the Help menu of ``window`` into ``menu`` and shows what its actions open."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self.readme_dialog: ReadmeDialog | None = None
        self.about_dialog: AboutDialog | None = None
        self._card: tuple[str, ModelCard] | None = None  # (folder, its card): read once

        def action(text: str, slot: object, keys: QKeySequence | None = None) -> QAction:
            item = menu.addAction(text)
            if keys is not None:
                item.setShortcut(keys)
            item.triggered.connect(slot)
            return item

        # Ctrl+/ is free everywhere in the window; F1 is the platform's "help contents".
        self.shortcuts_action = action(
            self.tr("&Keyboard Shortcuts"), self.show_shortcuts, QKeySequence("Ctrl+/")
        )
        self.readme_action = action(
            self.tr("&README"),
            self.show_readme,
            QKeySequence(QKeySequence.StandardKey.HelpContents),
        )
        menu.addSeparator()
        self.logs_action = action(self.tr("Open &Logs Folder"), self.open_logs_folder)
        self.data_action = action(self.tr("Open &Data Folder"), self.open_data_folder)
        menu.addSeparator()
        self.about_action = action(self.tr("&About %1").replace("%1", APP_NAME), self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    @property
    def logs_folder(self) -> Path:
        return log_file(self.window.options.data_dir).parent

    @property
    def data_folder(self) -> Path:
        return self.window.options.data_dir

    def show_shortcuts(self) -> None:
        """Help > Keyboard Shortcuts, read afresh from the menus each time it opens."""
        dialog = ShortcutsDialog(self.window.menuBar(), self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shortcuts_dialog = dialog
        dialog.finished.connect(self._forget_shortcuts)
        dialog.open()

    def _forget_shortcuts(self) -> None:
        self.shortcuts_dialog = None

    def show_readme(self) -> None:
        """Help > README: one window, raised again when it is already open."""
        if self.readme_dialog is None:
            self.readme_dialog = ReadmeDialog(readme_path(), self.window)
        self.readme_dialog.show()
        self.readme_dialog.raise_()
        self.readme_dialog.activateWindow()

    def open_logs_folder(self) -> None:
        self._open(self.logs_folder)

    def open_data_folder(self) -> None:
        self._open(self.data_folder)

    def _open(self, folder: Path) -> None:
        if not desktop_links.open_folder(folder):
            message = self.tr("Cannot open %1: no file manager answered.")
            self.window.statusBar().showMessage(message.replace("%1", str(folder)), 8000)

    def model_card(self) -> ModelCard | None:
        """The loaded model's name and license, as its folder (or its server) states them."""
        info = self.window.model_info
        if info is None:
            return None
        if info.device == "remote":
            return server_card(info.model_id)
        if self._card is None or self._card[0] != info.path:
            self._card = (info.path, read_model_card(Path(info.path), info.model_id))
        return self._card[1]

    def show_about(self) -> None:
        """Help > About, about the model loaded now."""
        info = self.window.model_info
        if info is None:
            detail = self.tr("%1 (not loaded)").replace("%1", self.window.model_setup.reference)
        else:
            detail = f"{info.engine}, {info.path}"
        dialog = AboutDialog(self.model_card(), detail, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.about_dialog = dialog
        dialog.finished.connect(self._forget_about)
        dialog.open()

    def _forget_about(self) -> None:
        self.about_dialog = None
