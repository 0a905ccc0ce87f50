"""Dialogs: a model that is not on this computer yet, download progress, and About."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME, __version__
from core.models import DownloadPlan
from core.paths import resource_path


def human_size(size: int) -> str:
    """``1536`` -> ``"1.5 KB"``; decimal units, as download sizes are usually shown."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


class ModelMissingDialog(QDialog):
    """Offers the three ways on when the model is not cached: download, choose a folder, quit.

    The dialog's result is one of ``DOWNLOAD``, ``CHOOSE_FOLDER`` or ``QUIT``.
    """

    DOWNLOAD, CHOOSE_FOLDER, QUIT = 1, 2, 3

    def __init__(self, repo_id: str, offline: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME}: model needed")
        self.plan: DownloadPlan | None = None
        self.repo_id = repo_id
        self.message = QLabel(
            f"<p>The model <b>{repo_id}</b> is not on this computer yet.</p>"
            "<p>Confab can download it once from the Hugging Face hub (only the PyTorch "
            "weights and tokenizer files) into the standard Hugging Face cache; after that it "
            "works offline. Or choose a folder that already holds a model.</p>"
        )
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setWordWrap(True)
        self.size_label = QLabel(
            "Offline mode is on, so nothing will be downloaded. Choose a folder that holds "
            "a model (the README's \"Other models\" shows how to get one without the hub), "
            "or start Confab without --offline to download this one."
            if offline
            else "Checking the download size…"
        )
        self.size_label.setWordWrap(True)
        self.download_button = QPushButton("Download")
        self.download_button.setEnabled(False)
        self.folder_button = QPushButton("Choose Model Folder…")
        self.quit_button = QPushButton("Quit")
        # Enter never quits: the useful action is the default (a folder, until the download
        # size is known and the download can start).
        for button in (self.download_button, self.folder_button, self.quit_button):
            button.setAutoDefault(False)
        self.folder_button.setDefault(True)
        self.download_button.clicked.connect(lambda: self.done(self.DOWNLOAD))
        self.folder_button.clicked.connect(lambda: self.done(self.CHOOSE_FOLDER))
        self.quit_button.clicked.connect(lambda: self.done(self.QUIT))
        buttons = QHBoxLayout()
        buttons.addWidget(self.quit_button)
        buttons.addStretch()
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.download_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.size_label)
        layout.addLayout(buttons)
        self.resize(520, 220)
        self.folder_button.setFocus()

    def set_plan(self, plan: DownloadPlan) -> None:
        """Show the download size and allow the download."""
        self.plan = plan
        to_fetch = plan.total_bytes - plan.cached_bytes
        text = f"Download size: {human_size(to_fetch)} in {len(plan.files)} files."
        if plan.cached_bytes:
            text += f" ({human_size(plan.cached_bytes)} already here from an earlier try.)"
        self.size_label.setText(text)
        self.download_button.setEnabled(True)
        self.folder_button.setDefault(False)
        self.download_button.setDefault(True)
        self.download_button.setFocus()

    def set_plan_failed(self, message: str) -> None:
        """Say why the download is not possible now."""
        self.size_label.setText(message)


class AboutDialog(QDialog):
    """What Confab is, its version, and the licenses of what it ships."""

    def __init__(self, model_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        header = QLabel(
            f"<h2>{APP_NAME} {__version__}</h2>"
            "<p>An offline desktop chatbot. Your conversations stay on this computer.</p>"
        )
        header.setTextFormat(Qt.TextFormat.RichText)
        model_label = QLabel(model_text)
        model_label.setWordWrap(True)
        model_label.setTextFormat(Qt.TextFormat.PlainText)
        self.license_list = QListWidget()
        self.license_text = QPlainTextEdit()
        self.license_text.setReadOnly(True)
        folder = resource_path("licenses")
        self.license_files = sorted(folder.glob("*")) if folder.is_dir() else []
        for path in self.license_files:
            self.license_list.addItem(path.name)
        self.license_list.currentRowChanged.connect(self._show_license)
        if self.license_files:
            self.license_list.setCurrentRow(0)
        else:
            self.license_text.setPlainText("No license texts were found in this installation.")
        licenses = QHBoxLayout()
        licenses.addWidget(self.license_list, 1)
        licenses.addWidget(self.license_text, 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(model_label)
        layout.addWidget(QLabel("Licenses:"))
        layout.addLayout(licenses, 1)
        layout.addWidget(buttons)
        self.resize(760, 520)

    def _show_license(self, row: int) -> None:
        if 0 <= row < len(self.license_files):
            try:
                text = self.license_files[row].read_text(encoding="utf-8", errors="replace")
            except OSError as error:
                text = f"Cannot read {self.license_files[row]}: {error}"
            self.license_text.setPlainText(text)
